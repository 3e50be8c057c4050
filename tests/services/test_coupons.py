"""Coupons through the services on a real database: creation, redemption in the checkout's
transaction, refunds giving single-use codes back, and two tills racing for the last use."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.domain.cards import make_card_number
from app.domain.coupons import Coupon, CouponRefused
from app.domain.errors import CardNotFound, InvalidInput
from app.domain.profile import MemberDraft
from app.services.checkout import checkout
from app.services.context import Context
from app.services.coupons import (
    available_for_member,
    check_for_member,
    create_batch,
    create_coupon,
    list_coupons,
    show_coupon,
)
from app.services.health import check_database
from app.services.members import enroll_member
from app.services.refunds import refund_sale
from app.services.views import MemberView
from tests.conftest import Clock
from tests.services.dbstate import cached_balance, connect, ledger_sum

TABLES = ("sale", "ledger_entry", "coupon", "coupon_redemption", "member", "audit_entry")


def rows(path: Path | str, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    conn = connect(path)
    try:
        return list(conn.execute(sql, params).fetchall())
    finally:
        conn.close()


def state(path: Path | str) -> dict[str, list[tuple[object, ...]]]:
    return {t: sorted(rows(path, f"SELECT * FROM {t}"), key=repr) for t in TABLES}


def unknown_card(ctx: Context) -> str:
    return make_card_number(ctx.layout(), 9999)


@pytest.fixture
def jonas(ctx: Context) -> MemberView:
    return enroll_member(ctx, MemberDraft(first_name="Jonas", last_name="Weber"))


def test_percent_coupon_on_a_sale_is_recorded_with_the_sale(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    create_coupon(ctx, Coupon("summer10", "percent", 10))
    result = checkout(ctx, member.card, 3000, coupon=" summer10 ")
    assert (result.discount_cents, result.to_pay_cents, result.points_earned) == (300, 2700, 27)
    assert result.coupon == "SUMMER10"
    assert [a.label for a in result.applied] == ["base", "-10% SUMMER10"]
    assert result.to_json()["applied"] == [
        {"code": "base", "label": "base", "points": 27, "discount_cents": 0},
        {"code": "coupon", "label": "-10% SUMMER10", "points": 0, "discount_cents": 300},
    ]
    assert rows(db_path, "SELECT coupon_code, discount_cents FROM sale") == [("SUMMER10", 300)]
    assert rows(
        db_path,
        "SELECT code, sale_id, member_id, discount_cents, store_code, till, actor, "
        "undone_at FROM coupon_redemption",
    ) == [("SUMMER10", result.sale_id, member.member_id, 300, "001", 1, "tester", None)]
    assert show_coupon(ctx, "summer10").uses == 1


def test_points_coupon_writes_a_ledger_row_naming_the_coupon(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    create_coupon(ctx, Coupon("BONUS50", "points", 50))
    result = checkout(ctx, member.card, 2500, coupon="BONUS50")
    assert (result.points_earned, result.points_balance) == (75, 75)
    assert rows(db_path, "SELECT points, kind, reason FROM ledger_entry ORDER BY id") == [
        (25, "earn", "base"),
        (50, "coupon", "coupon BONUS50"),
    ]
    assert cached_balance(db_path, member.member_id) == ledger_sum(db_path, member.member_id)


def test_item_coupon_changes_no_money(ctx: Context, member: MemberView) -> None:
    create_coupon(ctx, Coupon("FREECOFFEE", "item", item="coffee"))
    result = checkout(ctx, member.card, 1000, coupon="FREECOFFEE")
    assert (result.discount_cents, result.to_pay_cents) == (0, 1000)
    assert [a.label for a in result.applied] == ["base", "free coffee FREECOFFEE"]


@pytest.mark.parametrize(
    ("rule", "setup", "message"),
    [
        (None, None, "Unknown coupon NOPE10"),
        (Coupon("NOPE10", "amount", 500, min_spend_cents=5000), None, "at least €50.00"),
        (Coupon("NOPE10", "amount", 500, valid_until=date(2026, 11, 19)), None, "expired"),
        (Coupon("NOPE10", "amount", 500, valid_from=date(2026, 11, 21)), None, "not valid yet"),
        (Coupon("NOPE10", "amount", 500, max_uses=1), "other", "is used up"),
        (Coupon("NOPE10", "amount", 500, per_member=1), "self", "used up for this member"),
        (Coupon("NOPE10", "amount", 500), "bound", "belongs to another member"),
    ],
)
def test_a_refused_coupon_refuses_the_sale_and_changes_nothing(
    ctx: Context,
    member: MemberView,
    jonas: MemberView,
    db_path: Path,
    rule: Coupon | None,
    setup: str | None,
    message: str,
) -> None:
    if rule is not None:
        create_coupon(ctx, rule, card=jonas.card if setup == "bound" else None)
    if setup == "other":
        checkout(ctx, jonas.card, 1000, coupon="NOPE10")
    if setup == "self":
        checkout(ctx, member.card, 1000, coupon="NOPE10")
    before = state(db_path)
    with pytest.raises(CouponRefused, match=message):
        checkout(ctx, member.card, 1000, coupon="nope10")
    assert state(db_path) == before


def test_bound_coupon_works_for_its_member(ctx: Context, member: MemberView) -> None:
    create_coupon(ctx, Coupon("ANNA5", "amount", 500), card=member.card)
    assert checkout(ctx, member.card, 1000, coupon="ANNA5").discount_cents == 500


def test_valid_days_are_inclusive(ctx: Context, member: MemberView, clock: Clock) -> None:
    create_coupon(
        ctx,
        Coupon("WEEK", "percent", 5, valid_from=date(2026, 11, 20), valid_until=date(2026, 11, 20)),
    )
    assert checkout(ctx, member.card, 1000, coupon="WEEK").discount_cents == 50
    clock.now += timedelta(days=1)
    with pytest.raises(CouponRefused, match="expired on Nov 20, 2026"):
        checkout(ctx, member.card, 1000, coupon="WEEK")


def test_a_full_refund_gives_a_single_use_coupon_back_a_partial_one_does_not(
    ctx: Context, member: MemberView, jonas: MemberView, db_path: Path
) -> None:
    batch = create_batch(ctx, 2, Coupon("X", "amount", 500), prefix="xmas")
    first, second = batch.codes
    sale = checkout(ctx, member.card, 2000, coupon=first)
    part = refund_sale(ctx, sale.sale_id, 1000)
    assert part.coupons_returned == ()
    with pytest.raises(CouponRefused, match="is used up"):
        checkout(ctx, jonas.card, 2000, coupon=first)
    rest = refund_sale(ctx, sale.sale_id)
    assert rest.coupons_returned == (first,)
    assert rows(db_path, "SELECT undone_refund_id FROM coupon_redemption") == [(rest.refund_id,)]
    again = checkout(ctx, jonas.card, 2000, coupon=first)
    assert again.discount_cents == 500
    assert show_coupon(ctx, first).uses == 1
    # The other code of the batch was never touched.
    assert show_coupon(ctx, second).uses == 0
    assert check_database(ctx).ok


def test_create_refuses_a_duplicate_or_bad_code_and_a_bad_card(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    create_coupon(ctx, Coupon("SUMMER10", "percent", 10))
    before = state(db_path)
    with pytest.raises(InvalidInput, match="exists already"):
        create_coupon(ctx, Coupon("summer10", "percent", 20))
    with pytest.raises(InvalidInput, match="cannot be a coupon code"):
        create_coupon(ctx, Coupon("A B", "percent", 20))
    with pytest.raises(CardNotFound, match="Unknown card"):
        create_coupon(ctx, Coupon("OTHER", "percent", 20), card=unknown_card(ctx))
    assert state(db_path) == before


def test_batch_codes_are_unique_single_use_and_listed(ctx: Context) -> None:
    result = create_batch(ctx, 50, Coupon("X", "percent", 10, max_uses=9), prefix="xmas")
    assert len(set(result.codes)) == 50
    assert all(code.startswith("XMAS-") and len(code) == 13 for code in result.codes)
    views = list_coupons(ctx)
    assert len(views) == 50
    assert {v.coupon.max_uses for v in views} == {1}
    assert {v.batch for v in views} == {result.batch}
    with pytest.raises(InvalidInput, match="from 1 to"):
        create_batch(ctx, 0, Coupon("X", "percent", 10))
    with pytest.raises(InvalidInput, match="prefix"):
        create_batch(ctx, 2, Coupon("X", "percent", 10), prefix="no way")


def test_available_coupons_for_the_member_panel(
    ctx: Context, member: MemberView, jonas: MemberView
) -> None:
    create_coupon(ctx, Coupon("SHARED", "percent", 10))
    create_coupon(ctx, Coupon("ANNAS", "amount", 500), card=member.card)
    create_coupon(ctx, Coupon("JONAS", "amount", 500), card=jonas.card)
    create_coupon(ctx, Coupon("OLD", "amount", 500, valid_until=date(2026, 1, 1)))
    create_coupon(ctx, Coupon("ONCE", "points", 5, per_member=1))
    create_batch(ctx, 3, Coupon("X", "amount", 100))
    checkout(ctx, member.card, 1000, coupon="ONCE")
    assert [c.code for c in available_for_member(ctx, member.member_id)] == ["ANNAS", "SHARED"]
    assert [c.code for c in available_for_member(ctx, jonas.member_id)] == [
        "JONAS",
        "ONCE",
        "SHARED",
    ]


def test_check_for_member_without_an_amount_skips_the_minimum(
    ctx: Context, member: MemberView
) -> None:
    create_coupon(ctx, Coupon("BIG", "amount", 500, min_spend_cents=2000))
    assert check_for_member(ctx, "big", member.member_id).code == "BIG"
    with pytest.raises(CouponRefused, match="at least"):
        check_for_member(ctx, "big", member.member_id, 1000)


def test_tills_racing_for_the_last_uses_never_exceed_max_uses(ctx: Context, db_path: Path) -> None:
    """Six members at six tills redeem a coupon with 2 uses at the same moment: 2 succeed.

    On PostgreSQL the coupon row lock makes the later tills wait and count the earlier uses.
    """
    cards = [
        enroll_member(ctx, MemberDraft(first_name=name, last_name="Till")).card
        for name in ("Ada", "Ben", "Cem", "Dora", "Eva", "Finn")
    ]
    create_coupon(ctx, Coupon("LAST2", "amount", 100, max_uses=2))
    barrier = threading.Barrier(len(cards))
    outcome: list[str] = []
    lock = threading.Lock()

    def till(card: str, number: int) -> None:
        till_ctx = Context(ctx.db, clock=ctx.clock, actor=f"till-{number}", till=number)
        barrier.wait(timeout=30)
        try:
            checkout(till_ctx, card, 1000, coupon="LAST2")
            result = "ok"
        except CouponRefused as exc:
            result = exc.message
        with lock:
            outcome.append(result)

    threads = [threading.Thread(target=till, args=(c, i + 1)) for i, c in enumerate(cards)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcome) == ["Coupon LAST2 is used up"] * 4 + ["ok", "ok"]
    assert rows(db_path, "SELECT COUNT(*) FROM coupon_redemption") == [(2,)]
