"""Where this shop stands in the chain: events waiting for export, last sync, open conflicts."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select

from app.services.chain.exchange import LAST_EXPORT, LAST_IMPORT
from app.services.chain.setup import SyncNotSetUp, chain_secret
from app.services.context import Context
from app.store.settings import read_setting
from app.store.tables import SYNC_CONFLICT, SYNC_EVENT, SYNC_FILE


@dataclass(frozen=True)
class SyncStatus:
    node: str
    store: str
    till: int
    sync_dir: str
    secret: bool
    pending: int
    last_export: str | None
    last_import: str | None
    files_applied: int
    deferred: int
    open_conflicts: int
    interval_minutes: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def sync_status(ctx: Context) -> SyncStatus:
    """Where this shop stands: events waiting for export, last sync, open conflicts."""
    settings = ctx.settings()
    node = ctx.node()
    try:
        chain_secret(ctx)
        secret = True
    except SyncNotSetUp:
        secret = False
    e, c = SYNC_EVENT.c, SYNC_CONFLICT.c
    with ctx.db.reading() as session:
        conn = session.connection()
        pending = conn.execute(
            select(func.count()).where(e.node == node, e.exported_file.is_(None))
        ).scalar()
        deferred = conn.execute(select(func.count()).where(e.applied_at.is_(None))).scalar()
        files = conn.execute(select(func.count()).select_from(SYNC_FILE)).scalar()
        conflicts = conn.execute(
            select(func.count()).where(c.needs_owner.is_(True), c.resolved_at.is_(None))
        ).scalar()
        last_export = read_setting(conn, LAST_EXPORT)
        last_import = read_setting(conn, LAST_IMPORT)
    return SyncStatus(
        node=node,
        store=ctx.store_code,
        till=ctx.till,
        sync_dir=str(settings["sync.dir"]),
        secret=secret,
        pending=int(pending or 0),
        last_export=last_export.value if last_export is not None else None,
        last_import=last_import.value if last_import is not None else None,
        files_applied=int(files or 0),
        deferred=int(deferred or 0),
        open_conflicts=int(conflicts or 0),
        interval_minutes=int(settings["sync.interval_minutes"]),
    )
