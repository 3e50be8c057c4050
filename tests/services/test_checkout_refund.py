"""Checkout and refunds on a real SQLite file: what is paid, earned, redeemed and given back."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from app.domain.errors import (
    CardBlocked,
    CardNotFound,
    InvalidCardNumber,
    InvalidInput,
    NotEnoughPoints,
    RefundRefused,
    SaleNotFound,
)
from app.services.adjustments import adjust_points
from app.services.checkout import checkout
from app.services.context import Context
from app.services.lookup import lookup_card
from app.services.refunds import refund_sale
from app.services.settings import write_setting
from app.services.views import MemberView
from tests.conftest import Clock
from tests.services.dbstate import (
    cached_balance,
    connect,
    execute,
    ledger_sum,
    snapshot,
    with_check_digit,
    wrong_check_digit,
)


def _ledger(path: Path, member_id: int) -> list[tuple[int, str, int | None, int | None]]:
    conn = connect(path)
    try:
        return conn.execute(
            "SELECT points, kind, sale_id, refund_id FROM ledger_entry WHERE member_id = ? "
            "ORDER BY id",
            (member_id,),
        ).fetchall()
    finally:
        conn.close()


def _give(ctx: Context, member: MemberView, points: int) -> None:
    adjust_points(ctx, member.card, points, "welcome bonus")


# --- checkout -----------------------------------------------------------------------------


def test_checkout_earns_one_point_per_full_euro(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    result = checkout(ctx, member.card, 1299)
    assert (result.to_pay_cents, result.points_earned, result.points_redeemed) == (1299, 12, 0)
    assert result.points_balance == 12
    assert _ledger(db_path, member.member_id) == [(12, "earn", result.sale_id, None)]
    assert cached_balance(db_path, member.member_id) == 12
    view = lookup_card(ctx, member.card)
    assert view.points == 12
    assert view.last_visit == ctx.now()
    assert [s.sale_id for s in view.recent_sales] == [result.sale_id]


def test_checkout_under_one_euro_earns_nothing_and_writes_no_ledger_row(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    result = checkout(ctx, member.card, 99)
    assert result.points_earned == 0
    assert _ledger(db_path, member.member_id) == []
    assert lookup_card(ctx, member.card).last_visit == ctx.now()


def test_points_are_earned_only_on_money_paid_after_redemption(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    _give(ctx, member, 500)
    result = checkout(ctx, member.card, 2550, redeem_points=450)
    assert result.redeem_value_cents == 450
    assert result.to_pay_cents == 2100
    assert result.points_earned == 21
    assert result.points_balance == 500 - 450 + 21
    kinds = [(p, k) for p, k, _s, _r in _ledger(db_path, member.member_id)]
    assert kinds == [(500, "adjustment"), (-450, "redeem"), (21, "earn")]
    assert ledger_sum(db_path, member.member_id) == cached_balance(db_path, member.member_id)


def test_discount_seam_comes_off_before_points_and_earns_nothing(
    ctx: Context, member: MemberView
) -> None:
    _give(ctx, member, 1000)
    result = checkout(ctx, member.card, 3000, redeem_points=1000, discount_cents=500)
    assert result.discount_cents == 500
    assert result.to_pay_cents == 1500
    assert result.points_earned == 15


def test_redeem_whole_amount_pays_nothing_earns_nothing(ctx: Context, member: MemberView) -> None:
    _give(ctx, member, 2000)
    result = checkout(ctx, member.card, 1250, redeem_points=1250)
    assert (result.to_pay_cents, result.points_earned, result.points_balance) == (0, 0, 750)


@pytest.mark.parametrize(
    ("amount", "redeem", "error", "message"),
    [
        (1000, 301, NotEnoughPoints, "Only 300 points available"),
        (250, 300, NotEnoughPoints, "At most 250 points"),
        (0, 0, InvalidInput, "more than zero"),
        (-100, 0, InvalidInput, "more than zero"),
        (1000, -1, InvalidInput, "cannot be negative"),
    ],
)
def test_checkout_refusals_change_nothing(
    ctx: Context,
    member: MemberView,
    db_path: Path,
    amount: int,
    redeem: int,
    error: type[Exception],
    message: str,
) -> None:
    _give(ctx, member, 300)
    before = snapshot(db_path)
    with pytest.raises(error, match=message):
        checkout(ctx, member.card, amount, redeem_points=redeem)
    assert snapshot(db_path) == before


def test_checkout_refuses_bad_cards(ctx: Context, member: MemberView, db_path: Path) -> None:
    before = snapshot(db_path)
    with pytest.raises(InvalidCardNumber):
        checkout(ctx, wrong_check_digit(member.card), 1000)
    with pytest.raises(CardNotFound):
        checkout(ctx, with_check_digit("290019999999"), 1000)
    assert snapshot(db_path) == before
    execute(db_path, "UPDATE card SET status = 'blocked'")
    before = snapshot(db_path)
    with pytest.raises(CardBlocked):
        checkout(ctx, member.card, 1000)
    assert snapshot(db_path) == before


def test_max_sale_setting_is_enforced_where_amounts_are_parsed(
    ctx: Context, member: MemberView
) -> None:
    from app.domain.money import parse_amount

    assert ctx.rules().max_sale_cents == 1_000_000
    assert parse_amount("10000,00", max_cents=ctx.rules().max_sale_cents) == 1_000_000
    write_setting(ctx.db, "program.max_sale_cents", 5000)
    ctx.forget_settings()
    with pytest.raises(InvalidInput, match="largest allowed sale"):
        parse_amount("50.01", max_cents=ctx.rules().max_sale_cents)


def test_checkout_service_refuses_amount_above_max_sale(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    write_setting(ctx.db, "program.max_sale_cents", 5000)
    ctx.forget_settings()
    before = snapshot(db_path)
    with pytest.raises(InvalidInput, match="largest allowed sale"):
        checkout(ctx, member.card, 5001)
    assert snapshot(db_path) == before
    assert checkout(ctx, member.card, 5000).points_earned == 50


def test_earning_and_redeeming_settings_take_effect(ctx: Context, member: MemberView) -> None:
    write_setting(ctx.db, "program.earn_points_per_unit", 10)
    write_setting(ctx.db, "program.redeem_points_per_unit", 50)
    ctx.forget_settings()
    first = checkout(ctx, member.card, 2000)
    assert first.points_earned == 200
    # 50 points are worth 1.00 now: 200 points pay 4.00 of the next sale.
    second = checkout(ctx, member.card, 1000, redeem_points=200)
    assert second.redeem_value_cents == 400
    assert second.to_pay_cents == 600
    assert second.points_earned == 60
    assert second.points_balance == 60
    assert lookup_card(ctx, member.card).points_value_cents == 120


# --- refunds ------------------------------------------------------------------------------


def test_full_refund_unwinds_points_both_ways(
    ctx: Context, member: MemberView, db_path: Path, clock: Clock
) -> None:
    _give(ctx, member, 400)
    sale = checkout(ctx, member.card, 2000, redeem_points=400)
    assert (sale.to_pay_cents, sale.points_earned, sale.points_balance) == (1600, 16, 16)
    clock.now += timedelta(days=1)
    refund = refund_sale(ctx, sale.sale_id)
    assert refund.amount_cents == 2000
    assert refund.money_back_cents == 1600
    assert (refund.points_reversed, refund.points_returned) == (16, 400)
    assert refund.points_balance == 400
    tail = _ledger(db_path, member.member_id)[-2:]
    assert tail == [
        (-16, "refund_earned", sale.sale_id, refund.refund_id),
        (400, "refund_redeemed", sale.sale_id, refund.refund_id),
    ]
    assert ledger_sum(db_path, member.member_id) == cached_balance(db_path, member.member_id) == 400
    (line,) = lookup_card(ctx, member.card).recent_sales
    assert line.refunded_cents == 2000 and line.refundable_cents == 0


def test_partial_refund_is_proportional(ctx: Context, member: MemberView) -> None:
    _give(ctx, member, 1000)
    sale = checkout(ctx, member.card, 10000, redeem_points=1000)
    assert (sale.to_pay_cents, sale.points_earned) == (9000, 90)
    refund = refund_sale(ctx, sale.sale_id, 2500)
    assert refund.money_back_cents == 2250
    assert (refund.points_reversed, refund.points_returned) == (22, 250)
    assert refund.points_balance == 90 - 22 + 250


def test_two_partial_refunds_of_sixty_percent_second_refused(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    sale = checkout(ctx, member.card, 5000)
    first = refund_sale(ctx, sale.sale_id, 3000)
    assert first.points_reversed == 30
    before = snapshot(db_path)
    with pytest.raises(RefundRefused, match="At most"):
        refund_sale(ctx, sale.sale_id, 3000)
    assert snapshot(db_path) == before
    rest = refund_sale(ctx, sale.sale_id)
    assert rest.amount_cents == 2000 and rest.points_reversed == 20
    with pytest.raises(RefundRefused, match="already been refunded in full"):
        refund_sale(ctx, sale.sale_id)
    assert cached_balance(db_path, member.member_id) == 0 == ledger_sum(db_path, member.member_id)


def test_partial_refunds_add_up_to_the_full_refund(ctx: Context, member: MemberView) -> None:
    _give(ctx, member, 333)
    sale = checkout(ctx, member.card, 1001, redeem_points=333)
    results = [refund_sale(ctx, sale.sale_id, 333) for _ in range(3)]
    results.append(refund_sale(ctx, sale.sale_id))
    assert sum(r.amount_cents for r in results) == 1001
    assert sum(r.money_back_cents for r in results) == sale.to_pay_cents
    assert sum(r.points_returned for r in results) == 333
    assert sum(r.points_reversed for r in results) == sale.points_earned
    assert results[-1].points_balance == 333


def test_refund_of_spent_points_never_goes_negative(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    sale = checkout(ctx, member.card, 5000)
    checkout(ctx, member.card, 100, redeem_points=50)
    refund = refund_sale(ctx, sale.sale_id)
    assert refund.points_not_recovered > 0
    assert refund.points_balance == 0
    assert cached_balance(db_path, member.member_id) == 0 == ledger_sum(db_path, member.member_id)


@pytest.mark.parametrize(("amount", "message"), [(0, "more than zero"), (-5, "more than zero")])
def test_refund_refuses_non_positive_amounts(
    ctx: Context, member: MemberView, db_path: Path, amount: int, message: str
) -> None:
    sale = checkout(ctx, member.card, 1000)
    before = snapshot(db_path)
    with pytest.raises(InvalidInput, match=message):
        refund_sale(ctx, sale.sale_id, amount)
    assert snapshot(db_path) == before


@pytest.mark.parametrize("sale_id", [999, 0, -1, 10**20])
def test_refund_unknown_sale(ctx: Context, member: MemberView, db_path: Path, sale_id: int) -> None:
    checkout(ctx, member.card, 1000)
    before = snapshot(db_path)
    with pytest.raises(SaleNotFound, match=f"no sale number {sale_id}"):
        refund_sale(ctx, sale_id)
    assert snapshot(db_path) == before
