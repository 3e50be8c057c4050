"""The bonuses tab: birthday gift, sign-up, complete-profile and referral bonuses."""

from __future__ import annotations

from typing import ClassVar

from app.i18n import _
from app.tui.screens.program.forms import FormTab

BONUSES = "program-bonuses"


class BonusesTab(FormTab):
    """The points given beside a purchase: birthday, sign-up, profile, referral."""

    TAB_ID: ClassVar[str] = BONUSES
    SETTINGS: ClassVar[tuple[str, ...]] = (
        "program.birthday_points",
        "program.birthday_period",
        "program.signup_bonus",
        "program.profile_bonus",
        "program.referral_bonus",
    )

    @staticmethod
    def title() -> str:
        return _("Bonuses")

    def labels(self) -> dict[str, str]:
        return {
            "program.birthday_points": _("Birthday gift (points)"),
            "program.birthday_period": _("Given once a year"),
            "program.signup_bonus": _("Sign-up bonus (points)"),
            "program.profile_bonus": _("Complete profile bonus (points)"),
            "program.referral_bonus": _("Referral bonus (points, each)"),
        }

    def explain(self) -> str:
        return _(
            "0 turns a bonus off. The referral bonus goes to both members when the new "
            "member makes a first purchase; the profile bonus when email, phone, birthday "
            "and postcode are all filled in."
        )
