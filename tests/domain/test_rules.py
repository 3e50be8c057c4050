"""Earning, redeeming and unwinding points: exact integer arithmetic."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.errors import InvalidInput, NotEnoughPoints, RefundRefused
from app.domain.rules import (
    ProgramRules,
    SaleFigures,
    max_redeemable,
    plan_refund,
    quote_checkout,
)

RULES = ProgramRules()
rules_st = st.builds(
    ProgramRules,
    earn_points_per_unit=st.integers(min_value=1, max_value=20),
    redeem_points_per_unit=st.integers(min_value=1, max_value=1000),
)
amounts = st.integers(min_value=1, max_value=1_000_000)
balances = st.integers(min_value=0, max_value=2_000_000)


# --- checkout ---------------------------------------------------------------------------


def test_one_point_per_full_unit_paid() -> None:
    quote = quote_checkout(RULES, balance=0, amount_cents=1299)
    assert (quote.to_pay_cents, quote.points_earned, quote.balance_after) == (1299, 12, 12)


def test_hundred_points_are_worth_one_unit_and_earn_only_on_money_paid() -> None:
    quote = quote_checkout(RULES, balance=500, amount_cents=1250, redeem_points=250)
    assert quote.redeem_value_cents == 250
    assert quote.to_pay_cents == 1000
    assert quote.points_earned == 10
    assert quote.balance_after == 500 - 250 + 10


def test_discount_comes_off_before_points_and_earns_nothing() -> None:
    quote = quote_checkout(RULES, balance=0, amount_cents=1250, discount_cents=300)
    assert quote.due_before_points_cents == 950
    assert (quote.to_pay_cents, quote.points_earned) == (950, 9)


def test_discount_larger_than_the_amount_is_capped() -> None:
    quote = quote_checkout(RULES, balance=0, amount_cents=500, discount_cents=900)
    assert (quote.discount_cents, quote.to_pay_cents, quote.points_earned) == (500, 0, 0)


def test_paying_everything_with_points_earns_nothing() -> None:
    quote = quote_checkout(RULES, balance=5000, amount_cents=1000, redeem_points=1000)
    assert (quote.to_pay_cents, quote.points_earned, quote.balance_after) == (0, 0, 4000)


def test_cannot_redeem_more_than_the_balance() -> None:
    with pytest.raises(NotEnoughPoints) as err:
        quote_checkout(RULES, balance=50, amount_cents=1000, redeem_points=60)
    assert err.value.message == "Only 50 points available, not 60"


def test_cannot_redeem_more_than_the_amount_due() -> None:
    with pytest.raises(NotEnoughPoints) as err:
        quote_checkout(RULES, balance=5000, amount_cents=1000, redeem_points=1001)
    assert err.value.message == "At most 1,000 points can be redeemed on €10.00"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"amount_cents": 0}, "The amount must be more than zero"),
        ({"amount_cents": -100}, "The amount must be more than zero"),
        ({"amount_cents": 100, "redeem_points": -1}, "Points cannot be negative"),
    ],
)
def test_invalid_checkout_input(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(InvalidInput) as err:
        quote_checkout(RULES, balance=100, **kwargs)
    assert err.value.message == message


def test_max_redeemable() -> None:
    assert max_redeemable(RULES, balance=5000, due_cents=1234) == 1234
    assert max_redeemable(RULES, balance=300, due_cents=1234) == 300
    assert max_redeemable(RULES, balance=300, due_cents=0) == 0
    assert max_redeemable(RULES, balance=0, due_cents=1234) == 0


def test_points_with_an_uneven_value_are_rounded_down() -> None:
    rules = ProgramRules(redeem_points_per_unit=3)
    assert rules.points_value_cents(1) == 33
    assert rules.points_value_cents(3) == 100
    assert max_redeemable(rules, balance=50, due_cents=1000) == 30


@settings(max_examples=300, deadline=None)
@given(
    rules=rules_st,
    balance=balances,
    amount=amounts,
    discount=st.integers(min_value=0, max_value=1_000_000),
    data=st.data(),
)
def test_checkout_properties(
    rules: ProgramRules, balance: int, amount: int, discount: int, data: st.DataObject
) -> None:
    due = amount - min(discount, amount)
    limit = max_redeemable(rules, balance, due)
    redeem = data.draw(st.integers(min_value=0, max_value=limit), label="redeem")
    quote = quote_checkout(
        rules, balance=balance, amount_cents=amount, redeem_points=redeem, discount_cents=discount
    )
    assert quote.to_pay_cents + quote.redeem_value_cents == amount - quote.discount_cents
    assert quote.to_pay_cents >= 0
    assert quote.points_redeemed <= balance
    assert quote.redeem_value_cents <= due
    assert quote.points_earned == quote.to_pay_cents // 100 * rules.earn_points_per_unit
    assert quote.balance_after == balance - redeem + quote.points_earned >= 0
    # The limit is tight: one more point is refused.
    with pytest.raises(NotEnoughPoints):
        quote_checkout(
            rules,
            balance=balance,
            amount_cents=amount,
            redeem_points=limit + 1,
            discount_cents=discount,
        )


@settings(max_examples=200, deadline=None)
@given(balance=balances, amount=amounts, redeem=st.integers(min_value=0, max_value=3_000_000))
def test_redemption_never_exceeds_balance_nor_amount(
    balance: int, amount: int, redeem: int
) -> None:
    try:
        quote = quote_checkout(RULES, balance=balance, amount_cents=amount, redeem_points=redeem)
    except NotEnoughPoints:
        assert redeem > balance or RULES.points_value_cents(redeem) > amount
    else:
        assert redeem <= balance
        assert quote.redeem_value_cents <= amount
        assert quote.redeem_value_cents == redeem  # default: 100 points = 1.00


# --- refunds ----------------------------------------------------------------------------

SALE = SaleFigures(amount_cents=1000, to_pay_cents=900, points_earned=9, points_redeemed=100)


def test_full_refund_restores_exactly() -> None:
    plan = plan_refund(SALE, None, balance=9)
    assert plan.amount_cents == 1000
    assert plan.money_back_cents == 900
    assert plan.points_reversed == 9
    assert plan.points_returned == 100
    assert plan.points_not_recovered == 0
    assert plan.points_change == 91


def test_partial_refund_is_proportional() -> None:
    plan = plan_refund(SALE, 600, balance=9)
    assert (plan.money_back_cents, plan.points_reversed, plan.points_returned) == (540, 5, 60)


def test_second_refund_of_sixty_percent_is_refused() -> None:
    plan_refund(SALE, 600, balance=9)
    after_first = SaleFigures(**{**SALE.__dict__, "refunded_cents": 600})
    with pytest.raises(RefundRefused) as err:
        plan_refund(after_first, 600, balance=100)
    assert err.value.message == "At most €4.00 of this sale can still be refunded, not €6.00"


def test_refund_of_a_fully_refunded_sale_is_refused() -> None:
    done = SaleFigures(**{**SALE.__dict__, "refunded_cents": 1000})
    with pytest.raises(RefundRefused) as err:
        plan_refund(done, None, balance=100)
    assert err.value.message == "This sale has already been refunded in full"


@pytest.mark.parametrize("amount", [0, -5])
def test_refund_must_be_positive(amount: int) -> None:
    with pytest.raises(InvalidInput) as err:
        plan_refund(SALE, amount, balance=100)
    assert err.value.message == "The refund must be more than zero"


def test_spent_points_are_not_taken_below_zero_and_the_shortfall_is_reported() -> None:
    sale = SaleFigures(amount_cents=5000, to_pay_cents=5000, points_earned=50, points_redeemed=0)
    plan = plan_refund(sale, None, balance=20)
    assert plan.points_reversed == 20
    assert plan.points_not_recovered == 30
    assert 20 + plan.points_change == 0


sales = st.builds(
    lambda amount, paid_share, earned, redeemed: SaleFigures(
        amount_cents=amount,
        to_pay_cents=amount * paid_share // 100,
        points_earned=earned,
        points_redeemed=redeemed,
    ),
    amount=st.integers(min_value=1, max_value=500_000),
    paid_share=st.integers(min_value=0, max_value=100),
    earned=st.integers(min_value=0, max_value=5000),
    redeemed=st.integers(min_value=0, max_value=50_000),
)


@settings(max_examples=200, deadline=None)
@given(sale=sales, cuts=st.lists(st.integers(min_value=1, max_value=10_000), max_size=6))
def test_partial_refunds_add_up_to_the_full_refund(sale: SaleFigures, cuts: list[int]) -> None:
    full = plan_refund(sale, None, balance=10**9)
    # Split the sale's amount into parts at arbitrary points.
    points = sorted({c % sale.amount_cents for c in cuts} - {0})
    parts = [b - a for a, b in zip([0, *points], [*points, sale.amount_cents], strict=True)]
    refunded = money = reversed_ = returned = 0
    for part in parts:
        figures = SaleFigures(**{**sale.__dict__, "refunded_cents": refunded})
        plan = plan_refund(figures, part, balance=10**9)
        refunded += plan.amount_cents
        money += plan.money_back_cents
        reversed_ += plan.points_reversed
        returned += plan.points_returned
    assert refunded == sale.amount_cents
    assert (money, reversed_, returned) == (
        full.money_back_cents,
        full.points_reversed,
        full.points_returned,
    )
    assert (money, reversed_, returned) == (
        sale.to_pay_cents,
        sale.points_earned,
        sale.points_redeemed,
    )


@settings(max_examples=200, deadline=None)
@given(sale=sales, balance=balances, data=st.data())
def test_refund_never_takes_the_balance_below_zero(
    sale: SaleFigures, balance: int, data: st.DataObject
) -> None:
    amount = data.draw(st.integers(min_value=1, max_value=sale.amount_cents), label="amount")
    plan = plan_refund(sale, amount, balance=balance)
    assert balance + plan.points_change >= 0
    assert plan.points_reversed >= 0
    assert plan.points_not_recovered >= 0
    full_share = sale.points_earned * amount // sale.amount_cents
    assert plan.points_reversed + plan.points_not_recovered == full_share
    assert 0 <= plan.money_back_cents <= sale.to_pay_cents


@settings(max_examples=100, deadline=None)
@given(sale=sales, data=st.data())
def test_refunds_never_exceed_the_sale(sale: SaleFigures, data: st.DataObject) -> None:
    first = data.draw(st.integers(min_value=1, max_value=sale.amount_cents), label="first")
    # Drawn so that the two refunds together exceed the sale (no filtering needed).
    second = data.draw(
        st.integers(min_value=sale.amount_cents - first + 1, max_value=sale.amount_cents),
        label="second",
    )
    plan_refund(sale, first, balance=10**9)
    after = SaleFigures(**{**sale.__dict__, "refunded_cents": first})
    with pytest.raises(RefundRefused):
        plan_refund(after, second, balance=10**9)
