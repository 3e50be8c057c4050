"""Coupons: what one gives, whether it may be used now, and its effect on a checkout. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from app.domain.errors import InvalidInput, LoyaltyError
from app.domain.numbers import MAX_COUNT, MAX_POINTS
from app.domain.rules import AppliedRule, CheckoutQuote, ProgramRules, Standing, quote_checkout
from app.domain.text import check_text, quote_input
from app.i18n import _, format_day, format_money, format_percent, format_points

KINDS = ("percent", "amount", "points", "item")
CODE_MIN, CODE_MAX = 3, 40
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]*$")


class CouponRefused(LoyaltyError):
    """A coupon that cannot be used on this checkout; the message says why."""


def normalize_code(text: str) -> str:
    """A coupon code as stored: upper case, without the spaces people type around it."""
    return (text or "").strip().upper()


def validate_code(text: str) -> str:
    """The code, normalized, or a readable error: letters, digits and dashes, 3 to 40 long."""
    code = normalize_code(text)
    if not CODE_MIN <= len(code) <= CODE_MAX or not _CODE.match(code):
        raise InvalidInput(
            _(
                "“{code}” cannot be a coupon code: use {low} to {high} letters, digits or dashes"
            ).format(code=quote_input(text), low=CODE_MIN, high=CODE_MAX)
        )
    return code


def looks_like_coupon(text: str) -> bool:
    """Whether scan-field text could be a coupon code (the lookup decides whether it is one)."""
    code = normalize_code(text)
    return CODE_MIN <= len(code) <= CODE_MAX and bool(_CODE.match(code))


@dataclass(frozen=True)
class Coupon:
    """A coupon's rule as stored: one shared code, or one code of a batch (``max_uses`` 1)."""

    code: str
    kind: str
    value: int = 0
    """Percent (1-100) for ``percent``, cents for ``amount``, points for ``points``."""
    item: str = ""
    """What the cashier hands over for ``item``."""
    min_spend_cents: int = 0
    valid_from: date | None = None
    valid_until: date | None = None
    max_uses: int | None = None
    per_member: int | None = None
    member_id: int | None = None
    """Set when the coupon belongs to one member only."""

    def __post_init__(self) -> None:
        check_rule(self)

    @property
    def single_use(self) -> bool:
        return self.max_uses == 1


def check_rule(coupon: Coupon) -> None:
    """Raise a readable error for a coupon that makes no sense (the CLI's typing mistakes)."""
    if coupon.kind not in KINDS:
        raise InvalidInput(_("Unknown coupon kind “{kind}”").format(kind=quote_input(coupon.kind)))
    if coupon.kind == "percent" and not 1 <= coupon.value <= 100:
        raise InvalidInput(_("A percentage must be from 1 to 100"))
    if coupon.kind in ("amount", "points") and coupon.value <= 0:
        raise InvalidInput(_("The coupon's value must be more than zero"))
    if coupon.kind == "item" and not coupon.item.strip():
        raise InvalidInput(_("Say which item the coupon gives"))
    check_text(coupon.item, _("The item"))
    # Amounts are bounded where they are typed (the largest sale); the others here.
    if coupon.kind == "points" and coupon.value > MAX_POINTS:
        raise InvalidInput(_("That is far too many points"))
    if coupon.kind == "amount" and coupon.value > 10**12:
        raise InvalidInput(_("That amount is too large"))
    if coupon.min_spend_cents < 0:
        raise InvalidInput(_("The minimum spend cannot be negative"))
    for limit in (coupon.max_uses, coupon.per_member):
        if limit is not None and limit < 1:
            raise InvalidInput(_("A number of uses must be at least 1"))
        if limit is not None and limit > MAX_COUNT:
            raise InvalidInput(_("That number of uses is too large"))
    if coupon.valid_from and coupon.valid_until and coupon.valid_from > coupon.valid_until:
        raise InvalidInput(_("The coupon would end before it starts"))


def coupon_label(coupon: Coupon, currency: str = "EUR") -> str:
    """What the coupon gives, as the till lists it: ``-10% SUMMER10`` (German ``-10 %``),
    ``+50 BONUS50``."""
    if coupon.kind == "percent":
        return f"{format_percent(-coupon.value)} {coupon.code}"
    if coupon.kind == "amount":
        return f"-{format_money(coupon.value, currency)} {coupon.code}"
    if coupon.kind == "points":
        return f"+{format_points(coupon.value)} {coupon.code}"
    return _("free {item} {code}").format(item=coupon.item, code=coupon.code)


def check_coupon(
    coupon: Coupon | None,
    code: str,
    *,
    today: date,
    member_id: int,
    uses: int,
    member_uses: int,
    amount_cents: int | None = None,
    currency: str = "EUR",
) -> Coupon:
    """The coupon if this member may use it today on ``amount_cents``, else :class:`CouponRefused`.

    ``uses`` and ``member_uses`` count the redemptions still standing (a full refund undoes
    one). ``amount_cents`` ``None`` skips the minimum spend (the amount is not typed yet).
    """
    if coupon is None:
        raise CouponRefused(_("Unknown coupon {code}").format(code=quote_input(code)))
    if coupon.member_id is not None and coupon.member_id != member_id:
        raise CouponRefused(_("Coupon {code} belongs to another member").format(code=coupon.code))
    if coupon.valid_from is not None and today < coupon.valid_from:
        raise CouponRefused(
            _("Coupon {code} is not valid yet: from {day}").format(
                code=coupon.code, day=format_day(coupon.valid_from)
            )
        )
    if coupon.valid_until is not None and today > coupon.valid_until:
        raise CouponRefused(
            _("Coupon {code} expired on {day}").format(
                code=coupon.code, day=format_day(coupon.valid_until)
            )
        )
    if coupon.max_uses is not None and uses >= coupon.max_uses:
        raise CouponRefused(_("Coupon {code} is used up").format(code=coupon.code))
    if coupon.per_member is not None and member_uses >= coupon.per_member:
        raise CouponRefused(_("Coupon {code} is used up for this member").format(code=coupon.code))
    if amount_cents is not None and amount_cents < coupon.min_spend_cents:
        raise CouponRefused(
            _("Coupon {code} needs a purchase of at least {minimum}").format(
                code=coupon.code, minimum=format_money(coupon.min_spend_cents, currency)
            )
        )
    return coupon


def coupon_effect(coupon: Coupon, amount_cents: int, currency: str = "EUR") -> AppliedRule:
    """The discount or points the coupon gives on ``amount_cents`` (never more than the amount).

    A percentage is rounded down to whole cents, in the shop's favour by at most one cent.
    """
    discount = 0
    points = 0
    if coupon.kind == "percent":
        discount = amount_cents * coupon.value // 100
    elif coupon.kind == "amount":
        discount = min(coupon.value, amount_cents)
    elif coupon.kind == "points":
        points = coupon.value
    return AppliedRule(
        code="coupon",
        label=coupon_label(coupon, currency),
        points=points,
        discount_cents=discount,
    )


def quote_with_coupon(
    rules: ProgramRules,
    *,
    balance: int,
    amount_cents: int,
    redeem_points: int = 0,
    discount_cents: int = 0,
    coupon: Coupon | None = None,
    standing: Standing | None = None,
) -> CheckoutQuote:
    """The checkout quote with the coupon applied: its discount comes off before points are
    redeemed and earns nothing; its extra points are added to what the sale earns.

    ``discount_cents`` is any other discount; a percentage coupon counts on what is left.
    """
    if coupon is None:
        return quote_checkout(
            rules,
            balance=balance,
            amount_cents=amount_cents,
            redeem_points=redeem_points,
            discount_cents=discount_cents,
            standing=standing,
        )
    if amount_cents <= 0:
        raise InvalidInput(_("The amount must be more than zero"))
    if amount_cents < coupon.min_spend_cents:
        raise CouponRefused(
            _("Coupon {code} needs a purchase of at least {minimum}").format(
                code=coupon.code, minimum=format_money(coupon.min_spend_cents, rules.currency)
            )
        )
    other = min(max(discount_cents, 0), amount_cents)
    effect = coupon_effect(coupon, amount_cents - other, rules.currency)
    quote = quote_checkout(
        rules,
        balance=balance,
        amount_cents=amount_cents,
        redeem_points=redeem_points,
        discount_cents=other + effect.discount_cents,
        standing=standing,
    )
    return replace(
        quote,
        points_earned=quote.points_earned + effect.points,
        applied=(*quote.applied, effect),
    )


def batch_code(prefix: str, token: str) -> str:
    """One code of a batch: the prefix, a dash and a random token (``XMAS-7KQ2M9TD``)."""
    return f"{prefix}-{token}" if prefix else token
