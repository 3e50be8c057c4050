"""The earning tab: points per amount spent, what points pay, what earns points."""

from __future__ import annotations

from typing import ClassVar

from app.i18n import _, format_money
from app.tui.screens.program.forms import FormTab

EARNING = "program-earning"


class EarningTab(FormTab):
    """How points are earned and what they pay."""

    TAB_ID: ClassVar[str] = EARNING
    SETTINGS: ClassVar[tuple[str, ...]] = (
        "program.earn_points_per_unit",
        "program.redeem_points_per_unit",
        "program.earn_on_points_paid",
        "program.earn_on_discount",
    )

    @staticmethod
    def title() -> str:
        return _("Earning")

    def labels(self) -> dict[str, str]:
        one = format_money(100, self.ctx.rules().currency)
        return {
            "program.earn_points_per_unit": _("Points earned per {amount}").format(amount=one),
            "program.redeem_points_per_unit": _("Points that pay {amount}").format(amount=one),
            "program.earn_on_points_paid": _("The part paid with points earns points too"),
            "program.earn_on_discount": _("Coupon discounts earn points too"),
        }

    def explain(self) -> str:
        return _(
            "Points are rounded down. By default the part paid with points and coupon "
            "discounts earn nothing."
        )
