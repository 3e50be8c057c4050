"""Receipts and retention: the sync folder keeps no file longer than every shop needs it.

When it joins (``loyalty init --sync-dir``) and after each import a shop writes its signed
receipt (``receipt-<node>.json``, see :mod:`app.sync.receipts`): the sync files in the folder
it has applied. ``sync run`` then
deletes the sync files older than ``sync.retention_days`` that every shop with a receipt has
applied or written itself. A file whose writer has left no receipt keeps everything: that
shop may not have applied the others' files yet (an older version of the program).
"""

from __future__ import annotations

import contextlib
import os
import stat
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.domain.errors import LoyaltyError
from app.files import write_atomically
from app.services.chain.setup import chain_secret, sync_folder
from app.services.context import Context
from app.store.bulk import select_in
from app.store.tables import SYNC_FILE
from app.sync.fileformat import SUFFIX, SyncFileRejected
from app.sync.receipts import (
    MAX_RECEIPT_BYTES,
    PREFIX,
    RECEIPT_SUFFIX,
    Receipt,
    decode_receipt,
    encode_receipt,
    read_regular,
    receipt_name,
    writer_of,
)

RETENTION_SETTING = "sync.retention_days"


@dataclass
class RetentionReport:
    deleted: list[str] = field(default_factory=list)
    waiting: int = 0  # old enough, but not applied by every shop yet
    without_receipt: list[str] = field(default_factory=list)  # writers (node starts) to wait for

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _sync_files(folder: Path) -> dict[str, os.stat_result]:
    """The regular sync files in ``folder`` (never following a link) and their status."""
    found: dict[str, os.stat_result] = {}
    for entry in os.scandir(folder):
        if entry.name.startswith("sync-") and entry.name.endswith(SUFFIX):
            with contextlib.suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(info.st_mode):
                    found[entry.name] = info
    return found


def write_receipt(ctx: Context, directory: str | Path | None = None) -> str | None:
    """Write this shop's receipt: the sync files in the folder it has applied; its name.

    None if the folder cannot be written: the import stands, the files stay a while longer.
    """
    try:
        folder = sync_folder(ctx, directory)
        secret = chain_secret(ctx)
        present = sorted(_sync_files(folder))
    except (LoyaltyError, OSError):
        return None  # not set up (yet): the next import writes it
    with ctx.db.reading() as session:
        conn = session.connection()
        applied = (
            {
                row[0]
                for row in select_in(
                    conn, "SELECT name FROM sync_file WHERE name IN ({keys})", present
                )
            }
            if present
            else set()
        )
    node = ctx.node()
    name = receipt_name(node)
    data = encode_receipt(secret, node, ctx.store_code, ctx.now().isoformat(), applied)
    try:
        write_atomically(folder / name, data, durable=True)
    except OSError:
        return None
    return name


def _receipts(folder: Path, secret: bytes) -> list[Receipt]:
    """The valid receipts in the folder (an unreadable or unsigned one counts as none)."""
    found: list[Receipt] = []
    for entry in os.scandir(folder):
        if not (entry.name.startswith(PREFIX) and entry.name.endswith(RECEIPT_SUFFIX)):
            continue
        try:
            receipt = decode_receipt(secret, read_regular(Path(entry.path), MAX_RECEIPT_BYTES))
        except (OSError, SyncFileRejected):
            continue
        if entry.name == receipt_name(receipt.node):
            found.append(receipt)
    return found


def prune_folder(ctx: Context, directory: str | Path | None = None) -> RetentionReport:
    """Delete the sync files older than the retention that every shop has applied."""
    folder = sync_folder(ctx, directory)
    secret = chain_secret(ctx)
    days = int(ctx.settings()[RETENTION_SETTING])
    cutoff = (ctx.now() - timedelta(days=days)).timestamp()
    report = RetentionReport()
    files = _sync_files(folder)
    receipts = _receipts(folder, secret)
    shops = {r.node[:8] for r in receipts}
    with ctx.db.reading() as session:
        mine = set(session.connection().execute(select(SYNC_FILE.c.name)).scalars())
    if ctx.node()[:8] not in shops:
        return report  # this shop's own receipt first (written after each import)
    writers = {w for w in (writer_of(n) for n in files) if w is not None}
    report.without_receipt = sorted(writers - shops)
    if report.without_receipt:
        return report
    for name, info in sorted(files.items()):
        if info.st_mtime > cutoff:
            continue
        writer = writer_of(name)
        if writer is None:
            continue  # not named by this program: not ours to delete
        everyone = all(r.node[:8] == writer or name in r.applied for r in receipts)
        here = writer == ctx.node()[:8] or name in mine
        if not (everyone and here):
            report.waiting += 1
            continue
        try:
            os.unlink(folder / name)
        except FileNotFoundError:
            continue  # another shop deleted it a moment ago
        except OSError:
            report.waiting += 1
            continue
        report.deleted.append(name)
    return report
