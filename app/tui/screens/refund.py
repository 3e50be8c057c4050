"""Refund one of the member's recent sales, fully or in part."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from babel.numbers import format_decimal
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import DataTable, Input, Label, Static

from app.domain.errors import LoyaltyError
from app.domain.money import REFUND_TYPING_LIMIT_CENTS, parse_amount
from app.domain.rules import SaleFigures, plan_refund
from app.i18n import _, current_locale, format_money, format_points, format_timestamp
from app.services.context import Context
from app.services.refunds import refund_sale
from app.services.staff import refund_action
from app.services.views import MemberView, RefundResult, SaleLine
from app.store.errors import DatabaseError
from app.tui.member_text import member_line
from app.tui.screens.dialog import Dialog
from app.tui.screens.gate import require
from app.tui.widgets.ordered_input import OrderedInput


def amount_text(cents: int) -> str:
    """An amount as a cashier would type it (``12.50`` / ``12,50``), without currency sign."""
    return format_decimal(Decimal(cents).scaleb(-2), format="0.00", locale=current_locale())


class RefundScreen(Dialog[RefundResult | None]):
    """Pick a sale, confirm the amount; dismisses with the refund, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "confirm", _("Refund"), key_display="F9"),
    ]
    AUTO_FOCUS = "#sales"

    sale: reactive[SaleLine | None] = reactive(None, init=False)
    """The sale under the cursor."""

    def __init__(self, ctx: Context, member: MemberView) -> None:
        super().__init__()
        self.ctx = ctx
        self.member = member
        self._sales = {str(s.sale_id): s for s in member.recent_sales}
        self.title_text = _("Refund a sale")
        self.action_label = _("Refund")
        self.action_variant = "warning"
        self.hint_text = _("↑↓: choose a sale · Enter: to the amount")

    def compose_body(self) -> ComposeResult:
        yield Static(member_line(self.member), id="who", markup=False)
        yield DataTable(cursor_type="row", zebra_stripes=True, id="sales")
        with Horizontal(classes="row"):
            yield Label(_("Amount to refund"))
            yield OrderedInput(compact=True, id="amount")
        yield Static(id="preview", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#sales", DataTable)
        table.add_column(Text(_("Sale"), justify="right"), key="sale")
        table.add_column(_("When"), key="when")
        table.add_column(Text(_("Amount"), justify="right"), key="amount")
        table.add_column(Text(_("Refunded"), justify="right"), key="refunded")
        table.add_column(Text(_("Refundable"), justify="right"), key="left")

        def figure(cents: int) -> Text:
            return Text(self.money(cents) if cents else "—", justify="right")

        for sale in self.member.recent_sales:
            table.add_row(
                Text(str(sale.sale_id), justify="right"),
                format_timestamp(sale.created_at),
                figure(sale.amount_cents),
                figure(sale.refunded_cents),
                figure(sale.refundable_cents),
                key=str(sale.sale_id),
            )
        if not self.member.recent_sales:
            self.show_message(_("This member has no recent sales to refund"))
            return
        first = next((s for s in self.member.recent_sales if s.refundable_cents > 0), None)
        if first is not None:
            table.move_cursor(row=table.get_row_index(str(first.sale_id)))
        self.sale = first or self.member.recent_sales[0]

    def unsaved(self) -> bool:
        """Only an amount typed over the one the chosen sale filled in is worth a warning."""
        sale = self.sale
        filled = amount_text(sale.refundable_cents) if sale and sale.refundable_cents > 0 else ""
        return self.query_one("#amount", Input).value != filled

    def money(self, cents: int) -> str:
        return format_money(cents, self.ctx.rules().currency)

    def watch_sale(self, sale: SaleLine | None) -> None:
        amount = self.query_one("#amount", Input)
        if sale is None or sale.refundable_cents <= 0:
            amount.value = ""
        else:
            amount.value = amount_text(sale.refundable_cents)
        self.update_preview()

    def pick(self, key: str | None) -> None:
        sale = self._sales.get(str(key))
        if sale is not None and sale is not self.sale:
            self.sale = sale

    @on(DataTable.RowHighlighted, "#sales")
    def sale_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.pick(event.row_key.value)

    @on(DataTable.RowSelected, "#sales")
    def sale_chosen(self, event: DataTable.RowSelected) -> None:
        self.pick(event.row_key.value)
        self.query_one("#amount", Input).focus()

    @on(Input.Changed, "#amount")
    def amount_changed(self) -> None:
        self.update_preview()

    def update_preview(self) -> None:
        """What the refund gives back, worked out by the same rule the service applies."""
        preview = self.query_one("#preview", Static)
        self.show_message("")
        sale = self.sale
        if sale is None:
            preview.update("")
            return
        try:
            plan = plan_refund(
                SaleFigures(
                    amount_cents=sale.amount_cents,
                    to_pay_cents=sale.to_pay_cents,
                    points_earned=sale.points_earned,
                    points_redeemed=sale.points_redeemed,
                    refunded_cents=sale.refunded_cents,
                ),
                self.parse(),
                self.member.points,
            )
        except LoyaltyError:
            preview.update("")
            return
        preview.update(
            _("Money back: {amount}").format(amount=self.money(plan.money_back_cents))
            + "\n"
            + _("Points taken back: {points}, points given back: {returned}").format(
                points=format_points(plan.points_reversed),
                returned=format_points(plan.points_returned),
            )
        )

    def parse(self) -> int:
        """The typed amount in cents; raises InvalidInput with a message for the cashier."""
        text = self.query_one("#amount", Input).value
        rules = self.ctx.rules()
        return parse_amount(text, max_cents=REFUND_TYPING_LIMIT_CENTS, currency=rules.currency)

    def action_confirm(self) -> None:
        sale = self.sale
        if sale is None:
            self.show_message(_("This member has no recent sales to refund"))
            return
        if self.db.pending("refund"):
            return
        try:
            # Nothing left to refund: the service refuses with its own message.
            cents = self.parse() if sale.refundable_cents > 0 else None
        except LoyaltyError as exc:
            self.refused(exc)
            return
        sale_id = sale.sale_id
        # A cashier refunds today's small sales here alone; anything else needs a manager.
        self.db.run(
            "refund",
            lambda: refund_action(self.ctx, sale_id, cents),
            lambda action: require(self, action, lambda ctx: self._refund(ctx, sale_id, cents)),
            self.refused,
        )

    def _refund(self, ctx: Context, sale_id: int, cents: int | None) -> None:
        self.db.run("refund", lambda: refund_sale(ctx, sale_id, cents), self.dismiss, self.refused)

    def refused(self, exc: LoyaltyError) -> None:
        self.show_message(exc.message)
        if not isinstance(exc, DatabaseError):
            # A database failure leaves nothing to correct in the amount: just try again.
            self.query_one("#amount", Input).focus()

    @on(Input.Submitted, "#amount")
    def amount_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_confirm()
