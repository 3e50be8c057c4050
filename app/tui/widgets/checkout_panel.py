"""The checkout panel: amount, points to redeem, live totals, and the receipt after confirming."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Input, Label, Static

from app.domain.errors import LoyaltyError
from app.domain.money import parse_amount, parse_points
from app.domain.rules import (
    AppliedRule,
    CheckoutQuote,
    ProgramRules,
    applied_summary,
    max_redeemable,
    quote_checkout,
)
from app.i18n import _, format_money, format_points
from app.services.views import MemberView, SaleResult
from app.tui.widgets.receipt import Receipt


class CheckoutPanel(Vertical):
    """Amount and points for the member set by the screen; totals follow every keystroke.

    The panel only quotes (pure rules); the screen confirms through the checkout service and
    hands the result back as ``receipt``.
    """

    member: reactive[MemberView | None] = reactive(None)
    receipt: reactive[SaleResult | None] = reactive(None)
    quote: reactive[CheckoutQuote | None] = reactive(None)
    error: reactive[str] = reactive("")
    locked: reactive[bool] = reactive(False, init=False)
    """Set while the sale is being saved: the fields wait."""

    def __init__(self, *, rules: ProgramRules, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rules = rules

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field"):
            yield Label(_("Amount"), classes="field-label")
            yield Input(placeholder=_("e.g. 12.50"), id="amount", compact=True)
        with Horizontal(classes="field"):
            yield Label(_("Points"), classes="field-label")
            yield Input(placeholder="0", id="redeem", compact=True)
        yield Static(id="redeem-hint")
        yield Static(id="checkout-error")
        yield Static(id="totals")
        yield Receipt(currency=self.rules.currency, id="receipt")

    def on_mount(self) -> None:
        self.border_title = _("Checkout")
        self._enable_fields()

    def _enable_fields(self) -> None:
        # Only the fields, not the whole panel: disabling a container restyles every
        # descendant, and this runs on every scan.
        disabled = self.member is None or self.locked
        self.amount_input.disabled = disabled
        self.points_input.disabled = disabled

    def watch_locked(self) -> None:
        self._enable_fields()

    @property
    def amount_input(self) -> Input:
        return self.query_one("#amount", Input)

    @property
    def points_input(self) -> Input:
        return self.query_one("#redeem", Input)

    def reset(self) -> None:
        """Start a fresh checkout (a new customer): empty fields, no receipt."""
        self.receipt = None
        self.amount_input.value = ""
        self.points_input.value = ""
        self._requote()

    def current_quote(self) -> CheckoutQuote:
        """The quote for what is typed now, or raise the cashier's message."""
        if self.member is None:
            raise LoyaltyError(_("Scan a member card first"))
        amount = parse_amount(
            self.amount_input.value,
            max_cents=self.rules.max_sale_cents,
            currency=self.rules.currency,
        )
        points = parse_points(self.points_input.value)
        return quote_checkout(
            self.rules,
            balance=self.member.points,
            amount_cents=amount,
            redeem_points=points,
            standing=self.member.standing,
        )

    def max_points(self) -> int:
        """The most points the member can redeem on the amount typed (raises if none is)."""
        if self.member is None:
            raise LoyaltyError(_("Scan a member card first"))
        if not self.amount_input.value.strip():
            raise LoyaltyError(_("Type the amount first, then F4 redeems the most points"))
        amount = parse_amount(
            self.amount_input.value,
            max_cents=self.rules.max_sale_cents,
            currency=self.rules.currency,
        )
        # What is due after the member's discount: points pay for that, not the full amount.
        due = quote_checkout(
            self.rules, balance=0, amount_cents=amount, standing=self.member.standing
        ).due_before_points_cents
        return max_redeemable(self.rules, self.member.points, due)

    def fill_max_points(self) -> int:
        """Put the most redeemable points into the points field; returns them."""
        points = self.max_points()
        self.points_input.value = str(points)
        self._requote()
        return points

    def watch_member(self) -> None:
        self._enable_fields()
        self._requote()

    def watch_receipt(self, receipt: SaleResult | None) -> None:
        self.query_one(Receipt).result = receipt
        # Display flags, not a class: a class change restyles the panel on the next scan.
        for part in ("#totals", "#redeem-hint", "#checkout-error"):
            self.query_one(part).display = receipt is None
        if receipt is not None:
            # Clear without triggering a re-quote that would hide the receipt again.
            with self.prevent(Input.Changed):
                self.amount_input.value = ""
                self.points_input.value = ""
            self._requote()

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if event.value:
            self.receipt = None
        self._requote()

    def _requote(self) -> None:
        """Recompute the live totals; an error is shown inline, never raised."""
        amount_input, points_input = self.amount_input, self.points_input
        amount_input.remove_class("-invalid")
        points_input.remove_class("-invalid")
        if self.member is None or not amount_input.value.strip():
            self.quote = None
            self.error = ""
            return
        try:
            amount = parse_amount(
                amount_input.value,
                max_cents=self.rules.max_sale_cents,
                currency=self.rules.currency,
            )
        except LoyaltyError as exc:
            amount_input.add_class("-invalid")
            self.quote, self.error = None, exc.message
            return
        try:
            points = parse_points(points_input.value)
            quote = quote_checkout(
                self.rules,
                balance=self.member.points,
                amount_cents=amount,
                redeem_points=points,
                standing=self.member.standing,
            )
        except LoyaltyError as exc:
            points_input.add_class("-invalid")
            self.quote, self.error = None, exc.message
            return
        self.quote, self.error = quote, ""

    def watch_error(self, error: str) -> None:
        self.query_one("#checkout-error", Static).update(Content(error))

    def watch_quote(self, quote: CheckoutQuote | None) -> None:
        self.query_one("#totals", Static).update(self._totals(quote))
        self.query_one("#redeem-hint", Static).update(self._hint(quote))

    def _hint(self, quote: CheckoutQuote | None) -> Content:
        member = self.member
        if member is None:
            return Content.styled(_("Scan a card to start a checkout"), "dim")
        if quote is None:
            return Content.styled(
                _("Balance {points} pts · F4 redeems the most").format(
                    points=format_points(member.points)
                ),
                "dim",
            )
        limit = max_redeemable(self.rules, member.points, quote.due_before_points_cents)
        return Content.styled(
            _("F4: redeem up to {points} pts").format(points=format_points(limit)), "dim"
        )

    def _totals(self, quote: CheckoutQuote | None) -> Content:
        if quote is None:
            return Content("")
        money = self.rules.currency
        rows = []
        if quote.discount_cents:
            rows.append((_("Discount"), f"−{format_money(quote.discount_cents, money)}", ""))
        rows += [
            (_("Due"), format_money(quote.due_before_points_cents, money), ""),
            (
                _("Paid with points"),
                f"−{format_money(quote.redeem_value_cents, money)}",
                "",
            ),
            (_("To pay"), format_money(quote.to_pay_cents, money), "bold"),
            (_("Points earned"), f"+{format_points(quote.points_earned)}", ""),
            (_("New balance"), format_points(quote.balance_after), "bold $success"),
        ]
        width = max(len(label) for label, _value, _style in rows) + 2
        parts: list[Content | str | tuple[str, str]] = []
        for label, value, style in rows:
            if parts:
                parts.append("\n")
            parts += [label.ljust(width), (value, style)]
        if shows_rules(quote.applied):
            parts += ["\n", (applied_summary(quote.applied, money), "$accent")]
        return Content.assemble(*parts)


def shows_rules(applied: tuple[AppliedRule, ...]) -> bool:
    """Whether to list the rules: the base points alone are the "Points earned" row already."""
    return any(rule.code != "base" for rule in applied)
