"""Earning and redeeming points, and how a refund unwinds them. Pure arithmetic on integers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.domain.errors import InvalidInput, NotEnoughPoints, RefundRefused
from app.domain.program import Campaign, Tier, format_multiplier
from app.i18n import _, format_money, format_percent, format_points


@dataclass(frozen=True)
class ProgramRules:
    """The program's rules as stored in the settings table (defaults are the shop's start)."""

    earn_points_per_unit: int = 1
    """Points per full currency unit (1.00) paid in money."""
    redeem_points_per_unit: int = 100
    """Points that are worth 1.00 when redeemed."""
    max_sale_cents: int = 1_000_000
    currency: str = "EUR"
    earn_on_points_paid: bool = False
    """Whether the part paid with points earns points too (default: it does not)."""
    earn_on_discount: bool = False
    """Whether discounts (coupons, member discounts) earn points as if paid (default: no)."""

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
class Standing:
    """What the program gives this member at this checkout, besides the base points.

    Worked out by the services from the database (tier from the spend before the sale, active
    campaigns at the shop's local time, bonuses due); the quote only does the arithmetic.
    """

    tier: Tier | None = None
    campaigns: tuple[Campaign, ...] = ()
    bonuses: tuple[AppliedRule, ...] = ()
    """Fixed bonus points due at this purchase (birthday, sign-up, profile, referral)."""


def extra_points(base: int, multiplier: int) -> int:
    """The points a multiplier adds on top of the base points (x2 adds the base once more)."""
    return base * (multiplier - 100) // 100 if multiplier > 100 else 0


def member_discount_cents(amount_cents: int, percent: int) -> int:
    """A member discount in percent of the amount, in whole cents rounded down."""
    return amount_cents * percent // 100


def applied_text(rule: AppliedRule, currency: str = "EUR") -> str:
    """One rule as the till lists it: ``+45 Gold x2`` or ``-10% Gold``.

    A label that carries its own figure (a coupon's ``-10% SUMMER10``, ``+50 BONUS50``) and
    one without any (``free coffee FREECOFFEE``, a stamp card's reward) is shown as it is.
    """
    if rule.label.startswith(("+", "-", "−")):
        return rule.label
    if rule.points:
        sign = "+" if rule.points > 0 else "−"
        return f"{sign}{format_points(abs(rule.points))} {rule.label}"
    if rule.discount_cents:
        return f"-{format_money(rule.discount_cents, currency)} {rule.label}"
    return rule.label


def applied_summary(applied: tuple[AppliedRule, ...], currency: str = "EUR") -> str:
    """Every rule of a checkout on one line: ``+45 base · +45 Gold x2 · -10% Gold``."""
    return " · ".join(applied_text(rule, currency) for rule in applied)


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
    standing: Standing | None = None,
) -> CheckoutQuote:
    """Compute what the member pays and earns. Raises if the redemption is not allowed.

    ``discount_cents`` is a discount decided elsewhere (a coupon); the member's tier discount
    comes off after it. Points: the base (per currency unit paid), plus what the tier and
    each active campaign multiply onto the base (each adds its own share, they do not
    compound), plus the bonuses due. Every part is listed in ``applied``.
    """
    if amount_cents <= 0:
        raise InvalidInput(_("The amount must be more than zero"))
    if redeem_points < 0:
        raise InvalidInput(_("Points cannot be negative"))
    standing = standing or Standing()
    tier = standing.tier
    applied: list[AppliedRule] = []
    discount = min(max(discount_cents, 0), amount_cents)
    if tier is not None and tier.discount_percent:
        member_discount = member_discount_cents(amount_cents - discount, tier.discount_percent)
        if member_discount:
            discount += member_discount
            applied.append(
                AppliedRule(
                    "member_discount",
                    f"{format_percent(-tier.discount_percent)} {tier.name}",
                    discount_cents=member_discount,
                )
            )
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
    earning = to_pay
    if rules.earn_on_points_paid:
        earning += value
    if rules.earn_on_discount:
        earning += discount
    base = rules.earn_for_paid(earning)
    earned = [AppliedRule("base", _("base"), points=base)] if base else []
    if tier is not None:
        extra = extra_points(base, tier.multiplier)
        if extra:
            label = f"{tier.name} {format_multiplier(tier.multiplier)}"
            earned.append(AppliedRule("tier", label, points=extra))
    for campaign in standing.campaigns:
        extra = extra_points(base, campaign.multiplier)
        if extra:
            label = f"{campaign.name} {format_multiplier(campaign.multiplier)}"
            earned.append(AppliedRule("campaign", label, points=extra))
    earned += [bonus for bonus in standing.bonuses if bonus.points > 0]
    # The till lists points first, then discounts: "+45 base · +45 Gold x2 · -10% Gold".
    applied = earned + applied
    return CheckoutQuote(
        amount_cents=amount_cents,
        discount_cents=discount,
        points_redeemed=redeem_points,
        redeem_value_cents=value,
        to_pay_cents=to_pay,
        points_earned=sum(rule.points for rule in earned),
        balance_before=balance,
        applied=tuple(applied),
    )


@dataclass(frozen=True)
class SaleFigures:
    """What a sale took and gave, and how much of it was already refunded."""

    amount_cents: int
    to_pay_cents: int
    points_earned: int
    points_redeemed: int
    refunded_cents: int = 0

    @classmethod
    def of(cls, sale: Any) -> SaleFigures:
        """The figures of a sale as stored or shown: anything with these attributes (a sale
        row, the member panel's sale line)."""
        return cls(
            amount_cents=sale.amount_cents,
            to_pay_cents=sale.to_pay_cents,
            points_earned=sale.points_earned,
            points_redeemed=sale.points_redeemed,
            refunded_cents=sale.refunded_cents,
        )


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
