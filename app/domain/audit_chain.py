"""The audit trail's hash chain (pure): what a row's hash covers and how a chain is verified.

Each row carries the hash of the previous row of its chain (one chain per node and till) and
its own hash over its fields. The free-text details are not hashed themselves: the row hashes
their digest, ``sha256(salt + detail)`` with a random per-row salt kept beside the details.
Erasure may then replace the details and clear the salt (no personal data left, not even as a
digest that could be guessed) while every row hash, and so the chain, stays verifiable; the
erasure writes a redaction row (itself chained) naming each row it redacted with the digest of
the new details, so a detail changed without one is still found.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS = "0" * 64
REDACT_ACTION = "audit.redact"


def detail_digest(salt: str, detail: str) -> str:
    """The digest of a row's details that its hash covers."""
    return hashlib.sha256((salt + detail).encode()).hexdigest()


def stamp(at: datetime) -> str:
    """A timestamp as the hash sees it: UTC, microseconds."""
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


@dataclass(frozen=True)
class ChainFields:
    """What a row's hash covers (besides the previous row's hash)."""

    node: str
    till: int
    at: datetime
    actor: str
    approver: str | None
    action: str
    entity: str
    entity_id: str
    member_id: int | None
    store_code: str
    digest: str


def row_hash(prev_hash: str, fields: ChainFields) -> str:
    """The hash of a row: sha256 over the previous hash and the row's fields, canonical JSON."""
    data = [
        prev_hash,
        fields.node,
        fields.till,
        stamp(fields.at),
        fields.actor,
        fields.approver,
        fields.action,
        fields.entity,
        fields.entity_id,
        fields.member_id,
        fields.store_code,
        fields.digest,
    ]
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class StoredRow:
    """An audit row as read back for verification."""

    id: int
    fields: ChainFields
    detail: str
    salt: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Break:
    """The first row of a chain that does not verify, and why (a reason code)."""

    row_id: int
    node: str
    till: int
    reason: str  # "prev_hash", "hash" or "detail"


def redactions_of(detail: str) -> dict[int, str]:
    """The rows a redaction row names, with the digest of their new details."""
    try:
        rows = json.loads(detail).get("rows", {})
        return {int(key): str(value) for key, value in rows.items()}
    except (ValueError, AttributeError, TypeError):
        return {}


def verify_chain(rows: Iterable[StoredRow], redacted: Mapping[int, str]) -> Break | None:
    """The first broken row of one chain (rows in id order), or None when all of it verifies.

    ``redacted`` maps a row id to the digest of the details a redaction row gave it.
    """
    prev = GENESIS
    for row in rows:
        f = row.fields
        if row.prev_hash != prev:
            return Break(row.id, f.node, f.till, "prev_hash")
        if row_hash(prev, f) != row.hash:
            return Break(row.id, f.node, f.till, "hash")
        digest = detail_digest(row.salt, row.detail)
        if digest != f.digest and redacted.get(row.id) != digest:
            return Break(row.id, f.node, f.till, "detail")
        prev = row.hash
    return None
