"""Long jobs in short slices, all or nothing: stage hidden, publish in one tiny write, settle.

A member import of 100 000 rows in one transaction held SQLite's write lock for 17 s; a sale at
the till waited 10 s and failed. Here a job writes a few hundred rows per transaction (about
:data:`SLICE_S` each) and pauses between them (:data:`PAUSE_S`), so a till that asked for the
lock meanwhile gets it. Its rows stay hidden (``store/jobs.py``) until :meth:`SlicedJob.publish`
flips the job's row; a failure discards what the slices wrote, and a job whose process was
killed is discarded by the next import or ``loyalty check`` (:func:`tidy_jobs`), never shown.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session

from app.services.context import Context
from app.store import jobs
from app.store.errors import DatabaseError
from app.store.tables import BULK_JOB
from app.store.writes import inserted_id

# Time one slice may hold the write lock: a till waits at most about this long for it.
SLICE_S = 0.03
# Between slices: longer than the sleeps of SQLite's busy handler during a till's first
# ~150 ms of waiting (up to 25 ms), so a waiting till wakes while the lock is free.
PAUSE_S = 0.025
FIRST_ROWS = 100
MIN_ROWS, MAX_ROWS = 50, 2_000
# Rows of the first settle or discard slice (then sized like the job's slices).
TIDY_ROWS = 200
# An unpublished job whose owner cannot be asked (another machine) counts as dead after this.
STALE = timedelta(minutes=10)


def owner_tag() -> str:
    """This process, as a job's owner: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _owner_alive(owner: str) -> bool | None:
    """Whether the owning process runs; None when it is on another machine."""
    host, _sep, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Pacer:
    """Sizes slices to :data:`SLICE_S` and pauses between them (SQLite only)."""

    def __init__(self, ctx: Context, rows: int = FIRST_ROWS) -> None:
        self.rows = rows
        self.pause = PAUSE_S if ctx.db.is_sqlite else 0.0

    @contextmanager
    def slice(self) -> Iterator[None]:
        """Time the slice inside, then adjust the next slice's rows and pause."""
        started = time.monotonic()
        yield
        took = max(time.monotonic() - started, 1e-3)
        wanted = self.rows * SLICE_S / took
        # Halve at once when a slice ran long (it waited for the lock, or the disk), grow slowly.
        self.rows = int(min(max(min(wanted, self.rows * 1.25), MIN_ROWS), MAX_ROWS))
        if self.pause:
            time.sleep(self.pause)


@dataclass
class SlicedJob:
    """One job's row in ``bulk_job`` and the slices written under it."""

    ctx: Context
    id: int
    pacer: Pacer

    @classmethod
    def start(cls, ctx: Context, kind: str) -> SlicedJob:
        """Register a job (state ``staging``) in its own short transaction."""
        now = ctx.now()
        with ctx.db.transaction() as session:
            result = session.connection().execute(
                insert(BULK_JOB),
                {
                    "kind": kind,
                    "state": jobs.STAGING,
                    "owner": owner_tag(),
                    "started_at": now,
                    "heartbeat_at": now,
                },
            )
            job_id = inserted_id(result)
        return cls(ctx, job_id, Pacer(ctx))

    @contextmanager
    def slice(self) -> Iterator[Session]:
        """One short transaction of the job (the heartbeat moves with it).

        It commits without waiting for the disk (``bulk``): a slice lost to a power cut is
        part of an unpublished job, discarded afterwards; the publish commits durably, and
        on SQLite that flushes the whole write-ahead log, every slice before it included.
        """
        with self.pacer.slice(), self.ctx.db.transaction(bulk=True) as session:
            session.connection().execute(
                update(BULK_JOB).where(BULK_JOB.c.id == self.id).values(heartbeat_at=self.ctx.now())
            )
            yield session

    def reserve(self, session: Session, card: str | None) -> None:
        """Note the highest card number the job will write (see members.next_card_number)."""
        session.connection().execute(
            update(BULK_JOB).where(BULK_JOB.c.id == self.id).values(reserved_card=card)
        )

    def publish(self, also: Callable[[Session], None]) -> None:
        """Make every row of the job visible at once; ``also`` writes in the same transaction."""
        with self.ctx.db.transaction() as session:
            session.connection().execute(
                update(BULK_JOB).where(BULK_JOB.c.id == self.id).values(state=jobs.PUBLISHED)
            )
            also(session)

    def discard(self) -> None:
        """Remove what the slices wrote (after a failure); left to :func:`tidy_jobs` if the
        database refuses now (the rows stay hidden meanwhile)."""
        with contextlib.suppress(DatabaseError):
            _take_apart(self.ctx, self.id, jobs.discard_slice)

    def settle(self) -> None:
        """Clear the published job's marks in slices, then its row (finished by
        :func:`tidy_jobs` if interrupted: the rows are visible either way)."""
        with contextlib.suppress(DatabaseError):
            _take_apart(self.ctx, self.id, jobs.settle_slice)


def _take_apart(ctx: Context, job_id: int, step: Callable[..., int]) -> None:
    node = ctx.node()
    pacer = Pacer(ctx, TIDY_ROWS)
    while True:
        with pacer.slice(), ctx.db.transaction() as session:
            if step(session.connection(), job_id, node, pacer.rows):
                continue
            session.connection().execute(delete(BULK_JOB).where(BULK_JOB.c.id == job_id))
            return


@dataclass(frozen=True)
class TidyReport:
    """Jobs finished (published, marks cleared) and discarded (never published, owner gone)."""

    settled: int = 0
    discarded: int = 0


def tidy_jobs(ctx: Context) -> TidyReport:
    """Finish published jobs and discard unpublished ones whose process is gone.

    Run at the start of an import and by ``loyalty check``; a job whose owner still runs (on
    this machine, or with a recent heartbeat elsewhere) is left alone.
    """
    with ctx.db.reading() as session:
        rows = session.connection().execute(select(BULK_JOB)).all()
    if not rows:
        return TidyReport()
    settled = discarded = 0
    now = ctx.now()
    for row in rows:
        if row.state == jobs.PUBLISHED:
            _take_apart(ctx, row.id, jobs.settle_slice)
            settled += 1
            continue
        alive = _owner_alive(row.owner)
        if alive is None:
            alive = now - row.heartbeat_at < STALE
        if not alive:
            _take_apart(ctx, row.id, jobs.discard_slice)
            discarded += 1
    return TidyReport(settled=settled, discarded=discarded)
