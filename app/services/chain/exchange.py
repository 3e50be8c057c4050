"""Exchanging events with the other shops: export this shop's, import theirs.

Export writes signed files under a temporary name and renames them; import (in
``importing``) applies each file in short slices, skipping events already here, and keeps the
ones that wait for a reference.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select, update

from app.files import write_atomically
from app.services.chain.history import own_files, sync_file_names
from app.services.chain.importing import LAST_IMPORT, FileResult, ImportReport, import_events
from app.services.chain.retention import RetentionReport, prune_folder, write_receipt
from app.services.chain.setup import chain_secret, sync_folder
from app.services.context import Context
from app.store.database import serialize
from app.store.settings import put_setting
from app.store.tables import SYNC_EVENT
from app.sync.fileformat import encode_batch, event_line, file_name
from app.sync.sealing import seal_payload

FILE_EVENTS = 50_000  # events per file: a day of a busy shop, a few MB
LAST_EXPORT = "sync.last_export"

__all__ = [
    "LAST_EXPORT",
    "LAST_IMPORT",
    "ExportReport",
    "FileResult",
    "ImportReport",
    "SyncRun",
    "export_events",
    "import_events",
    "run_sync",
    "write_receipt",
]


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
    own_files(ctx, folder, secret, sync_file_names(folder))  # NodeClash: a copied database
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
                    seal_payload(secret, r.kind, r.payload),
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


def _stamp(conn: Connection, key: str, when: datetime) -> None:
    """Remember when this shop last exported or imported (for the status)."""
    put_setting(conn, key, when.isoformat(), when)


@dataclass(frozen=True)
class SyncRun:
    exported: ExportReport
    imported: ImportReport
    retention: RetentionReport = field(default_factory=RetentionReport)

    def to_json(self) -> dict[str, Any]:
        return {
            "export": self.exported.to_json(),
            "import": self.imported.to_json(),
            "retention": self.retention.to_json(),
        }


def run_sync(ctx: Context, directory: str | Path | None = None) -> SyncRun:
    """Export, import, leave this shop's receipt, delete the files every shop has applied.

    What the till's background sync does. Files are deleted only once older than
    ``sync.retention_days`` (see :mod:`app.services.chain.retention`).
    """
    exported = export_events(ctx, directory)
    imported = import_events(ctx, directory)
    write_receipt(ctx, directory)
    return SyncRun(exported, imported, prune_folder(ctx, directory))
