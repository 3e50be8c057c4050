"""The expiry tab: whether points expire, and after how many months."""

from __future__ import annotations

from typing import ClassVar

from app.i18n import _
from app.tui.screens.program.forms import FormTab

EXPIRY = "program-expiry"


class ExpiryTab(FormTab):
    """When points expire: never, N months after they were earned, or after N idle months."""

    TAB_ID: ClassVar[str] = EXPIRY
    SETTINGS: ClassVar[tuple[str, ...]] = ("program.expiry", "program.expiry_months")

    @staticmethod
    def title() -> str:
        return _("Expiry")

    def labels(self) -> dict[str, str]:
        return {
            "program.expiry": _("Points expire"),
            "program.expiry_months": _("N (months)"),
        }

    def explain(self) -> str:
        return _(
            "Expired points are written to the ledger at the member's next sale or with "
            "“loyalty points expire”; the oldest points are spent first."
        )
