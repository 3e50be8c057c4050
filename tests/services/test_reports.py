"""`report_summary` on known histories: every figure computed by hand (README "Reports")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from app.domain.profile import MemberDraft
from app.domain.report import Period
from app.services.adjustments import adjust_points
from app.services.checkout import checkout
from app.services.context import Context
from app.services.members import enroll_member
from app.services.refunds import refund_sale
from app.services.reports import report_summary
from app.services.settings import write_setting
from app.store.models import Member, Sale
from tests.conftest import Clock

OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))


def utc(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def zone(ctx: Context, name: str) -> None:
    write_setting(ctx.db, "shop.timezone", name, ctx.now())
    ctx.forget_settings()


def add_members(ctx: Context, histories: Iterable[list[tuple[str, int, int]]]) -> list[int]:
    """One member per history of (day, amount, refunded) sales, written as rows; their ids."""
    ids = []
    with ctx.db.transaction() as session:
        for index, history in enumerate(histories):
            joined = utc(history[0][0]) if history else utc("2020-01-01")
            member = Member(
                first_name="M", last_name=f"{index}", created_at=joined, updated_at=joined
            )
            session.add(member)
            session.flush()
            assert member.id is not None
            ids.append(member.id)
            for day, amount, refunded in history:
                session.add(
                    Sale(
                        member_id=member.id,
                        card_number="2900100000000",
                        amount_cents=amount,
                        to_pay_cents=amount,
                        refunded_cents=refunded,
                        store_code="001",
                        created_at=utc(day),
                    )
                )
    return ids


def test_the_articles_example_150_162_30_gives_a_retention_of_088(ctx: Context) -> None:
    zone(ctx, "UTC")
    retained = [[("2026-06-15", 1000, 0)]] * 132  # customers on Sep 30 and on Oct 31
    lost = [[("2025-10-15", 1000, 0)]] * 18  # customers on Sep 30, not any more on Oct 31
    new = [[("2026-10-05", 2000, 0)]] * 30  # first purchase ever in October
    add_members(ctx, [*retained, *lost, *new])
    report = report_summary(ctx, OCTOBER).summary
    assert (report.customers_start, report.customers_end, report.new_customers) == (150, 162, 30)
    assert report.crr == 0.88
    assert (report.lost_customers, report.churn) == (18, 0.12)
    assert (report.purchases, report.purchasing_members) == (30, 30)
    assert (report.repeat_rate, report.frequency) == (0.0, 1.0)
    assert (report.aov_cents, report.aov_first_cents, report.aov_returning_cents) == (
        2000,
        2000,
        None,
    )
    assert report.returning_uplift is None


def test_no_customers_at_the_start_leaves_crr_and_churn_null(ctx: Context) -> None:
    add_members(ctx, [[("2026-10-05", 1500, 0)]])
    report = report_summary(ctx, OCTOBER).summary
    assert (report.customers_start, report.customers_end, report.new_customers) == (0, 1, 1)
    assert report.crr is None
    assert report.churn is None


def test_an_empty_period_has_no_rates_and_no_means(ctx: Context) -> None:
    report = report_summary(ctx, OCTOBER).summary
    assert (report.purchases, report.revenue_cents, report.points_issued) == (0, 0, 0)
    assert report.repeat_rate is None and report.frequency is None
    assert report.aov_cents is None and report.redemption_rate is None
    assert report.ltv_cents is None
    assert (report.nps, report.nps_responses) == (None, 0)
    assert (report.liability_points, report.liability_cents) == (0, 0)


def test_a_wholly_refunded_sale_is_no_purchase_a_partly_refunded_one_is(ctx: Context) -> None:
    zone(ctx, "UTC")
    add_members(
        ctx,
        [
            [("2026-10-07", 4000, 4000)],  # wholly refunded: no purchase, no customer
            [("2026-10-08", 6000, 1000)],  # partly refunded: a purchase, a new customer
        ],
    )
    report = report_summary(ctx, OCTOBER).summary
    assert (report.purchases, report.purchasing_members, report.new_customers) == (1, 1, 1)
    assert report.customers_end == 1
    assert report.aov_cents == 6000


def test_a_member_back_after_a_lapse_is_a_customer_again_but_not_new(ctx: Context) -> None:
    zone(ctx, "UTC")
    # Bought in 2023, nothing for three years, back in October: no customer on Sep 30
    # (365 days), a customer on Oct 31, and not new (not their first purchase ever).
    add_members(ctx, [[("2023-03-01", 1000, 0), ("2026-10-12", 3000, 0)]])
    report = report_summary(ctx, OCTOBER).summary
    assert (report.customers_start, report.customers_end, report.new_customers) == (0, 1, 0)
    assert (report.aov_first_cents, report.aov_returning_cents) == (None, 3000)


def test_first_and_returning_baskets_and_the_uplift(ctx: Context) -> None:
    zone(ctx, "UTC")
    add_members(
        ctx,
        [
            [("2026-10-02", 1000, 0), ("2026-10-20", 3000, 0)],  # new: first 10, returning 30
            [("2026-03-01", 2000, 0), ("2026-10-05", 5000, 0)],  # returning 50
            [("2026-10-08", 6000, 0)],  # new: first 60
        ],
    )
    report = report_summary(ctx, OCTOBER).summary
    assert (report.purchases, report.purchasing_members) == (4, 3)
    assert (report.repeat_rate, report.frequency) == (0.3333, 1.3333)
    assert report.aov_cents == 3750  # (10 + 30 + 50 + 60) / 4
    assert report.aov_first_cents == 3500  # (10 + 60) / 2
    assert report.aov_returning_cents == 4000  # (30 + 50) / 2
    assert report.returning_uplift == 0.1429  # 40 / 35 - 1
    # Customers on Oct 31 all three; a year earlier none: churn over the year has no base.
    assert report.ltv_cents is None


def test_ltv_is_the_yearly_spend_times_the_lifetime_capped_at_ten_years(ctx: Context) -> None:
    zone(ctx, "UTC")
    add_members(
        ctx,
        [
            # Customers on 2025-10-31 (a purchase in the year before): two of them.
            [("2025-05-01", 1000, 0), ("2026-04-01", 8000, 0)],  # still a customer
            [("2025-06-01", 1000, 0)],  # lost over the year
            [("2026-10-03", 2000, 0)],  # new this year
        ],
    )
    report = report_summary(ctx, OCTOBER).summary
    # Spend in the 365 days to Oct 31: 80 + 20 by 2 customers = 50 a year each; churn over the
    # year 1 / 2: an expected lifetime of 2 years.
    assert report.ltv_cents == 10_000
    add_members(ctx, [[("2025-07-01", 1000, 0), ("2026-07-01", 1000, 0)]] * 30)
    # 31 of 32 stay: 1 / churn = 32 years, capped at 10.
    later = report_summary(ctx, OCTOBER).summary
    assert later.ltv_cents == (8000 + 2000 + 30 * 1000) * 10 // 32


def test_the_shops_local_date_decides_the_day_of_a_sale(ctx: Context) -> None:
    zone(ctx, "Europe/Berlin")
    # 22:30 UTC on Sep 30 is 00:30 on Oct 1 in Berlin; 22:30 UTC on Oct 31 is Nov 1 there.
    with ctx.db.transaction() as session:
        member = Member(first_name="A", last_name="B", created_at=utc("2026-09-30"))
        member.updated_at = member.created_at
        session.add(member)
        session.flush()
        for when in (
            datetime(2026, 9, 30, 22, 30, tzinfo=UTC),
            datetime(2026, 10, 31, 23, 30, tzinfo=UTC),
        ):
            session.add(
                Sale(
                    member_id=member.id,
                    card_number="2900100000000",
                    amount_cents=1000,
                    to_pay_cents=1000,
                    store_code="001",
                    created_at=when,
                )
            )
    report = report_summary(ctx, OCTOBER).summary
    assert report.purchases == 1
    assert report.new_customers == 1


def _sale_at(ctx: Context, clock: Clock, when: datetime, card: str, amount: int, **kw: Any) -> int:
    clock.now = when
    return checkout(ctx, card, amount, **kw).sale_id


def test_points_money_and_liability_from_real_sales(ctx: Context, clock: Clock) -> None:
    zone(ctx, "UTC")
    clock.now = utc("2026-09-01")
    anna = enroll_member(ctx, MemberDraft(first_name="Anna", last_name="A")).card
    ben = enroll_member(ctx, MemberDraft(first_name="Ben", last_name="B")).card
    _sale_at(ctx, clock, utc("2026-09-10"), anna, 50_000)  # 500 points before October
    _sale_at(ctx, clock, utc("2026-10-02"), anna, 10_000, redeem_points=200)  # pays 98: +98
    sale = _sale_at(ctx, clock, utc("2026-10-03"), ben, 4_000)  # +40, refunded wholly below
    clock.now = utc("2026-10-04")
    refund_sale(ctx, sale)
    clock.now = utc("2026-10-05")
    adjust_points(ctx, anna, 25, "goodwill")
    adjust_points(ctx, anna, -5, "typo")
    clock.now = utc("2026-11-03")
    adjust_points(ctx, anna, 1000, "after the period")  # not in the liability at Oct 31
    report = report_summary(ctx, OCTOBER).summary
    assert report.points_issued == 98 + 40  # earning rows only, refunds not netted
    assert report.points_redeemed == 200
    assert report.points_adjusted == 20
    assert report.points_expired == 0
    assert report.redemption_rate == round(200 / 138, 4)
    # Balances at the end of Oct 31: Anna 500 - 200 + 98 + 20, Ben 40 - 40.
    assert report.liability_points == 418
    assert report.liability_cents == 418  # 100 points are worth 1.00
    # Money paid in October 98.00 + 40.00, less 40.00 refunded in October.
    assert report.revenue_cents == 9_800
    assert report.points_paid_cents == 200
    assert (report.purchases, report.purchasing_members) == (1, 1)
    assert report.enrolments == 0  # both joined in September


def test_points_expired_in_the_period_are_counted(ctx: Context, clock: Clock) -> None:
    from app.services.expiry import expire_points

    zone(ctx, "UTC")
    clock.now = utc("2026-08-01")
    card = enroll_member(ctx, MemberDraft(first_name="Anna", last_name="A")).card
    _sale_at(ctx, clock, utc("2026-08-02"), card, 10_000)
    for key, value in (("program.expiry", "earned"), ("program.expiry_months", 1)):
        write_setting(ctx.db, key, value, ctx.now())
    ctx.forget_settings()
    clock.now = utc("2026-10-15")
    expire_points(ctx)
    report = report_summary(ctx, OCTOBER).summary
    assert report.points_expired == 100
    assert report.points_issued == 0
    assert report.liability_points == 0


def test_enrolments_referrals_and_coupons(ctx: Context, clock: Clock) -> None:
    from app.domain.coupons import Coupon
    from app.services.coupons import create_coupon

    zone(ctx, "UTC")
    clock.now = utc("2026-10-01")
    anna = enroll_member(ctx, MemberDraft(first_name="Anna", last_name="A")).card
    ben = enroll_member(ctx, MemberDraft(first_name="Ben", last_name="B"), referred_by=anna).card
    enroll_member(ctx, MemberDraft(first_name="Cem", last_name="C"), referred_by=anna)
    create_coupon(ctx, Coupon("TEN", "percent", 10))
    _sale_at(ctx, clock, utc("2026-10-06"), ben, 2_000, coupon="TEN")
    report = report_summary(ctx, OCTOBER).summary
    assert (report.enrolments, report.referrals, report.referrals_purchased) == (3, 2, 1)
    assert report.coupons == [{"code": "TEN", "uses": 1, "discount_cents": 200}]
    assert report.discount_cents == 200


def test_split_by_till_and_one_shop(ctx: Context, clock: Clock) -> None:
    zone(ctx, "UTC")
    clock.now = utc("2026-09-01")
    card = enroll_member(ctx, MemberDraft(first_name="Anna", last_name="A")).card
    _sale_at(ctx, clock, utc("2026-10-02"), card, 1_000)
    ctx.till = 2
    _sale_at(ctx, clock, utc("2026-10-03"), card, 3_000)
    report = report_summary(ctx, OCTOBER, by="till")
    assert report.summary.purchases == 2
    groups = dict(report.groups)
    assert set(groups) == {"1", "2"}
    assert (groups["1"].purchases, groups["1"].new_customers) == (1, 1)
    # At till 2 the member's first purchase there is also in the period.
    assert (groups["2"].purchases, groups["2"].aov_cents) == (1, 3000)
    assert report.to_json()["groups"][1]["group"] == "2"
    other = report_summary(ctx, OCTOBER, store="002").summary
    assert (other.purchases, other.points_issued, other.liability_points) == (0, 0, 0)


@pytest.mark.parametrize("by", ["store", "staff"])
def test_split_by_store_and_staff_names_the_groups(ctx: Context, clock: Clock, by: str) -> None:
    clock.now = utc("2026-09-01")
    card = enroll_member(ctx, MemberDraft(first_name="Anna", last_name="A")).card
    _sale_at(ctx, clock, utc("2026-10-02"), card, 1_000)
    report = report_summary(ctx, OCTOBER, by=by)
    assert [key for key, _s in report.groups] == ["001" if by == "store" else "tester"]


def test_weekly_series_put_each_row_in_its_week(ctx: Context, clock: Clock) -> None:
    from app.services.report_series import report_series

    zone(ctx, "UTC")
    clock.now = utc("2026-10-01")
    card = enroll_member(ctx, MemberDraft(first_name="Anna", last_name="A")).card
    _sale_at(ctx, clock, utc("2026-10-01"), card, 1_000)  # week 1 (Oct 1-7)
    _sale_at(ctx, clock, utc("2026-10-08", 0), card, 2_000, redeem_points=10)  # week 2
    _sale_at(ctx, clock, utc("2026-10-31", 23), card, 3_000)  # week 5 (Oct 29-31)
    series = report_series(ctx, OCTOBER)
    assert series.weeks == tuple(date(2026, 10, d) for d in (1, 8, 15, 22, 29))
    assert series.purchases == (1, 1, 0, 0, 1)
    assert series.revenue_cents == (1_000, 1_990, 0, 0, 3_000)
    assert series.new_members == (1, 0, 0, 0, 0)
    assert series.points_issued == (10, 19, 0, 0, 30)
    assert series.points_redeemed == (0, 10, 0, 0, 0)
    one_day = report_series(ctx, Period(date(2026, 10, 8), date(2026, 10, 8)))
    assert (one_day.weeks, one_day.purchases) == ((date(2026, 10, 8),), (1,))
