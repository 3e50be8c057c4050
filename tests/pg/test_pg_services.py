"""The use cases on PostgreSQL: enroll, look up, search, checkout, refund, adjust, check."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from app.domain.errors import CardNotFound, InvalidInput, NotEnoughPoints, RefundRefused
from app.domain.profile import MemberDraft
from app.services.adjustments import adjust_points
from app.services.checkout import checkout
from app.services.context import Context
from app.services.health import check_database
from app.services.lookup import get_member, lookup_card
from app.services.members import enroll_member
from app.services.refunds import refund_sale
from app.services.search import find_members
from app.services.views import MemberView
from app.store.database import Database
from tests.conftest import FIXED_NOW


def _scalar(db: Database, sql: str, **params: object) -> object:
    with db.reading() as session:
        return session.execute(text(sql), params).scalar()


def _ledger_sum(db: Database, member_id: int) -> int:
    return int(
        _scalar(  # type: ignore[arg-type]
            db,
            "SELECT COALESCE(SUM(points), 0) FROM ledger_entry WHERE member_id = :id",
            id=member_id,
        )
    )


def test_enroll_then_lookup_by_card_reads_every_field_back(
    pg_ctx: Context, pg_member: MemberView
) -> None:
    view = lookup_card(pg_ctx, pg_member.card)
    assert (view.first_name, view.last_name, view.salutation) == ("Anna", "Müller", "ms")
    assert view.email == "anna.mueller@example.org"
    assert view.phone == "+491712345678"
    assert view.birthday == date(1985, 4, 12)
    assert view.member_since == FIXED_NOW
    assert view.member_since.utcoffset() is not None and not view.member_since.utcoffset()
    assert view.points == 0 and view.last_visit is None and view.recent_sales == ()
    assert get_member(pg_ctx, view.member_id) == view


def test_enrolled_members_get_consecutive_card_numbers(pg_ctx: Context) -> None:
    cards = [
        enroll_member(pg_ctx, MemberDraft(first_name="Jo", last_name=f"Test{'abc'[i]}")).card
        for i in range(3)
    ]
    assert [int(c[5:12]) for c in cards] == [1, 2, 3]


def test_an_unknown_card_is_the_cashiers_message(pg_ctx: Context, pg_member: MemberView) -> None:
    unknown = pg_member.card[:11] + "9"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(unknown))
    with pytest.raises(CardNotFound, match="Unknown card"):
        lookup_card(pg_ctx, unknown + str((10 - total % 10) % 10))


@pytest.mark.parametrize("query", ["muller", "MÜLL", "anna mul", "mul an", "0171 234", "+49171"])
def test_search_is_case_and_accent_insensitive_by_prefix(
    pg_ctx: Context, pg_member: MemberView, query: str
) -> None:
    enroll_member(pg_ctx, MemberDraft(first_name="Mulan", last_name="Fa"))
    enroll_member(pg_ctx, MemberDraft(first_name="Anna", last_name="Schmidt"))
    found = find_members(pg_ctx, query)
    assert pg_member.member_id in [m.member_id for m in found]
    assert all(m.last_name != "Schmidt" for m in found)


def test_search_treats_like_wildcards_as_letters(pg_ctx: Context, pg_member: MemberView) -> None:
    # psycopg takes % as a parameter marker: a typed % or _ must neither break nor match all.
    assert find_members(pg_ctx, "mu%") == []
    assert find_members(pg_ctx, "anna m_l") == []
    with pytest.raises(InvalidInput):
        find_members(pg_ctx, "m")


def test_checkout_refund_and_adjust_keep_the_balance_equal_to_the_ledger(
    pg_ctx: Context, pg_db: Database, pg_member: MemberView
) -> None:
    card, member_id = pg_member.card, pg_member.member_id
    assert adjust_points(pg_ctx, card, 500, "welcome bonus").points_balance == 500
    sale = checkout(pg_ctx, card, 4250, redeem_points=300)
    assert sale.points_redeemed == 300 and sale.to_pay_cents == 4250 - 300
    assert sale.points_balance == 500 - 300 + sale.points_earned
    refund = refund_sale(pg_ctx, sale.sale_id, 1000)
    assert refund.amount_cents == 1000
    full = refund_sale(pg_ctx, sale.sale_id)
    with pytest.raises(RefundRefused):
        refund_sale(pg_ctx, sale.sale_id)
    with pytest.raises(NotEnoughPoints):
        adjust_points(pg_ctx, card, -(full.points_balance + 1), "too many")
    view = lookup_card(pg_ctx, card)
    assert view.points == full.points_balance == _ledger_sum(pg_db, member_id)
    assert [s.sale_id for s in view.recent_sales] == [sale.sale_id]
    assert view.recent_sales[0].created_at == FIXED_NOW
    report = check_database(pg_ctx)
    assert report.ok and report.integrity == "ok"
    assert (report.members, report.ledger_entries) == (1, 7)


def test_check_finds_a_balance_that_differs_from_its_ledger(
    pg_ctx: Context, pg_db: Database, pg_member: MemberView
) -> None:
    adjust_points(pg_ctx, pg_member.card, 80, "bonus")
    with pg_db.engine.begin() as conn:
        conn.execute(text("UPDATE member SET points_balance = 99"))
    report = check_database(pg_ctx)
    assert not report.ok
    assert [(m.member_id, m.cached, m.ledger) for m in report.mismatches] == [
        (pg_member.member_id, 99, 80)
    ]


def test_a_refused_sale_changes_nothing(
    pg_ctx: Context, pg_db: Database, pg_member: MemberView
) -> None:
    with pytest.raises(NotEnoughPoints):
        checkout(pg_ctx, pg_member.card, 1000, redeem_points=10)
    assert _scalar(pg_db, "SELECT count(*) FROM sale") == 0
    assert _scalar(pg_db, "SELECT count(*) FROM ledger_entry") == 0


def test_check_reports_an_index_postgresql_marked_invalid(pg_ctx: Context, pg_db: Database) -> None:
    with pg_db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE pg_index SET indisvalid = false "
                "WHERE indexrelid = 'ix_sale_member_created'::regclass"
            )
        )
    report = check_database(pg_ctx)
    assert report.integrity == "invalid index ix_sale_member_created"
    assert not report.ok


def test_a_lost_connection_is_a_database_error_and_the_next_scan_reconnects(
    pg_ctx: Context, pg_db: Database, pg_member: MemberView
) -> None:
    from app.store.errors import DatabaseError

    lookup_card(pg_ctx, pg_member.card)  # the raw reader is open
    pid = pg_db.raw().info.backend_pid
    with pg_db.engine.begin() as conn:  # e.g. the server restarted, or an admin ended it
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    with pytest.raises(DatabaseError):
        lookup_card(pg_ctx, pg_member.card)
    assert lookup_card(pg_ctx, pg_member.card).member_id == pg_member.member_id
