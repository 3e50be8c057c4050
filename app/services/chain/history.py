"""One node id, one history: a database copied from another shop is caught before it syncs.

Each database has a node id (``sync.node_id``); its files in the sync folder carry it. A copy
of another shop's database (or a shop restored from a backup) has the same id and numbers its
new events as the other did: each would skip the other's files as its own and balances would
silently part. So before an export or an import, every file in the folder named with this node
id that this database did not write is read: if it holds an event this database has never
seen, the folder holds another history under this id, and sync refuses until
``loyalty init --new-node`` gives the database an id of its own (:func:`new_node`).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from app.domain.errors import LoyaltyError
from app.i18n import _
from app.services.audit import record
from app.services.context import Context
from app.store.bulk import select_in
from app.store.database import serialize
from app.store.settings import NODE_ID, put_setting, read_node_id
from app.store.tables import SYNC_EVENT, SYNC_FILE
from app.sync.fileformat import (
    MB,
    SUFFIX,
    SyncFileRejected,
    check_file,
    open_file,
    read_slices,
)

FIX = "loyalty init --new-node"
_READ_SLICE = 5_000  # events looked up at a time while reading a file of this node id


class NodeClash(LoyaltyError):
    """The sync folder holds another history under this database's node id."""


def max_file_bytes(ctx: Context) -> int:
    """The largest sync file read (``sync.max_file_mb``), in bytes."""
    return int(ctx.settings()["sync.max_file_mb"]) * MB


def sync_file_names(folder: Path) -> list[str]:
    """The names in ``folder`` that look like sync files, in order."""
    return sorted(
        p.name for p in folder.iterdir() if p.name.startswith("sync-") and p.name.endswith(SUFFIX)
    )


def _node_part(name: str) -> str | None:
    """The node id's start in a sync file's name (see ``fileformat.file_name``)."""
    parts = name[: -len(SUFFIX)].split("-")
    return parts[2] if len(parts) == 6 else None


def own_files(ctx: Context, folder: Path, secret: bytes, names: list[str]) -> set[str]:
    """The files among ``names`` this database wrote; raises :class:`NodeClash` on another
    history under its node id.

    A file named with this node id is this database's if its events are marked exported to
    it (one index look-up). Any other file of this id is read: a file whose events are all
    here (written just before a crash, before its events were marked) is recorded as
    imported and never read again; a file that does not verify is left to the import, which
    rejects it with its reason.
    """
    node = ctx.node()
    ours = [name for name in names if _node_part(name) == node[:8]]
    if not ours:
        return set()
    e, own = SYNC_EVENT.c, set()
    with ctx.db.reading() as session:
        conn = session.connection()
        done = set(
            conn.execute(select(SYNC_FILE.c.name).where(SYNC_FILE.c.name.in_(ours))).scalars()
        )
        for name in ours:
            if (
                name in done
                or conn.execute(
                    select(e.id).where(e.node == node, e.exported_file == name).limit(1)
                ).first()
            ):
                own.add(name)
    for name in ours:
        if name not in own and _all_known(ctx, folder / name, secret, node):
            own.add(name)
    return own


def _all_known(ctx: Context, path: Path, secret: bytes, node: str) -> bool:
    """Whether a file of this node id holds only events this database has; records it if so."""
    try:
        with open_file(path, max_file_bytes(ctx)) as fh:
            checked = check_file(secret, fh)
            if checked.node != node:
                return False  # another node whose id starts alike
            for events in read_slices(secret, fh, checked, lambda: _READ_SLICE):
                uuids = [str(event["uuid"]) for event in events]
                with ctx.db.reading() as session:
                    found = select_in(
                        session.connection(),
                        "SELECT uuid FROM sync_event WHERE uuid IN ({keys})",
                        uuids,
                    )
                if len(found) < len(set(uuids)):
                    raise NodeClash(
                        _(
                            "The sync folder holds changes under this database's node id that "
                            "this database never made ({file}): it is a copy of another shop's "
                            "database or an older backup. Nothing was exported or imported. "
                            "Run “{fix}” to give it a node id of its own (its data stays)."
                        ).format(file=path.name, fix=FIX)
                    )
    except (SyncFileRejected, OSError):
        return False  # the import names it and why
    with ctx.db.transaction() as session:
        conn = session.connection()
        serialize(session, "sync-import")
        _mark_read(conn, path.name, node, checked.sha256, checked.count, ctx)
    return True


def _mark_read(
    conn: Connection, name: str, node: str, sha256: str, events: int, ctx: Context
) -> None:
    """Record a file of this database's as read: the import never opens it."""
    found = conn.execute(select(SYNC_FILE.c.name).where(SYNC_FILE.c.name == name)).first()
    if found is None:
        conn.execute(
            insert(SYNC_FILE).values(
                name=name,
                node=node,
                sha256=sha256,
                events=events,
                applied=0,
                skipped=events,
                deferred=0,
                imported_at=ctx.now(),
            )
        )


@dataclass(frozen=True)
class NewNode:
    old: str
    new: str
    events: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def new_node(ctx: Context) -> NewNode:
    """Give this database a new node id, keeping its data.

    Its events not yet exported are sent under the new id; the files it wrote under the old
    one are recorded as read, so the old id's other files (another shop's, or what a backup
    lost) are imported like any shop's, their events already here skipped.
    """
    e = SYNC_EVENT.c
    new = str(uuid.uuid4())
    with ctx.db.transaction() as session:
        conn = session.connection()
        serialize(session, "sync-export")
        old = read_node_id(conn)
        written = conn.execute(
            select(e.exported_file, func.count())
            .where(e.node == old, e.exported_file.is_not(None))
            .group_by(e.exported_file)
        ).all()
        for name, count in written:
            if not str(name).startswith("job:"):  # a bulk job's outbox mark, no file
                _mark_read(conn, str(name), old, "", int(count), ctx)
        moved = conn.execute(
            update(SYNC_EVENT)
            .where(
                e.node == old,
                (e.exported_file.is_(None)) | (e.exported_file.like("job:%")),
            )
            .values(node=new)
        ).rowcount
        put_setting(conn, NODE_ID, new, ctx.now())
        # Recorded in the old id's chain: the last row written under it.
        record(session, ctx, "sync.new_node", "setting", NODE_ID, old=old, new=new)
    ctx._node = None
    return NewNode(old=old, new=new, events=int(moved or 0))
