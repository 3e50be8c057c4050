"""One use case, one transaction: when the last write of a use case fails, nothing of it stays.

A trigger makes the audit row (written last) fail, like a disk that fills up mid-sale.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.domain.profile import MemberDraft
from app.services.adjustments import adjust_points
from app.services.checkout import checkout
from app.services.context import Context
from app.services.lookup import lookup_card
from app.services.members import enroll_member
from app.services.refunds import refund_sale
from app.services.views import MemberView
from app.store.errors import DatabaseError
from tests.conftest import Clock
from tests.services.dbstate import execute, scalar, snapshot

# The trigger and the stored timestamp text are SQLite's.
pytestmark = pytest.mark.sqlite_only

FAIL_AUDIT = (
    "CREATE TRIGGER fail_audit BEFORE INSERT ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
)


@pytest.mark.parametrize(
    "use_case",
    [
        lambda ctx, card, sale: checkout(ctx, card, 2500, redeem_points=100),
        lambda ctx, card, sale: refund_sale(ctx, sale, 1000),
        lambda ctx, card, sale: adjust_points(ctx, card, -50, "correction"),
        lambda ctx, card, sale: enroll_member(ctx, MemberDraft(first_name="Ben", last_name="Koch")),
    ],
    ids=["checkout", "refund", "adjust", "enroll"],
)
def test_a_failing_last_write_leaves_nothing_behind(
    ctx: Context,
    member: MemberView,
    db_path: Path,
    use_case: Callable[[Context, str, int], object],
) -> None:
    adjust_points(ctx, member.card, 300, "start")
    sale = checkout(ctx, member.card, 5000).sale_id
    execute(db_path, FAIL_AUDIT)
    before = snapshot(db_path)
    with pytest.raises(DatabaseError) as failed:
        use_case(ctx, member.card, sale)
    # The store turned the driver's exception into the project's error, keeping it as cause.
    assert "disk full" in str(failed.value.__cause__)
    assert snapshot(db_path) == before
    execute(db_path, "DROP TRIGGER fail_audit")
    # The next use case works as usual on the same connection pool.
    assert checkout(ctx, member.card, 1000).points_balance == 350 + 10


def test_timestamps_are_stored_in_utc_whatever_the_tills_zone(
    ctx: Context, member: MemberView, db_path: Path, clock: Clock
) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    clock.now = datetime(2026, 11, 21, 0, 30, tzinfo=berlin)
    sale = checkout(ctx, member.card, 1000)
    stored = scalar(db_path, "SELECT created_at FROM sale WHERE id = ?", (sale.sale_id,))
    assert stored.startswith("2026-11-20 23:30:00")
    view = lookup_card(ctx, member.card)
    assert view.last_visit == clock.now
    assert view.last_visit is not None and view.last_visit.utcoffset().total_seconds() == 0
    assert view.recent_sales[0].created_at == clock.now


def test_a_clock_without_time_zone_is_refused(ctx: Context, member: MemberView) -> None:
    ctx.clock = lambda: datetime(2026, 11, 21, 12, 0)
    with pytest.raises(ValueError, match="time zone"):
        checkout(ctx, member.card, 1000)
