"""The bulk helpers sync import relies on: look-ups in chunks, timestamps, the page cache."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.domain.profile import MemberDraft
from app.services.context import Context
from app.services.members import enroll_member
from app.services.views import MemberView
from app.store.bulk import DriverValues, bulk_cache, select_in


def test_select_in_finds_every_key_across_chunks(ctx: Context, member: MemberView) -> None:
    other = enroll_member(ctx, MemberDraft(first_name="Ben", last_name="Weber"))
    with ctx.db.transaction() as session:
        conn = session.connection()
        ids = dict(conn.exec_driver_sql("SELECT uuid, id FROM member").tuples().all())
        # 1 201 keys, two of them real: three chunks of at most 500, both found once.
        keys = [f"missing-{n}" for n in range(1_199)] + list(ids)
        rows = select_in(conn, "SELECT uuid, id FROM member WHERE uuid IN ({keys})", keys)
    assert sorted(rows) == sorted(ids.items())
    assert len(ids) == 2 and {member.member_id, other.member_id} == set(ids.values())


def test_select_in_with_no_keys_runs_nothing(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        assert (
            select_in(session.connection(), "SELECT id FROM member WHERE uuid IN ({keys})", [])
            == []
        )


@pytest.mark.sqlite_only
def test_bulk_cache_grows_the_page_cache_and_gives_it_back(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        conn = session.connection()
        before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        with bulk_cache(conn, 64):
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -64 * 1024
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == before


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 1, 1, 8, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2026, 3, 29, 3, 30, 0, 1, tzinfo=timezone(timedelta(hours=2))),
    ],
)
def test_timestamps_from_files_are_stored_as_the_orm_stores_them(moment: datetime) -> None:
    sqlite = DriverValues(True)
    stored = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    assert sqlite.iso_time(moment.isoformat()) == stored
    assert sqlite.time(moment) == stored
    assert DriverValues.read_time(stored) == moment
    assert DriverValues(False).iso_time(moment.isoformat()) == moment
