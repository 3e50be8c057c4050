"""Exchanging events with the other shops: export this shop's, import theirs.

Export writes signed files under a temporary name and renames them; import applies each file
in one transaction, skipping events already here, and keeps the ones that wait for a reference.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert, select, update

from app.files import write_atomically
from app.services.chain.setup import chain_secret, sync_folder
from app.services.context import Context
from app.store.bulk import DriverValues, bulk_cache, gc_paused, insert_rows, select_in
from app.store.database import serialize
from app.store.settings import put_setting
from app.store.tables import SYNC_CONFLICT, SYNC_EVENT, SYNC_FILE
from app.sync.apply import Applier, Outcome
from app.sync.events import EVENT_COLUMNS
from app.sync.fileformat import (
    SUFFIX,
    SyncFileRejected,
    VerifiedFile,
    encode_batch,
    event_line,
    file_name,
    parse_batch,
    verify_batch,
)

FILE_EVENTS = 50_000  # events per file: a day of a busy shop, a few MB
LAST_EXPORT = "sync.last_export"
LAST_IMPORT = "sync.last_import"


@dataclass
class ExportReport:
    files: list[str] = field(default_factory=list)
    events: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def export_events(
    ctx: Context,
    directory: str | Path | None = None,
    *,
    max_events: int = FILE_EVENTS,
) -> ExportReport:
    """Write this shop's new events to signed files in the sync folder.

    Each file is written under a temporary name, flushed to disk and renamed, so no shop ever
    reads half a file; its events are marked exported in the same step.
    """
    folder = sync_folder(ctx, directory)
    secret = chain_secret(ctx)
    node, report = ctx.node(), ExportReport()
    e = SYNC_EVENT.c
    while True:
        with ctx.db.transaction() as session:
            conn = session.connection()
            serialize(session, "sync-export")
            rows = conn.execute(
                select(e.id, e.uuid, e.store_code, e.till, e.kind, e.payload, e.created_at)
                .where(e.node == node, e.exported_file.is_(None))
                .order_by(e.id)
                .limit(max_events)
            ).all()
            if not rows:
                break
            first, last = rows[0].id, rows[-1].id
            header = {
                "node": node,
                "store": ctx.store_code,
                "till": ctx.till,
                "first_seq": first,
                "last_seq": last,
                "count": len(rows),
                "created_at": ctx.now().isoformat(),
            }
            lines = (
                event_line(
                    r.uuid,
                    r.id,
                    r.store_code,
                    r.till,
                    r.kind,
                    r.created_at.isoformat(),
                    r.payload,
                )
                for r in rows
            )
            data = encode_batch(secret, header, lines)
            name = file_name(ctx.store_code, node, first, last, data)
            write_atomically(folder / name, data, durable=True)
            conn.execute(
                update(SYNC_EVENT)
                .where(e.node == node, e.exported_file.is_(None), e.id.between(first, last))
                .values(exported_file=name)
            )
            _stamp(conn, LAST_EXPORT, ctx.now())
        report.files.append(name)
        report.events += len(rows)
    return report


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
        }


def import_events(
    ctx: Context,
    directory: str | Path | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Apply every sync file of other shops not applied yet, each in one transaction.

    A file that is not signed with the chain secret, cut short or unreadable is rejected whole
    (named in the report with the reason) and the others go on.
    """
    folder = sync_folder(ctx, directory)
    secret = chain_secret(ctx)
    node, report = ctx.node(), ImportReport()
    with ctx.db.reading() as session:
        done = set(session.connection().execute(select(SYNC_FILE.c.name)).scalars())
    names = sorted(
        p.name
        for p in folder.iterdir()
        if p.name.startswith("sync-") and p.name.endswith(SUFFIX) and p.name not in done
    )
    # The next file is read and its signature checked on a second thread while this one's rows
    # go into the database (file reads, hashing and SQLite let go of the GIL). It is parsed
    # here: parsing holds the GIL, so a second thread would not make it faster, and only one
    # parsed file is in memory at a time.
    with gc_paused(), ThreadPoolExecutor(max_workers=1) as reader:
        pending = [reader.submit(_read_file, folder / name, secret) for name in names[:1]]
        for index, name in enumerate(names):
            verified = pending.pop().result()
            if index + 1 < len(names):
                pending.append(reader.submit(_read_file, folder / names[index + 1], secret))
            try:
                if isinstance(verified, str):
                    raise SyncFileRejected(verified)
                batch = parse_batch(verified)
            except SyncFileRejected as exc:
                report.rejected.append((name, str(exc)))
                continue
            if batch.node == node:
                continue  # our own export
            if progress is not None:
                progress(name)
            try:
                result = _apply_file(ctx, name, batch.node, batch.sha256, batch.events, report)
            except SyncFileRejected as exc:  # found while applying; its transaction undone
                report.rejected.append((name, str(exc)))
                continue
            if result is not None:
                report.files.append(result)
    if report.files:
        _retry_deferred(ctx, report)
    with ctx.db.transaction() as session:
        _stamp(session.connection(), LAST_IMPORT, ctx.now())
    return report


def _read_file(path: Path, secret: bytes) -> VerifiedFile | str:
    """A sync file whose signature matched, or why it is rejected."""
    try:
        return verify_batch(secret, path.read_bytes())
    except SyncFileRejected as exc:
        return str(exc)
    except OSError as exc:
        return exc.strerror or str(exc)


def _known(conn: Connection, uuids: list[str]) -> set[str]:
    return {
        r[0] for r in select_in(conn, "SELECT uuid FROM sync_event WHERE uuid IN ({keys})", uuids)
    }


def _apply_file(
    ctx: Context,
    name: str,
    sender: str,
    sha256: str,
    events: list[dict[str, Any]],
    report: ImportReport,
) -> FileResult | None:
    now = ctx.now()
    with ctx.db.transaction(bulk=True) as session:
        conn = session.connection()
        serialize(session, "sync-import")
        if conn.execute(select(SYNC_FILE.c.name).where(SYNC_FILE.c.name == name)).first():
            return None  # another till applied it meanwhile
        known = _known(conn, [e["uuid"] for e in events])
        fresh, seen = [], set(known)
        for event in events:
            if event["uuid"] not in seen:
                seen.add(event["uuid"])
                fresh.append(event)
        with bulk_cache(conn):
            applier = Applier(conn, region=str(ctx.settings()["shop.phone_region"]))
            outcome = applier.apply(fresh)
            _record(conn, sender, outcome, now, applier.values)
        conn.execute(
            insert(SYNC_FILE).values(
                name=name,
                node=sender,
                sha256=sha256,
                events=len(events),
                applied=len(outcome.applied),
                skipped=len(events) - len(fresh),
                deferred=len(outcome.deferred),
                imported_at=now,
            )
        )
    report.conflicts += sum(c.needs_owner for c in outcome.conflicts)
    if outcome.settings_changed:
        ctx.forget_settings()
    return FileResult(
        name=name,
        events=len(events),
        applied=len(outcome.applied),
        skipped=len(events) - len(fresh),
        deferred=len(outcome.deferred),
    )


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


def _retry_deferred(ctx: Context, report: ImportReport) -> None:
    """Apply deferred events whose references arrived, until no more can be applied."""
    e = SYNC_EVENT.c
    while True:
        now = ctx.now()
        with ctx.db.transaction(bulk=True) as session:
            conn = session.connection()
            serialize(session, "sync-import")
            rows = conn.execute(
                select(e.id, e.payload).where(e.applied_at.is_(None)).order_by(e.id)
            ).all()
            if not rows:
                report.still_deferred = 0
                return
            events = [json.loads(r.payload) for r in rows]
            outcome = Applier(conn, region=str(ctx.settings()["shop.phone_region"])).apply(events)
            applied = {ev["uuid"] for ev in outcome.applied}
            if applied:
                conn.execute(
                    update(SYNC_EVENT)
                    .where(e.uuid.in_(sorted(applied)))
                    .values(applied_at=now, payload="")
                )
            if outcome.conflicts:
                _record(conn, "", Outcome(conflicts=outcome.conflicts), now)
        report.retried += len(applied)
        report.conflicts += sum(c.needs_owner for c in outcome.conflicts)
        if not applied:
            report.still_deferred = len(rows)
            return


def _stamp(conn: Connection, key: str, when: datetime) -> None:
    """Remember when this shop last exported or imported (for the status)."""
    put_setting(conn, key, when.isoformat(), when)


@dataclass(frozen=True)
class SyncRun:
    exported: ExportReport
    imported: ImportReport

    def to_json(self) -> dict[str, Any]:
        return {"export": self.exported.to_json(), "import": self.imported.to_json()}


def run_sync(ctx: Context, directory: str | Path | None = None) -> SyncRun:
    """Export, then import: what the till's background sync does."""
    exported = export_events(ctx, directory)
    imported = import_events(ctx, directory)
    return SyncRun(exported, imported)
