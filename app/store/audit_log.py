"""The audit table's chained rows: append one, read the chains back, redact details.

Rows are append-only: triggers (migration 0017_audit_chain) refuse UPDATE and DELETE, except
an update of the details and their salt, which erasure uses (see app/domain/audit_chain.py).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, text, update

from app.domain.audit_chain import (
    GENESIS,
    REDACT_ACTION,
    ChainFields,
    StoredRow,
    detail_digest,
    redactions_of,
    row_hash,
)
from app.store.tables import AUDIT

_INSERT = insert(AUDIT)
_HEAD_SQL = text(
    "SELECT row_hash FROM audit_entry WHERE node = :node AND till = :till ORDER BY id DESC LIMIT 1"
)
_HEAD_SQLITE = (
    "SELECT row_hash FROM audit_entry WHERE node = ? AND till = ? ORDER BY id DESC LIMIT 1"
)


@dataclass(frozen=True)
class NewEntry:
    """An audit row to append: who, who allowed it, what, about which member, where, when."""

    at: datetime
    actor: str
    approver: str | None
    action: str
    entity: str
    entity_id: str
    member_id: int | None
    node: str
    store_code: str
    till: int
    detail: dict[str, object]


def _lock_chain(conn: Connection, node: str, till: int) -> None:
    """On PostgreSQL, serialise writers of one chain (two processes of one till)."""
    key = int.from_bytes(hashlib.sha256(f"audit:{node}:{till}".encode()).digest()[:8], "big")
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key - (1 << 63)})


def _head(conn: Connection, node: str, till: int) -> str:
    """The newest hash of the chain (GENESIS for a new one), its writers serialised."""
    if conn.dialect.name == "sqlite":
        # Every sale asks: on the driver connection of this transaction, a fifth of the time
        # of a SQLAlchemy statement. The file's write lock (BEGIN IMMEDIATE) is held already.
        raw = conn.connection.dbapi_connection
        assert raw is not None
        row = raw.execute(_HEAD_SQLITE, (node, till)).fetchone()
        return str(row[0]) if row is not None else GENESIS
    _lock_chain(conn, node, till)
    found = conn.execute(_HEAD_SQL, {"node": node, "till": till}).scalar()
    return str(found) if found is not None else GENESIS


def append(conn: Connection, entry: NewEntry) -> None:
    """Append ``entry`` to its chain (node + till), in the caller's transaction."""
    prev = _head(conn, entry.node, entry.till)
    detail = json.dumps(entry.detail, default=str, ensure_ascii=False)
    salt = secrets.token_hex(16)
    fields = ChainFields(
        node=entry.node,
        till=entry.till,
        at=entry.at,
        actor=entry.actor,
        approver=entry.approver,
        action=entry.action,
        entity=entry.entity,
        entity_id=entry.entity_id,
        member_id=entry.member_id,
        store_code=entry.store_code,
        digest=detail_digest(salt, detail),
    )
    conn.execute(
        _INSERT,
        {
            "at": entry.at,
            "actor": entry.actor,
            "approver": entry.approver,
            "action": entry.action,
            "entity": entry.entity,
            "entity_id": entry.entity_id,
            "member_id": entry.member_id,
            "node": entry.node,
            "store_code": entry.store_code,
            "till": entry.till,
            "detail": detail,
            "detail_salt": salt,
            "detail_digest": fields.digest,
            "prev_hash": prev,
            "row_hash": row_hash(prev, fields),
        },
    )


def redact(conn: Connection, new_details: dict[int, dict[str, object]]) -> dict[int, str]:
    """Replace the details of rows (by id) and clear their salt; the new digests by row id.

    The caller appends a redaction row listing the returned digests in the same transaction.
    """
    digests: dict[int, str] = {}
    for row_id, detail in new_details.items():
        text_ = json.dumps(detail, default=str, ensure_ascii=False)
        conn.execute(update(AUDIT).where(AUDIT.c.id == row_id).values(detail=text_, detail_salt=""))
        digests[row_id] = detail_digest("", text_)
    return digests


def chain_rows(conn: Connection) -> Iterator[StoredRow]:
    """Every audit row, chain by chain (node, till), each chain in id order."""
    a = AUDIT.c
    query = select(
        a.id,
        a.node,
        a.till,
        a.at,
        a.actor,
        a.approver,
        a.action,
        a.entity,
        a.entity_id,
        a.member_id,
        a.store_code,
        a.detail,
        a.detail_salt,
        a.detail_digest,
        a.prev_hash,
        a.row_hash,
    ).order_by(a.node, a.till, a.id)
    for r in conn.execute(query.execution_options(yield_per=2000)):
        yield StoredRow(
            id=r.id,
            fields=ChainFields(
                node=r.node,
                till=r.till,
                at=r.at,
                actor=r.actor,
                approver=r.approver,
                action=r.action,
                entity=r.entity,
                entity_id=r.entity_id,
                member_id=r.member_id,
                store_code=r.store_code,
                digest=r.detail_digest,
            ),
            detail=r.detail,
            salt=r.detail_salt,
            prev_hash=r.prev_hash,
            hash=r.row_hash,
        )


def redactions(conn: Connection) -> dict[int, str]:
    """Every row a redaction row names, with the digest its new details must have."""
    found: dict[int, str] = {}
    for (detail,) in conn.execute(select(AUDIT.c.detail).where(AUDIT.c.action == REDACT_ACTION)):
        found.update(redactions_of(detail))
    return found
