"""Bulk jobs at the table level: which members a running job hides, and its slices' writes.

A long job (a member import) writes its rows in short slices, each its own transaction, so a
till never waits long for the write lock. Its members carry ``member.job_id`` and stay hidden
until the job's row in ``bulk_job`` is published (one tiny update); its sync events wait in the
outbox marked ``exported_file = 'job:<id>'``, which the export does not pick up. After the
publish, :func:`settle_slice` clears the marks a slice at a time; a job that failed or whose
process died is taken apart by :func:`discard_slice`. See docs/ARCHITECTURE.md, "Long jobs".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, exists, or_

from app.store.tables import BULK_JOB

STAGING = "staging"
PUBLISHED = "published"

# For the driver-level reads (member aliased ``m``): settled members cost one NULL test.
VISIBLE_SQL = (
    "(m.job_id IS NULL OR EXISTS (SELECT 1 FROM bulk_job j "
    "WHERE j.id = m.job_id AND j.state = 'published'))"
)


def visible(member: Table | Any) -> ColumnElement[bool]:
    """The Core form of :data:`VISIBLE_SQL` for ``member`` (the table or an alias of it)."""
    return or_(
        member.c.job_id.is_(None),
        exists().where(BULK_JOB.c.id == member.c.job_id, BULK_JOB.c.state == PUBLISHED),
    )


def event_mark(job_id: int) -> str:
    """The outbox mark of a job's events until they are settled (export takes unmarked ones)."""
    return f"job:{job_id}"


def _ids(conn: Connection, job_id: int, limit: int) -> list[int]:
    rows = conn.exec_driver_sql(
        _sql(conn, "SELECT id FROM member WHERE job_id = ? ORDER BY id LIMIT ?"), (job_id, limit)
    ).all()
    return [r[0] for r in rows]


def _sql(conn: Connection, statement: str) -> str:
    if conn.dialect.name == "sqlite":
        return statement
    return statement.replace("?", "%s")


def _in(conn: Connection, ids: list[int]) -> str:
    return ", ".join(str(int(i)) for i in ids)  # ints read from the table: safe to inline


def settle_slice(conn: Connection, job_id: int, node: str, limit: int) -> int:
    """Clear the job's mark on up to ``limit`` members and events; how many rows it changed."""
    ids = _ids(conn, job_id, limit)
    changed = len(ids)
    if ids:
        conn.exec_driver_sql(f"UPDATE member SET job_id = NULL WHERE id IN ({_in(conn, ids)})")
    events = conn.exec_driver_sql(
        _sql(
            conn,
            "SELECT id FROM sync_event WHERE node = ? AND exported_file = ? ORDER BY id LIMIT ?",
        ),
        (node, event_mark(job_id), limit * 2),
    ).all()
    if events:
        marks = _in(conn, [r[0] for r in events])
        conn.exec_driver_sql(f"UPDATE sync_event SET exported_file = NULL WHERE id IN ({marks})")
    return changed + len(events)


def discard_slice(conn: Connection, job_id: int, node: str, limit: int) -> int:
    """Delete up to ``limit`` of the job's members (with their cards and ledger rows) and
    events; how many rows it removed. Nothing else refers to a hidden member."""
    ids = _ids(conn, job_id, limit)
    removed = len(ids)
    if ids:
        marks = _in(conn, ids)
        for table in ("ledger_entry", "card"):
            conn.exec_driver_sql(f"DELETE FROM {table} WHERE member_id IN ({marks})")
        conn.exec_driver_sql(f"DELETE FROM member WHERE id IN ({marks})")
    events = conn.exec_driver_sql(
        _sql(conn, "SELECT id FROM sync_event WHERE node = ? AND exported_file = ? LIMIT ?"),
        (node, event_mark(job_id), limit * 2),
    ).all()
    if events:
        marks = _in(conn, [r[0] for r in events])
        conn.exec_driver_sql(f"DELETE FROM sync_event WHERE id IN ({marks})")
    return removed + len(events)
