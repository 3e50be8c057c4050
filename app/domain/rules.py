"""Earning and redeeming points, and how a refund unwinds them. Pure arithmetic on integers."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.errors import InvalidInput, NotEnoughPoints, RefundRefused
from app.i18n import _, format_money, format_points


@dataclass(frozen=True)
class ProgramRules:
    """The program's rules as stored in the settings table (defaults are the shop's start)."""

    earn_points_per_unit: int = 1
    """Points per full currency unit (1.00) paid in money."""
    redeem_points_per_unit: int = 100
    """Points that are worth 1.00 when redeemed."""
    max_sale_cents: int = 1_000_000
    currency: str = "EUR"

    def points_value_cents(self, points: int) -> int:
        """What a number of points is worth in cents (whole cents, rounded down)."""
        return points * 100 // self.redeem_points_per_unit

    def points_for_cents(self, cents: int) -> int:
        """The most points whose value does not exceed ``cents``."""
        return cents * self.redeem_points_per_unit // 100

    def earn_for_paid(self, paid_cents: int) -> int:
        """Points earned for money actually paid: per full currency unit, rounded down."""
        return (max(paid_cents, 0) // 100) * self.earn_points_per_unit


@dataclass(frozen=True)
class AppliedRule:
    """One rule that shaped a checkout: a line of "+45 base · +45 Gold x2 · -10% SUMMER10".

    ``code`` is the machine name written to the ledger row it produced ("base", "tier",
    "campaign", "birthday", "coupon", ...); ``label`` is what the cashier reads.
    """

    code: str
    label: str
    points: int = 0
    discount_cents: int = 0


@dataclass(frozen=True)
class CheckoutQuote:
    """The live totals of a checkout, before it is confirmed."""

    amount_cents: int
    discount_cents: int
    points_redeemed: int
    redeem_value_cents: int
    to_pay_cents: int
    points_earned: int
    balance_before: int
    applied: tuple[AppliedRule, ...] = ()
    """The rules that gave points or discounts, in the order the till lists them."""

    @property
    def balance_after(self) -> int:
        return self.balance_before - self.points_redeemed + self.points_earned

    @property
    def due_before_points_cents(self) -> int:
        return self.amount_cents - self.discount_cents


def max_redeemable(rules: ProgramRules, balance: int, due_cents: int) -> int:
    """The most points a member can redeem: never more than the balance nor the amount due."""
    return max(0, min(balance, rules.points_for_cents(max(due_cents, 0))))


def quote_checkout(
    rules: ProgramRules,
    *,
    balance: int,
    amount_cents: int,
    redeem_points: int = 0,
    discount_cents: int = 0,
) -> CheckoutQuote:
    """Compute what the member pays and earns. Raises if the redemption is not allowed."""
    if amount_cents <= 0:
        raise InvalidInput(_("The amount must be more than zero"))
    if redeem_points < 0:
        raise InvalidInput(_("Points cannot be negative"))
    discount = min(max(discount_cents, 0), amount_cents)
    due = amount_cents - discount
    if redeem_points > balance:
        raise NotEnoughPoints(
            _("Only {balance} points available, not {points}").format(
                balance=format_points(balance), points=format_points(redeem_points)
            )
        )
    limit = max_redeemable(rules, balance, due)
    if redeem_points > limit:
        raise NotEnoughPoints(
            _("At most {limit} points can be redeemed on {due}").format(
                limit=format_points(limit), due=format_money(due, rules.currency)
            )
        )
    value = rules.points_value_cents(redeem_points)
    to_pay = due - value
    return CheckoutQuote(
        amount_cents=amount_cents,
        discount_cents=discount,
        points_redeemed=redeem_points,
        redeem_value_cents=value,
        to_pay_cents=to_pay,
        points_earned=rules.earn_for_paid(to_pay),
        balance_before=balance,
    )


@dataclass(frozen=True)
class SaleFigures:
    """What a sale took and gave, and how much of it was already refunded."""

    amount_cents: int
    to_pay_cents: int
    points_earned: int
    points_redeemed: int
    refunded_cents: int = 0


@dataclass(frozen=True)
class RefundPlan:
    """The effect of refunding part of a sale (amounts at the sale's gross prices)."""

    amount_cents: int
    money_back_cents: int
    points_reversed: int
    points_returned: int
    points_not_recovered: int

    @property
    def points_change(self) -> int:
        return self.points_returned - self.points_reversed


def _share(total: int, part: int, whole: int) -> int:
    return total * part // whole


def plan_refund(
    sale: SaleFigures, amount_cents: int | None, balance: int, currency: str = "EUR"
) -> RefundPlan:
    """Unwind a sale in proportion to the refunded amount.

    Shares are computed cumulatively (everything refunded so far, minus what earlier refunds
    already unwound), so several partial refunds add up to exactly the full refund. Earned points
    the member has already spent are not taken below zero: they are reported as not recovered.
    """
    remaining = sale.amount_cents - sale.refunded_cents
    if remaining <= 0:
        raise RefundRefused(_("This sale has already been refunded in full"))
    amount = remaining if amount_cents is None else amount_cents
    if amount <= 0:
        raise InvalidInput(_("The refund must be more than zero"))
    if amount > remaining:
        raise RefundRefused(
            _("At most {remaining} of this sale can still be refunded, not {amount}").format(
                remaining=format_money(remaining, currency), amount=format_money(amount, currency)
            )
        )
    before, after = sale.refunded_cents, sale.refunded_cents + amount
    whole = sale.amount_cents
    money = _share(sale.to_pay_cents, after, whole) - _share(sale.to_pay_cents, before, whole)
    reversed_ = _share(sale.points_earned, after, whole) - _share(sale.points_earned, before, whole)
    returned = _share(sale.points_redeemed, after, whole) - _share(
        sale.points_redeemed, before, whole
    )
    recoverable = max(balance + returned, 0)
    not_recovered = max(reversed_ - recoverable, 0)
    return RefundPlan(
        amount_cents=amount,
        money_back_cents=money,
        points_reversed=reversed_ - not_recovered,
        points_returned=returned,
        points_not_recovered=not_recovered,
    )
