"""The day's close on a known day at two tills: every figure counted by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.domain.coupons import Coupon
from app.domain.profile import MemberDraft
from app.services.adjustments import adjust_points
from app.services.checkout import checkout
from app.services.context import Context
from app.services.coupons import create_coupon
from app.services.day_close import day_close
from app.services.day_close_text import day_close_csv, day_close_lines
from app.services.member_desk import member_id_for_card
from app.services.members import enroll_member
from app.services.refunds import refund_sale
from app.services.settings import write_setting
from app.services.stamps import add_program, add_stamp
from app.store.models import Sale
from tests.conftest import Clock

DAY = date(2026, 11, 20)


def at(hour: int, day: int = 20) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def a_day_at_two_tills(ctx: Context, clock: Clock) -> tuple[Context, str]:
    """Anna at till 1 and Ben at till 2 book a known day; returns Ben's context and a card."""
    write_setting(ctx.db, "shop.timezone", "Europe/Berlin", ctx.now())
    ctx.forget_settings()
    anna = Context(ctx.db, clock=clock, actor="Anna", till=1)
    ben = Context(ctx.db, clock=clock, actor="Ben", till=2)
    clock.now = at(8)
    card = enroll_member(anna, MemberDraft(first_name="Eva", last_name="Klein")).card
    other = enroll_member(ben, MemberDraft(first_name="Max", last_name="Roth")).card
    create_coupon(anna, Coupon(code="TEN", kind="percent", value=10))
    add_program(anna, "Coffee", 2, "a free coffee")
    clock.now = at(9)
    checkout(anna, card, 20_00)  # 20 points
    checkout(anna, card, 10_00, coupon="TEN")  # 1.00 off: 9 points
    sale = checkout(ben, other, 30_00)  # 30 points
    clock.now = at(10)
    refund_sale(ben, sale.sale_id, 10_00)
    adjust_points(ben, card, 100, "goodwill")
    checkout(ben, card, 5_00, redeem_points=129)  # 129 points pay 1.29; earns 3 points
    member_id = member_id_for_card(anna, card)
    add_stamp(anna, member_id)
    add_stamp(anna, member_id)
    checkout(anna, card, 1_00, stamp_rewards=[1])  # a full card's reward: earns 1 point
    # Not this day's: 23:30 in Berlin on the 19th, and 00:30 on the 21st.
    clock.now = datetime(2026, 11, 19, 22, 30, tzinfo=UTC)
    checkout(anna, card, 50_00)
    clock.now = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)
    checkout(anna, card, 60_00)
    # Another shop's sale that arrived by sync is not this shop's close.
    with ctx.db.transaction() as session:
        session.add(
            Sale(
                member_id=member_id,
                card_number=card,
                amount_cents=70_00,
                to_pay_cents=70_00,
                store_code="002",
                created_at=at(11),
            )
        )
    clock.now = at(12)
    return ben, card


def test_a_known_day_per_till_and_per_cashier(ctx: Context, clock: Clock) -> None:
    _ben, card = a_day_at_two_tills(ctx, clock)
    close = day_close(ctx, DAY)
    total = close.total
    assert (total.sales, total.sales_cents, total.paid_cents) == (5, 66_00, 63_71)
    assert (total.points_issued, total.points_issued_cents) == (20 + 9 + 30 + 3 + 1, 63)
    assert (total.points_redeemed, total.points_redeemed_cents) == (129, 1_29)
    assert (total.coupons_used, total.coupon_discount_cents) == (1, 1_00)
    assert (total.refunds, total.refunded_cents) == (1, 10_00)
    assert (total.adjustments, total.points_adjusted) == (1, 100)
    assert (total.enrolments, total.stamp_rewards) == (2, 1)
    tills = dict(close.tills)
    assert (tills[1].sales, tills[1].sales_cents, tills[1].coupons_used) == (3, 31_00, 1)
    assert (tills[2].sales, tills[2].refunds, tills[2].adjustments) == (2, 1, 1)
    staff = dict(close.staff)
    assert sorted(staff) == ["Anna", "Ben"]
    assert (staff["Anna"].stamp_rewards, staff["Ben"].points_redeemed) == (1, 129)
    # Both enrolments were made by this database; its own till is 1, the person is named.
    assert (staff["Anna"].enrolments, staff["Ben"].enrolments) == (1, 1)
    [adjustment] = close.adjustments
    assert (adjustment.staff, adjustment.card, adjustment.points) == ("Ben", card, 100)
    assert adjustment.at.hour == 11  # 10:00 UTC is 11:00 in Berlin


def test_one_till_and_an_empty_day(ctx: Context, clock: Clock) -> None:
    a_day_at_two_tills(ctx, clock)
    close = day_close(ctx, DAY, till=2)
    assert [till for till, _f in close.tills] == [2]
    assert (close.total.sales, close.total.refunds) == (2, 1)
    empty = day_close(ctx, date(2026, 11, 1))
    assert empty.total.sales == 0 and empty.tills == () and empty.staff == ()
    assert "Nothing was booked on this day." in day_close_lines(empty)


def test_the_text_and_the_csv(ctx: Context, clock: Clock) -> None:
    a_day_at_two_tills(ctx, clock)
    close = day_close(ctx, DAY)
    lines = day_close_lines(close, width=42)
    assert lines[0] == "Day's close Nov 20, 2026 · shop 001"
    assert all(len(line) <= 42 for line in lines)
    assert "Till 2" in lines and "Cashier Ben" in lines
    assert any(line.startswith("  Sales with members") and "€66.00" in line for line in lines)
    assert any("till 2 Ben" in line and "+100" in line for line in lines)
    rows = day_close_csv(close).splitlines()
    assert rows[0].startswith("date,store,currency,group,name,sales,sales_cents")
    assert rows[1].startswith("2026-11-20,001,EUR,total,,5,6600,6371,")
    assert any(row.startswith("2026-11-20,001,EUR,staff,Ben,2,") for row in rows)
