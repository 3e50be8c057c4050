"""The checkout panel: amount, points to redeem, live totals, and the receipt after confirming."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Input, Label, Static

from app.domain.coupons import Coupon, CouponRefused, coupon_label, quote_with_coupon
from app.domain.errors import LoyaltyError
from app.domain.money import parse_amount, parse_points
from app.domain.rules import (
    AppliedRule,
    CheckoutQuote,
    ProgramRules,
    applied_summary,
    max_redeemable,
)
from app.domain.stamps import StampCard
from app.i18n import _, format_money, format_points
from app.services.member_offers import MemberOffers
from app.services.views import MemberView, SaleResult
from app.tui.widgets.figure_input import FigureInput
from app.tui.widgets.figure_rows import figure_rows
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
    offers: reactive[MemberOffers | None] = reactive(None)
    """The member's coupons and stamp cards (set by the screen with the member)."""
    coupon: reactive[Coupon | None] = reactive(None, init=False)
    """The coupon scanned for this checkout."""
    rewards: reactive[tuple[StampCard, ...]] = reactive((), init=False)
    """Full stamp cards whose reward the cashier gives with this sale."""

    def __init__(
        self,
        *,
        rules: ProgramRules,
        id: str | None = None,
        is_scan: Callable[[str, bool], bool] | None = None,
    ) -> None:
        super().__init__(id=id)
        self.rules = rules
        self.is_scan = is_scan
        """Whether text ended by Enter in a figure field is a scan (``FigureInput``)."""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field"):
            yield Label(_("Amount"), classes="field-label")
            yield FigureInput(
                placeholder=_("e.g. 12.50"), id="amount", compact=True, is_scan=self.is_scan
            )
        with Horizontal(classes="field"):
            yield Label(_("Points"), classes="field-label")
            yield FigureInput(placeholder="0", id="redeem", compact=True, is_scan=self.is_scan)
        yield Static(id="redeem-hint")
        yield Static(id="program-line")
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
        self.coupon = None
        self.rewards = ()
        self.amount_input.value = ""
        self.points_input.value = ""
        self._requote()

    def use_rules(self, rules: ProgramRules) -> None:
        """The owner changed the program: quote with the new rules from now on."""
        self.rules = rules
        if self.receipt is None:
            self._requote()

    def current_quote(self, submitted: Input.Submitted | None = None) -> CheckoutQuote:
        """The quote for what is typed now, or raise the cashier's message.

        ``submitted``: Enter in one of the fields; its value is the field as typed up to that
        Enter (keys typed behind it may already be in the field).
        """
        if self.member is None:
            raise LoyaltyError(_("Scan a member card first"))
        amount_text, points_text = self.amount_input.value, self.points_input.value
        if submitted is not None and submitted.input is self.amount_input:
            amount_text = submitted.value
        elif submitted is not None and submitted.input is self.points_input:
            points_text = submitted.value
        amount = parse_amount(
            amount_text,
            max_cents=self.rules.max_sale_cents,
            currency=self.rules.currency,
        )
        points = parse_points(points_text)
        return quote_with_coupon(
            self.rules,
            balance=self.member.points,
            amount_cents=amount,
            redeem_points=points,
            coupon=self.coupon,
            standing=self.member.standing,
        )

    def typed_amount(self) -> int | None:
        """The amount typed so far, or ``None`` while it is empty or not an amount yet."""
        try:
            return parse_amount(
                self.amount_input.value,
                max_cents=self.rules.max_sale_cents,
                currency=self.rules.currency,
            )
        except LoyaltyError:
            return None

    def watch_coupon(self) -> None:
        self._requote()
        self._show_program()

    def watch_rewards(self) -> None:
        self._show_program()

    def watch_offers(self) -> None:
        # Offered rewards follow the member's cards (a new member, a card just filled).
        full = {c.program_id for c in self.offers.full_cards} if self.offers else set()
        self.rewards = tuple(c for c in self.rewards if c.program_id in full)
        self._show_program()

    def _show_program(self) -> None:
        """The coupon line and the stamp-card rewards offered, above the totals."""
        parts: list[Content | str | tuple[str, str]] = []
        if self.coupon is not None:
            parts += [
                (_("Coupon"), "bold"),
                " ",
                (coupon_label(self.coupon, self.rules.currency), "$success"),
                "  ",
                (_("Esc removes it"), "dim"),
            ]
        given = {c.program_id for c in self.rewards}
        for card in self.offers.full_cards if self.offers else ():
            if parts:
                parts.append("\n")
            if card.program_id in given:
                parts.append(
                    (
                        _("Reward with this sale: {reward} ({name} card)").format(
                            reward=card.reward, name=card.name
                        ),
                        "bold $success",
                    )
                )
            else:
                parts.append(
                    (
                        _("{name} card full: F12 gives {reward}").format(
                            name=card.name, reward=card.reward
                        ),
                        "bold $warning",
                    )
                )
        line = self.query_one("#program-line", Static)
        line.update(Content.assemble(*parts) if parts else Content(""))
        line.display = bool(parts) and self.receipt is None

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
        # What is due after the coupon's and the member's discounts: points pay only for that.
        due = quote_with_coupon(
            self.rules,
            balance=0,
            amount_cents=amount,
            coupon=self.coupon,
            standing=self.member.standing,
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
        # The quote may stay None (no amount yet), which would leave the hint of the last member.
        self.query_one("#redeem-hint", Static).update(self._hint(self.quote))

    def watch_receipt(self, receipt: SaleResult | None) -> None:
        self.query_one(Receipt).result = receipt
        # Display flags, not a class: a class change restyles the panel on the next scan.
        for part in ("#totals", "#redeem-hint", "#checkout-error"):
            self.query_one(part).display = receipt is None
        self._show_program()
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
            quote = quote_with_coupon(
                self.rules,
                balance=self.member.points,
                amount_cents=amount,
                redeem_points=points,
                coupon=self.coupon,
                standing=self.member.standing,
            )
        except CouponRefused as exc:
            # Below the coupon's minimum spend: the amount is what must change.
            amount_input.add_class("-invalid")
            self.quote, self.error = None, exc.message
            return
        except LoyaltyError as exc:
            points_input.add_class("-invalid")
            self.quote, self.error = None, exc.message
            return
        self.quote, self.error = quote, ""

    def on_resize(self) -> None:
        # The labels are fitted to the panel's width (figure_rows): fit them again.
        self.call_after_refresh(lambda: self.watch_quote(self.quote))

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
        rows.append((_("Due"), format_money(quote.due_before_points_cents, money), ""))
        if quote.redeem_value_cents:
            rows.append(
                (_("Paid with points"), f"−{format_money(quote.redeem_value_cents, money)}", "")
            )
        rows += [
            (_("To pay"), format_money(quote.to_pay_cents, money), "bold"),
            (_("Points earned"), f"+{format_points(quote.points_earned)}", ""),
            (_("New balance"), format_points(quote.balance_after), "bold $success"),
        ]
        parts: list[Content | str | tuple[str, str]] = []
        for line in figure_rows(rows, self.query_one("#totals").content_size.width):
            if parts:
                parts.append("\n")
            parts.append(line)
        if shows_rules(quote.applied):
            parts += ["\n", (applied_summary(quote.applied, money), "$accent")]
        return Content.assemble(*parts)


def shows_rules(applied: tuple[AppliedRule, ...]) -> bool:
    """Whether to list the rules: the base points alone are the "Points earned" row already."""
    return any(rule.code != "base" for rule in applied)
