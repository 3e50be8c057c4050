"""The receipt summary shown after a confirmed checkout."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from app.domain.rules import applied_summary
from app.i18n import _, format_money, format_points, ngettext
from app.services.views import SaleResult
from app.tui.widgets.figure_rows import figure_rows


class Receipt(Static):
    """What the sale took and gave: amount, paid with points, to pay, earned, new balance."""

    result: reactive[SaleResult | None] = reactive(None)

    def __init__(self, *, currency: str, id: str | None = None) -> None:
        super().__init__(id=id)
        self.currency = currency

    def on_resize(self) -> None:
        # The labels are fitted to the width (figure_rows): fit them again.
        if self.result is not None:
            self.update(self._render_result(self.result))

    def watch_result(self, result: SaleResult | None) -> None:
        self.display = result is not None
        self.update(self._render_result(result) if result is not None else "")

    def _render_result(self, result: SaleResult) -> Content:
        money = self.currency
        rows = [(_("Amount"), format_money(result.amount_cents, money))]
        if result.discount_cents:
            rows.append((_("Discount"), f"−{format_money(result.discount_cents, money)}"))
        if result.points_redeemed:
            rows += [
                (_("Paid with points"), format_money(result.redeem_value_cents, money)),
                (_("Points redeemed"), format_points(result.points_redeemed)),
            ]
        rows += [
            (_("To pay"), format_money(result.to_pay_cents, money)),
            (_("Points earned"), format_points(result.points_earned)),
            (_("New balance"), format_points(result.points_balance)),
        ]
        parts: list[Content | str | tuple[str, str]] = [
            (_("Sale {id} saved").format(id=result.sale_id), "bold $success")
        ]
        bold = (_("To pay"), _("New balance"))
        styled = [(label, value, "bold" if label in bold else "") for label, value in rows]
        for line in figure_rows(styled, self.content_size.width):
            parts += ["\n", line]
        if any(rule.code != "base" for rule in result.applied):
            parts += ["\n", (applied_summary(result.applied, money), "$accent")]
        if result.points_expired:
            parts += [
                "\n",
                ngettext(
                    "{points} expired point was written off first",
                    "{points} expired points were written off first",
                    result.points_expired,
                ).format(points=format_points(result.points_expired)),
            ]
        return Content.assemble(*parts)
