"""A shop's receipt in the sync folder: which sync files there it has applied, signed.

``receipt-<node>.json``, two lines::

    {"format": "loyalty-sync-receipt", "version": 1, "node": ..., "store": "002",
     "written_at": "...", "applied": ["sync-001-….jsonl", ...]}
    {"signature": "hmac-sha256:<hex over the first line>"}

It lists only files still in the folder (it stays small). A file every shop of the chain has
applied (or written) may be deleted once it is older than the retention. Pure: no database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from app.i18n import _
from app.sync.fileformat import SIGNATURE_PREFIX, SUFFIX, SyncFileRejected

FORMAT = "loyalty-sync-receipt"
VERSION = 1
PREFIX = "receipt-"
RECEIPT_SUFFIX = ".json"
MAX_RECEIPT_BYTES = 16 * 1024 * 1024  # ~200,000 file names: far beyond any folder
_NODE = re.compile(r"^[0-9a-f-]{8,36}$")
# sync-<store>-<node[:8]>-<first>-<last>-<hash>.jsonl
_SYNC_NAME = re.compile(r"^sync-[^-]+-([0-9a-f]{8})-\d+-\d+-[0-9a-f]+" + re.escape(SUFFIX) + "$")


@dataclass(frozen=True)
class Receipt:
    """What one shop says it has applied."""

    node: str
    store: str
    written_at: str
    applied: frozenset[str]


def receipt_name(node: str) -> str:
    return f"{PREFIX}{node}{RECEIPT_SUFFIX}"


def writer_of(name: str) -> str | None:
    """The first 8 characters of the node that wrote sync file ``name``, or None."""
    found = _SYNC_NAME.match(name)
    return found.group(1) if found else None


def _sign(secret: bytes, body: bytes) -> str:
    return SIGNATURE_PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()


def encode_receipt(
    secret: bytes, node: str, store: str, written_at: str, applied: Iterable[str]
) -> bytes:
    body = (
        json.dumps(
            {
                "format": FORMAT,
                "version": VERSION,
                "node": node,
                "store": store,
                "written_at": written_at,
                "applied": sorted(applied),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        + b"\n"
    )
    return body + json.dumps({"signature": _sign(secret, body)}).encode() + b"\n"


def decode_receipt(secret: bytes, data: bytes) -> Receipt:
    """A verified receipt, or :class:`SyncFileRejected` with the reason."""
    cut = data.find(b"\n") + 1
    body, last = data[:cut], data[cut:]
    try:
        signature = json.loads(last)["signature"]
        head = json.loads(body)
    except (ValueError, KeyError, TypeError):
        raise SyncFileRejected(_("the receipt cannot be read")) from None
    if not isinstance(signature, str) or not hmac.compare_digest(signature, _sign(secret, body)):
        raise SyncFileRejected(
            _("the signature does not match: the file was changed or another secret signed it")
        )
    applied = head.get("applied") if isinstance(head, dict) else None
    node = head.get("node") if isinstance(head, dict) else None
    if (
        head.get("format") != FORMAT
        or head.get("version") != VERSION
        or not isinstance(node, str)
        or not _NODE.match(node)
        or not isinstance(applied, list)
        or not all(isinstance(n, str) for n in applied)
    ):
        raise SyncFileRejected(_("the receipt cannot be read"))
    return Receipt(
        node=node,
        store=str(head.get("store", "")),
        written_at=str(head.get("written_at", "")),
        applied=frozenset(applied),
    )


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes.

    No symlink is followed and a FIFO or device never blocks (opened non-blocking, checked
    before reading); else :class:`OSError` or :class:`SyncFileRejected`.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SyncFileRejected(_("not a regular file"))
        if info.st_size > limit:
            raise SyncFileRejected(_("the file is too large"))
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:
            raise SyncFileRejected(_("the file is too large"))
        return data
    finally:
        os.close(fd)
