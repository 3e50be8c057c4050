"""Importing other shops' events: streamed from their files, applied in short slices.

A file is checked whole (signature, header, count) by hashing it in chunks, then read and
applied a slice of events at a time, each slice its own short transaction, so a till's checkout
waits for one slice at most and memory holds one slice, whatever the backlog. What keeps sync
safe in slices (docs/ARCHITECTURE.md, "Sync import in slices"):

- an event is never split: a sale and its ledger rows are one event, applied in one slice;
- every slice skips events already here by UUID (applied, or kept as deferred), inside its own
  transaction, so an event is applied once even if an import stopped half-way or two tills
  import the same file at one moment;
- the file is marked imported (``sync_file``) only after its last slice: an import that stops
  in between leaves the slices it committed, and the next import skips them and does the rest.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Connection, insert, select, update
from sqlmodel import Session

from app.services.chain.history import max_file_bytes, own_files, sync_file_names
from app.services.chain.setup import chain_secret, sync_folder
from app.services.context import Context
from app.store.bulk import DriverValues, gc_paused, insert_rows, select_in
from app.store.database import serialize
from app.store.settings import put_setting
from app.store.tables import SYNC_CONFLICT, SYNC_EVENT, SYNC_FILE
from app.sync.apply import Applier, Outcome
from app.sync.events import EVENT_COLUMNS
from app.sync.fileformat import CheckedFile, SyncFileRejected, check_file, open_file, read_slices

LAST_IMPORT = "sync.last_import"
SLICE_SECONDS = 0.04  # how long one slice may hold the write lock, aimed at
SLICE_FIRST, SLICE_MIN, SLICE_MAX = 500, 50, 5_000  # events a slice
PAUSE_SECONDS = 0.004  # between slices: a till polling for the lock takes it (see database)
CACHE_MB = 32  # the import connection's page cache, warm from slice to slice (peak RSS ~130 MB)

Begin = Callable[[], AbstractContextManager[Session]]


@dataclass
class FileResult:
    name: str
    events: int
    applied: int
    skipped: int
    deferred: int


@dataclass
class ImportReport:
    files: list[FileResult] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    retried: int = 0
    still_deferred: int = 0
    conflicts: int = 0
    erasures: int = 0

    @property
    def events_applied(self) -> int:
        return sum(f.applied for f in self.files) + self.retried

    def to_json(self) -> dict[str, Any]:
        return {
            "files": [asdict(f) for f in self.files],
            "rejected": [{"file": name, "reason": reason} for name, reason in self.rejected],
            "events_applied": self.events_applied,
            "retried": self.retried,
            "still_deferred": self.still_deferred,
            "conflicts": self.conflicts,
            "erasures": self.erasures,
        }


class _Slicer:
    """How many events the next slice takes: as many as fit in ``SLICE_SECONDS`` of lock."""

    def __init__(self, fixed: int | None) -> None:
        self.fixed = fixed
        self.size = fixed or SLICE_FIRST

    def __call__(self) -> int:
        return self.size

    def took(self, seconds: int | float, events: int) -> None:
        if self.fixed or events < self.size or seconds <= 0:
            return
        wanted = events * SLICE_SECONDS / seconds
        # Half-way towards the size that fits: one slow slice (a checkpoint, another process
        # on the core) does not halve the next.
        self.size = int(min(SLICE_MAX, max(SLICE_MIN, (self.size + wanted) / 2)))


def import_events(
    ctx: Context,
    directory: str | Path | None = None,
    *,
    progress: Callable[[str], None] | None = None,
    slice_events: int | None = None,
    after_slice: Callable[[str, int], None] | None = None,
) -> ImportReport:
    """Apply every sync file of other shops not applied yet, a short transaction per slice.

    A file that is not signed with the chain secret, cut short or unreadable is rejected whole
    (named in the report with the reason) and the others go on; one found malformed half-way
    (a line that is not JSON) keeps the slices before it and is rejected unmarked.
    ``slice_events`` fixes the events per slice (else sized to hold the lock ~40 ms);
    ``after_slice(file, events_done)`` runs after each slice's commit (for tests).
    """
    folder = sync_folder(ctx, directory)
    secret = chain_secret(ctx)
    node, report = ctx.node(), ImportReport()
    every = sync_file_names(folder)
    own = own_files(ctx, folder, secret, every)  # raises NodeClash for a copied database
    with ctx.db.reading() as session:
        done = set(session.connection().execute(select(SYNC_FILE.c.name)).scalars())
    names = [name for name in every if name not in done and name not in own]
    max_bytes = max_file_bytes(ctx)
    slicer = _Slicer(slice_events)
    # The next file's signature is checked on a second thread while this one's slices go into
    # the database (file reads, hashing and SQLite let go of the GIL).
    with (
        ctx.db.bulk_transactions(cache_mb=CACHE_MB) as begin,
        ThreadPoolExecutor(max_workers=1) as reader,
    ):
        pending = [reader.submit(_check, folder / name, secret, max_bytes) for name in names[:1]]
        for index, name in enumerate(names):
            opened = pending.pop().result()
            if index + 1 < len(names):
                pending.append(reader.submit(_check, folder / names[index + 1], secret, max_bytes))
            if isinstance(opened, str):
                report.rejected.append((name, opened))
                continue
            fh, checked = opened
            with fh:
                if checked.node == node:
                    continue  # our own export, renamed
                if progress is not None:
                    progress(name)
                try:
                    slices = read_slices(secret, fh, checked, slicer)
                    result = _apply_file(
                        ctx, begin, name, checked, slices, slicer, report, after_slice, secret
                    )
                except SyncFileRejected as exc:
                    report.rejected.append((name, str(exc)))
                    continue
            if result is not None:
                report.files.append(result)
        if report.files:
            _retry_deferred(ctx, begin, report, slicer, secret)
        with begin() as session:
            put_setting(session.connection(), LAST_IMPORT, ctx.now().isoformat(), ctx.now())
    if report.erasures:
        # The erased data is still in the WAL's older pages: copy back and cut it to zero.
        ctx.db.wipe_old_copies()
    return report


def _check(path: Path, secret: bytes, max_bytes: int) -> tuple[BinaryIO, CheckedFile] | str:
    """The open file and what its check found, or why it is rejected.

    Only a regular file in the folder itself is opened (no link followed, no FIFO or device
    waited on), only up to ``max_bytes``; a file that cannot be read is rejected, never fatal.
    """
    try:
        fh = open_file(path, max_bytes)
    except SyncFileRejected as exc:
        return str(exc)
    try:
        return fh, check_file(secret, fh)
    except SyncFileRejected as exc:
        fh.close()
        return str(exc)
    except OSError as exc:
        fh.close()
        return exc.strerror or str(exc)


def _known(conn: Connection, uuids: list[str]) -> set[str]:
    return {
        r[0] for r in select_in(conn, "SELECT uuid FROM sync_event WHERE uuid IN ({keys})", uuids)
    }


def _marked(conn: Connection, name: str) -> bool:
    found = conn.execute(select(SYNC_FILE.c.name).where(SYNC_FILE.c.name == name)).first()
    return found is not None


@contextmanager
def _slice(begin: Begin, slicer: _Slicer, events: int) -> Iterator[Connection]:
    """One slice's transaction (no cyclic GC inside it), timed to size the next one."""
    with gc_paused(), begin() as session:
        conn = session.connection()
        serialize(session, "sync-import")
        started = time.perf_counter()  # the lock is held from here (not while waiting for it)
        yield conn
    slicer.took(time.perf_counter() - started, events)
    # A till that waits for the lock polls for it: leave it a moment to take it.
    time.sleep(PAUSE_SECONDS)


def _apply_file(
    ctx: Context,
    begin: Begin,
    name: str,
    checked: CheckedFile,
    slices: Iterator[list[dict[str, Any]]],
    slicer: _Slicer,
    report: ImportReport,
    after_slice: Callable[[str, int], None] | None,
    secret: bytes,
) -> FileResult | None:
    """Apply a checked file slice by slice, then mark it imported; None if a till did it."""
    region = str(ctx.settings()["shop.phone_region"])
    result = FileResult(name=name, events=checked.count, applied=0, skipped=0, deferred=0)
    done = 0
    for events in slices:
        with _slice(begin, slicer, len(events)) as conn:
            if _marked(conn, name):
                return None  # another till applied it meanwhile
            known = _known(conn, [e["uuid"] for e in events])
            fresh, seen = [], known
            for event in events:
                if event["uuid"] not in seen:
                    seen.add(event["uuid"])
                    fresh.append(event)
            applier = Applier(conn, region=region, secret=secret)
            outcome = applier.apply(fresh)
            _record(conn, checked.node, outcome, ctx.now(), applier.values)
        done += len(events)
        result.applied += len(outcome.applied)
        result.skipped += len(events) - len(fresh)
        result.deferred += len(outcome.deferred)
        report.conflicts += sum(c.needs_owner for c in outcome.conflicts)
        report.erasures += outcome.erasures
        if outcome.settings_changed:
            ctx.forget_settings()
        if after_slice is not None:
            after_slice(name, done)
    with begin() as session:
        conn = session.connection()
        serialize(session, "sync-import")
        if _marked(conn, name):
            return None
        conn.execute(
            insert(SYNC_FILE).values(
                name=name,
                node=checked.node,
                sha256=checked.sha256,
                events=checked.count,
                applied=result.applied,
                skipped=result.skipped,
                deferred=result.deferred,
                imported_at=ctx.now(),
            )
        )
    return result


def _record(
    conn: Connection,
    sender: str,
    outcome: Outcome,
    now: datetime,
    values: DriverValues | None = None,
) -> None:
    """Remember applied events (by uuid, to skip them next time) and keep deferred ones whole.

    ``sender`` is the node whose file the events came in.
    """
    values = values or DriverValues(conn.dialect.name == "sqlite")
    stamp, iso = values.time(now), values.iso_time

    def row(event: dict[str, Any], payload: str, applied_at: Any) -> tuple[Any, ...]:
        return (
            event["uuid"],
            sender,
            event["seq"],
            str(event.get("store", ""))[:3],
            int(event.get("till") or 0),
            str(event["kind"])[:16],
            payload,
            iso(event.get("at")) or stamp,
            applied_at,
        )

    # Applied events need only their id; deferred ones are kept whole, to be applied later.
    rows = [row(e, "", stamp) for e in outcome.applied]
    rows += [row(e, json.dumps(e, ensure_ascii=False), None) for e in outcome.deferred]
    insert_rows(conn, "sync_event", EVENT_COLUMNS, rows)
    if outcome.conflicts:
        conn.execute(
            insert(SYNC_CONFLICT),
            [
                {
                    "kind": c.kind,
                    "member_uuid": c.member_uuid,
                    "event_uuid": c.event_uuid,
                    "detail": json.dumps(c.detail, ensure_ascii=False, default=str),
                    "needs_owner": c.needs_owner,
                    "created_at": now,
                }
                for c in outcome.conflicts
            ],
        )


def _retry_deferred(
    ctx: Context, begin: Begin, report: ImportReport, slicer: _Slicer, secret: bytes
) -> None:
    """Apply deferred events whose references arrived, slice by slice, until none more can be.

    Each pass reads the waiting events in slices in the order they arrived; a pass that applied
    some starts another, since an event may name one applied later in the same pass.
    """
    e = SYNC_EVENT.c
    region = str(ctx.settings()["shop.phone_region"])
    while True:
        after, waiting, applied_now = 0, 0, 0
        while True:
            with _slice(begin, slicer, slicer()) as conn:
                rows = conn.execute(
                    select(e.id, e.payload)
                    .where(e.applied_at.is_(None), e.id > after)
                    .order_by(e.id)
                    .limit(slicer())
                ).all()
                if not rows:
                    break
                after = rows[-1].id
                events = [json.loads(r.payload) for r in rows]
                outcome = Applier(conn, region=region, secret=secret).apply(events)
                applied = {ev["uuid"] for ev in outcome.applied}
                if applied:
                    conn.execute(
                        update(SYNC_EVENT)
                        .where(e.uuid.in_(sorted(applied)))
                        .values(applied_at=ctx.now(), payload="")
                    )
                if outcome.conflicts:
                    _record(conn, "", Outcome(conflicts=outcome.conflicts), ctx.now())
            waiting += len(rows) - len(applied)
            applied_now += len(applied)
            report.conflicts += sum(c.needs_owner for c in outcome.conflicts)
            if outcome.settings_changed:
                ctx.forget_settings()
        report.retried += applied_now
        if not applied_now or not waiting:
            report.still_deferred = waiting
            return
