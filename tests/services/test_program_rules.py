"""The owner's program at checkout, on a real database: every rule a ledger row that names it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from app.domain.errors import CardNotFound, InvalidInput
from app.domain.profile import MemberDraft
from app.services.adjustments import adjust_points
from app.services.checkout import checkout
from app.services.context import Context
from app.services.expiry import expire_points
from app.services.lookup import get_member
from app.services.members import enroll_member
from app.services.program_rules import (
    add_campaign,
    add_tier,
    list_tiers,
    remove_campaign,
    remove_tier,
)
from app.services.refunds import refund_sale
from app.services.settings import write_setting
from app.services.views import MemberView
from tests.conftest import Clock
from tests.services.dbstate import (
    cached_balance,
    connect,
    ledger_sum,
    scalar,
    with_check_digit,
)


def _rows(path: Path, member_id: int) -> list[tuple[int, str, str]]:
    conn = connect(path)
    try:
        return conn.execute(
            "SELECT points, kind, reason FROM ledger_entry WHERE member_id = ? ORDER BY id",
            (member_id,),
        ).fetchall()
    finally:
        conn.close()


def _set(ctx: Context, key: str, value: object) -> None:
    write_setting(ctx.db, key, value, ctx.now())
    ctx.forget_settings()


def _tiers(ctx: Context) -> None:
    add_tier(ctx, "Silver", 10_000, 150)
    add_tier(ctx, "Gold", 30_000, 200, 10)


def _plain(ctx: Context, first: str = "Ben") -> MemberView:
    return enroll_member(ctx, MemberDraft(first_name=first, last_name="Plain"))


# --- earning -------------------------------------------------------------------------------


def test_the_base_points_are_a_ledger_row_named_after_the_rule(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    result = checkout(ctx, member.card, 4_599)
    assert [(r.code, r.points) for r in result.applied] == [("base", 45)]
    assert _rows(db_path, member.member_id) == [(45, "earn", "base")]


def test_points_paid_earn_points_once_the_owner_says_so(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    adjust_points(ctx, member.card, 2_000, "gift")
    assert checkout(ctx, member.card, 2_000, redeem_points=1_000).points_earned == 10
    _set(ctx, "program.earn_on_points_paid", True)
    assert checkout(ctx, member.card, 2_000, redeem_points=500).points_earned == 20
    assert ledger_sum(db_path, member.member_id) == cached_balance(db_path, member.member_id)


# --- tiers ---------------------------------------------------------------------------------


def test_tiers_are_listed_by_spend_and_a_name_is_changed_in_place(ctx: Context) -> None:
    _tiers(ctx)
    add_tier(ctx, "bronze", 0, 100)
    add_tier(ctx, "Silver", 15_000, 150)
    assert [(t.name, t.min_spend_cents) for t in list_tiers(ctx)] == [
        ("bronze", 0),
        ("Silver", 15_000),
        ("Gold", 30_000),
    ]
    assert remove_tier(ctx, "bronze").name == "bronze"
    with pytest.raises(InvalidInput):
        remove_tier(ctx, "Platinum")
    with pytest.raises(InvalidInput):
        add_tier(ctx, "Twin", 15_000, 200)


def test_the_tier_comes_from_the_spend_before_the_sale_and_is_stored(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    _tiers(ctx)
    first = checkout(ctx, member.card, 12_000)
    # Before this sale nothing was spent: no tier yet, even though 120.00 reaches Silver.
    assert [r.code for r in first.applied] == ["base"]
    view = get_member(ctx, member.member_id)
    assert (view.tier, view.next_tier, view.to_next_tier_cents) == ("Silver", "Gold", 18_000)
    second = checkout(ctx, member.card, 10_000)
    assert [(r.code, r.label, r.points) for r in second.applied] == [
        ("base", "base", 100),
        ("tier", "Silver x1.5", 50),
    ]
    assert scalar(db_path, "SELECT tier FROM member WHERE id = ?", (member.member_id,)) == "Silver"
    assert _rows(db_path, member.member_id)[-1] == (50, "tier", "Silver x1.5")


def test_gold_gives_its_member_discount_and_doubles_the_points(
    ctx: Context, member: MemberView
) -> None:
    _tiers(ctx)
    checkout(ctx, member.card, 30_000)
    result = checkout(ctx, member.card, 5_000)
    assert result.discount_cents == 500
    assert result.to_pay_cents == 4_500
    assert [(r.code, r.points, r.discount_cents) for r in result.applied] == [
        ("base", 45, 0),
        ("tier", 45, 0),
        ("member_discount", 0, 500),
    ]


def test_spend_is_money_paid_minus_money_refunded_and_falls_after_twelve_months(
    ctx: Context, member: MemberView, clock: Clock, db_path: Path
) -> None:
    _tiers(ctx)
    adjust_points(ctx, member.card, 5_000, "gift")
    # 150.00 of which 50.00 paid with points: 100.00 counts.
    sale = checkout(ctx, member.card, 15_000, redeem_points=5_000)
    assert get_member(ctx, member.member_id).tier == "Silver"
    refund_sale(ctx, sale.sale_id, 3_000)  # gives back 20.00 of the money
    view = get_member(ctx, member.member_id)
    assert (view.tier, view.to_next_tier_cents) == (None, 2_000)
    checkout(ctx, member.card, 2_000)
    assert get_member(ctx, member.member_id).tier == "Silver"
    # A year later the spend has gone: the next checkout downgrades.
    clock.now += timedelta(days=366)
    assert get_member(ctx, member.member_id).tier is None
    result = checkout(ctx, member.card, 1_000)
    assert [r.code for r in result.applied] == ["base"]
    assert scalar(db_path, "SELECT tier FROM member WHERE id = ?", (member.member_id,)) is None
    # With lifetime spend, the old sales count again.
    _set(ctx, "program.tier_period", "lifetime")
    assert get_member(ctx, member.member_id).tier == "Silver"


def test_without_tiers_a_tier_typed_at_the_desk_is_left_alone(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    from app.store.models import Member

    with ctx.db.transaction() as session:
        row = session.get(Member, member.member_id)
        assert row is not None
        row.tier = "VIP"
        session.add(row)
    checkout(ctx, member.card, 1_000)
    assert scalar(db_path, "SELECT tier FROM member WHERE id = ?", (member.member_id,)) == "VIP"


# --- campaigns -----------------------------------------------------------------------------


def test_a_campaign_on_the_shop_s_weekday_and_hours_adds_its_points(
    ctx: Context, member: MemberView, clock: Clock, db_path: Path
) -> None:
    _set(ctx, "shop.timezone", "Europe/Berlin")
    # 2026-11-20 10:30 UTC is a Friday, 11:30 in Berlin.
    add_campaign(ctx, "Friday morning", 200, weekdays=(4,), hours=(11, 12))
    result = checkout(ctx, member.card, 1_000)
    assert [(r.code, r.label, r.points) for r in result.applied] == [
        ("base", "base", 10),
        ("campaign", "Friday morning x2", 10),
    ]
    assert _rows(db_path, member.member_id)[-1] == (10, "campaign", "Friday morning x2")
    clock.now += timedelta(minutes=30)  # 12:00 in Berlin: over
    assert [r.code for r in checkout(ctx, member.card, 1_000).applied] == ["base"]
    clock.now -= timedelta(minutes=30)
    remove_campaign(ctx, "Friday morning")
    assert [r.code for r in checkout(ctx, member.card, 1_000).applied] == ["base"]


def test_a_campaign_date_range_is_inclusive_and_refuses_a_backwards_range(
    ctx: Context, member: MemberView
) -> None:
    add_campaign(ctx, "Today", 300, from_day=date(2026, 11, 20), until_day=date(2026, 11, 20))
    assert checkout(ctx, member.card, 1_000).points_earned == 30
    with pytest.raises(InvalidInput):
        add_campaign(ctx, "Odd", 200, from_day=date(2026, 12, 2), until_day=date(2026, 12, 1))


# --- birthday and bonuses ------------------------------------------------------------------


def test_the_birthday_gift_is_given_once_in_the_birthday_week(
    ctx: Context, clock: Clock, db_path: Path
) -> None:
    _set(ctx, "program.birthday_points", 50)
    born = enroll_member(
        ctx, MemberDraft(first_name="Cleo", last_name="Born", birthday="1990-11-22")
    )
    assert get_member(ctx, born.member_id).birthday_points == 50
    first = checkout(ctx, born.card, 1_000)
    assert [(r.code, r.points) for r in first.applied] == [("base", 10), ("birthday", 50)]
    assert get_member(ctx, born.member_id).birthday_points == 0
    assert [r.code for r in checkout(ctx, born.card, 1_000).applied] == ["base"]
    # Next year's week gives it again; a week outside does not.
    clock.now += timedelta(days=7)
    assert get_member(ctx, born.member_id).birthday_points == 0
    clock.now = clock.now.replace(year=2027, day=24)  # Wednesday of the 2027 birthday week
    assert [r.code for r in checkout(ctx, born.card, 1_000).applied] == ["base", "birthday"]
    assert _rows(db_path, born.member_id).count((50, "birthday", "birthday")) == 2


def test_the_birthday_month_is_a_setting(ctx: Context, clock: Clock) -> None:
    _set(ctx, "program.birthday_points", 50)
    _set(ctx, "program.birthday_period", "month")
    born = enroll_member(
        ctx, MemberDraft(first_name="Cleo", last_name="Born", birthday="1990-11-02")
    )
    assert get_member(ctx, born.member_id).birthday_points == 50


def test_sign_up_profile_and_referral_bonuses_come_with_the_first_purchase(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    _set(ctx, "program.signup_bonus", 100)
    _set(ctx, "program.profile_bonus", 30)
    _set(ctx, "program.referral_bonus", 200)
    friend = enroll_member(
        ctx, MemberDraft(first_name="Nora", last_name="Neu"), referred_by=member.card
    )
    result = checkout(ctx, friend.card, 1_000)
    assert [(r.code, r.points) for r in result.applied] == [
        ("base", 10),
        ("signup", 100),
        ("referral", 200),
    ]
    assert cached_balance(db_path, friend.member_id) == 310
    assert _rows(db_path, member.member_id) == [(200, "referral", f"referred {friend.card}")]
    assert cached_balance(db_path, member.member_id) == 200
    # Only the first purchase: the second earns the base.
    assert [r.code for r in checkout(ctx, friend.card, 1_000).applied] == ["base"]
    # Anna's profile is complete: her first purchase brings sign-up and profile bonuses.
    anna = checkout(ctx, member.card, 1_000)
    assert [r.code for r in anna.applied] == ["base", "signup", "profile"]
    assert [r.code for r in checkout(ctx, member.card, 1_000).applied] == ["base"]
    for someone in (member, friend):
        assert ledger_sum(db_path, someone.member_id) == cached_balance(db_path, someone.member_id)


def test_referred_by_an_unknown_card_enrolls_nobody(ctx: Context, member: MemberView) -> None:
    unknown = with_check_digit("290010099999")
    with pytest.raises(CardNotFound):
        enroll_member(ctx, MemberDraft(first_name="Nora", last_name="Neu"), referred_by=unknown)


# --- expiry --------------------------------------------------------------------------------


def test_points_expire_months_after_they_were_earned_by_the_expiry_run(
    ctx: Context, member: MemberView, clock: Clock, db_path: Path
) -> None:
    _set(ctx, "program.expiry", "earned")
    _set(ctx, "program.expiry_months", 12)
    checkout(ctx, member.card, 10_000)  # 100 points on 2026-11-20
    clock.now += timedelta(days=200)
    checkout(ctx, member.card, 5_000)  # 50 more
    clock.now = clock.now.replace(year=2027, month=11, day=1)
    view = get_member(ctx, member.member_id)
    assert (view.points_expiring, view.points_expiring_by) == (100, date(2027, 11, 20))
    assert expire_points(ctx).points == 0
    clock.now = clock.now.replace(day=21)
    report = expire_points(ctx)
    assert (report.members, report.points) == (1, 100)
    assert _rows(db_path, member.member_id)[-1] == (-100, "expire", "earned")
    assert cached_balance(db_path, member.member_id) == 50
    assert expire_points(ctx).points == 0  # twice is the same as once


def test_checkout_writes_off_expired_points_before_the_sale(
    ctx: Context, member: MemberView, clock: Clock, db_path: Path
) -> None:
    _set(ctx, "program.expiry", "inactive")
    _set(ctx, "program.expiry_months", 6)
    checkout(ctx, member.card, 10_000)
    clock.now += timedelta(days=200)
    result = checkout(ctx, member.card, 1_000)
    assert result.points_expired == 100
    assert result.points_balance == 10
    assert ledger_sum(db_path, member.member_id) == cached_balance(db_path, member.member_id)
