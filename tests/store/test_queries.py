"""Driver-level reads: rows by column name, on the hot-path reader."""

from __future__ import annotations

from app.services.context import Context
from app.services.views import MemberView
from app.store import queries
from app.store.queries import DriverReads, Record, record_class


def test_a_record_reads_by_name_and_by_index() -> None:
    row = record_class(("member_id", "points"))((7, 120))
    assert isinstance(row, Record) and isinstance(row, tuple)
    assert (row.member_id, row.points) == (7, 120) == tuple(row)
    assert row._fields == ("member_id", "points")


def test_a_name_given_twice_is_left_to_its_index() -> None:
    row = record_class(("status", "status", "id"))(("blocked", "active", 1))
    assert row.id == 1 and row[0] == "blocked"
    assert not hasattr(row, "status")


def test_rows_are_named_as_the_statement_names_them(ctx: Context, member: MemberView) -> None:
    row = queries.fetch_one(ctx.db, queries.CARD_WITH_MEMBER, (member.card,))
    assert row is not None
    assert (row.number, row.member_id, row.member_status) == (
        member.card,
        member.member_id,
        "active",
    )
    assert queries.fetch_one(ctx.db, queries.CARD_WITH_MEMBER, ("0",)) is None
    (count,) = DriverReads.of(ctx.db).all("SELECT count(*) AS members FROM member", ())
    assert count.members == 1
