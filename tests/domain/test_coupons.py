"""Coupon rules, pure: validation with a reason for every refusal, and the effect on a quote."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.coupons import (
    Coupon,
    CouponRefused,
    check_coupon,
    coupon_effect,
    coupon_label,
    looks_like_coupon,
    quote_with_coupon,
    validate_code,
)
from app.domain.errors import InvalidInput, NotEnoughPoints
from app.domain.rules import ProgramRules
from app.i18n import set_language

TODAY = date(2026, 11, 20)
RULES = ProgramRules()


def check(coupon: Coupon | None, **kw: object) -> Coupon:
    args: dict[str, object] = {
        "today": TODAY,
        "member_id": 1,
        "uses": 0,
        "member_uses": 0,
        "amount_cents": 1000,
    }
    args.update(kw)
    return check_coupon(coupon, "CODE", **args)  # type: ignore[arg-type]


def test_labels_as_the_till_lists_them() -> None:
    assert coupon_label(Coupon("SUMMER10", "percent", 10)) == "-10% SUMMER10"
    assert coupon_label(Coupon("WELCOME5", "amount", 500)) == "-€5.00 WELCOME5"
    assert coupon_label(Coupon("BONUS50", "points", 50)) == "+50 BONUS50"
    assert coupon_label(Coupon("FREECOFFEE", "item", item="coffee")) == "free coffee FREECOFFEE"


def test_german_label_of_an_amount() -> None:
    set_language("de_DE")
    assert coupon_label(Coupon("WELCOME5", "amount", 500)) == "-5,00\xa0€ WELCOME5"


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"kind": "cash", "value": 1}, "Unknown coupon kind"),
        ({"kind": "percent", "value": 0}, "from 1 to 100"),
        ({"kind": "percent", "value": 101}, "from 1 to 100"),
        ({"kind": "amount", "value": 0}, "more than zero"),
        ({"kind": "points", "value": -5}, "more than zero"),
        ({"kind": "item", "item": "  "}, "which item"),
        ({"kind": "amount", "value": 1, "min_spend_cents": -1}, "cannot be negative"),
        ({"kind": "amount", "value": 1, "max_uses": 0}, "at least 1"),
        ({"kind": "amount", "value": 1, "per_member": 0}, "at least 1"),
        (
            {
                "kind": "amount",
                "value": 1,
                "valid_from": date(2026, 12, 2),
                "valid_until": date(2026, 12, 1),
            },
            "end before it starts",
        ),
    ],
)
def test_a_rule_that_makes_no_sense_is_refused(kw: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        Coupon(code="X10", **kw)  # type: ignore[arg-type]


def test_codes() -> None:
    assert validate_code(" summer10 ") == "SUMMER10"
    assert validate_code("xmas-7kq2") == "XMAS-7KQ2"
    for bad in ("AB", "A" * 41, "SUMMER 10", "-ABC", "ÄPFEL"):
        with pytest.raises(InvalidInput, match="cannot be a coupon code"):
            validate_code(bad)
    assert looks_like_coupon("summer10") and not looks_like_coupon("Anna Müller")


def test_every_refusal_has_its_reason() -> None:
    with pytest.raises(CouponRefused, match="Unknown coupon CODE"):
        check(None)
    mine = Coupon("MINE", "percent", 10, member_id=2)
    with pytest.raises(CouponRefused, match="belongs to another member"):
        check(mine)
    assert check(mine, member_id=2) is mine
    later = Coupon("LATER", "percent", 10, valid_from=date(2026, 11, 21))
    with pytest.raises(CouponRefused, match="not valid yet: from Nov 21, 2026"):
        check(later)
    assert check(later, today=date(2026, 11, 21)) is later
    old = Coupon("OLD", "percent", 10, valid_until=date(2026, 11, 19))
    with pytest.raises(CouponRefused, match="expired on Nov 19, 2026"):
        check(old)
    assert check(old, today=date(2026, 11, 19)) is old
    once = Coupon("ONCE", "percent", 10, max_uses=1)
    with pytest.raises(CouponRefused, match=r"ONCE is used up$"):
        check(once, uses=1)
    per = Coupon("PER", "percent", 10, per_member=2)
    assert check(per, member_uses=1) is per
    with pytest.raises(CouponRefused, match="used up for this member"):
        check(per, member_uses=2)
    big = Coupon("BIG", "amount", 500, min_spend_cents=2000)
    with pytest.raises(CouponRefused, match=r"at least €20.00"):
        check(big, amount_cents=1999)
    assert check(big, amount_cents=2000) is big
    # Not typed yet: the minimum spend waits for the amount.
    assert check(big, amount_cents=None) is big


def test_effects() -> None:
    assert coupon_effect(Coupon("P", "percent", 10), 1999).discount_cents == 199
    assert coupon_effect(Coupon("A", "amount", 500), 300).discount_cents == 300
    bonus = coupon_effect(Coupon("B50", "points", 50), 1000)
    assert (bonus.points, bonus.discount_cents, bonus.code) == (50, 0, "coupon")
    item = coupon_effect(Coupon("FREE", "item", item="coffee"), 1000)
    assert (item.points, item.discount_cents, item.label) == (0, 0, "free coffee FREE")


def test_discount_comes_off_before_points_and_earns_nothing() -> None:
    quote = quote_with_coupon(
        RULES,
        balance=1000,
        amount_cents=3000,
        redeem_points=500,
        coupon=Coupon("SUMMER10", "percent", 10),
    )
    assert quote.discount_cents == 300
    assert quote.due_before_points_cents == 2700
    assert quote.redeem_value_cents == 500
    assert quote.to_pay_cents == 2200
    assert quote.points_earned == 22
    assert [a.label for a in quote.applied] == ["base", "-10% SUMMER10"]


def test_points_coupon_adds_to_what_the_sale_earns() -> None:
    quote = quote_with_coupon(
        RULES, balance=0, amount_cents=2500, coupon=Coupon("BONUS50", "points", 50)
    )
    assert (quote.points_earned, quote.balance_after, quote.to_pay_cents) == (75, 75, 2500)


def test_redeeming_is_limited_by_what_is_left_after_the_coupon() -> None:
    with pytest.raises(NotEnoughPoints, match="At most 500 points"):
        quote_with_coupon(
            RULES,
            balance=5000,
            amount_cents=1000,
            redeem_points=600,
            coupon=Coupon("HALF", "amount", 500),
        )


def test_minimum_spend_is_checked_by_the_quote() -> None:
    with pytest.raises(CouponRefused, match="at least"):
        quote_with_coupon(
            RULES,
            balance=0,
            amount_cents=1000,
            coupon=Coupon("BIG", "amount", 500, min_spend_cents=2000),
        )


def test_an_amount_coupon_never_takes_more_than_the_sale() -> None:
    quote = quote_with_coupon(
        RULES, balance=0, amount_cents=300, coupon=Coupon("FIVE", "amount", 500)
    )
    assert (quote.discount_cents, quote.to_pay_cents, quote.points_earned) == (300, 0, 0)


def test_another_discount_first_then_the_percentage_on_the_rest() -> None:
    quote = quote_with_coupon(
        RULES,
        balance=0,
        amount_cents=2000,
        discount_cents=1000,
        coupon=Coupon("P10", "percent", 10),
    )
    assert quote.discount_cents == 1100
