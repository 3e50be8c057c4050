"""The audit trail becomes append-only and hash-chained (issue 13, item 6).

New columns: who allowed the action (``approver``), the member it concerns, where it happened
(node, store, till), and the chain: ``detail_salt`` and ``detail_digest`` (the hash covers the
digest, so erasure can redact the details), ``prev_hash`` and ``row_hash``. Existing rows are
chained here, in id order, on this node's till-0 chain (the till that wrote them is unknown).
Triggers then refuse UPDATE (except of the details and their salt) and DELETE, on SQLite and on
PostgreSQL.

Revision ID: 0017_audit_chain
"""

import json
import secrets

import sqlalchemy as sa
from alembic import op

from app.domain.audit_chain import GENESIS, ChainFields, detail_digest, row_hash
from app.store.types import UTCDateTime

revision = "0017_audit_chain"
down_revision = "0016_staff"
branch_labels = None
depends_on = None

# Every column but the details and their salt: what the hash covers, or the row's identity.
LOCKED = (
    "id, at, actor, approver, action, entity, entity_id, member_id, node, store_code, till, "
    "detail_digest, prev_hash, row_hash"
)
MESSAGE = "audit rows are append-only"

SQLITE_TRIGGERS = (
    f"CREATE TRIGGER audit_entry_no_update BEFORE UPDATE OF {LOCKED} ON audit_entry "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
)
PG_TRIGGERS = (
    "CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$",
    f"CREATE TRIGGER audit_entry_no_update BEFORE UPDATE OF {LOCKED} ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
    "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
)

NEW_COLUMNS = (
    sa.Column("approver", sa.String(80), nullable=True),
    sa.Column("member_id", sa.Integer(), nullable=True),
    sa.Column("node", sa.String(36), nullable=False, server_default=""),
    sa.Column("store_code", sa.String(3), nullable=False, server_default=""),
    sa.Column("till", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("detail_salt", sa.String(32), nullable=False, server_default=""),
    sa.Column("detail_digest", sa.String(64), nullable=False, server_default=""),
    sa.Column("prev_hash", sa.String(64), nullable=False, server_default=""),
    sa.Column("row_hash", sa.String(64), nullable=False, server_default=""),
)


def _setting(conn: sa.Connection, key: str, default: str) -> str:
    value = conn.execute(sa.text("SELECT value FROM setting WHERE key = :k"), {"k": key}).scalar()
    return str(json.loads(value)) if value is not None else default


def _chain_existing(conn: sa.Connection) -> None:
    node = _setting(conn, "sync.node_id", "")
    store = _setting(conn, "shop.store_code", "001")
    audit = sa.table(
        "audit_entry",
        sa.column("id", sa.Integer()),
        sa.column("at", UTCDateTime()),
        sa.column("actor", sa.String()),
        sa.column("action", sa.String()),
        sa.column("entity", sa.String()),
        sa.column("entity_id", sa.String()),
        sa.column("detail", sa.Text()),
    )
    sale_member: dict[int, int] = {
        r[0]: r[1] for r in conn.execute(sa.text("SELECT id, member_id FROM sale"))
    }
    rows = conn.execute(sa.select(audit).order_by(audit.c.id)).all()
    prev = GENESIS
    updates = []
    for r in rows:
        member: int | None = None
        if r.entity == "member" and r.entity_id.isdigit():
            member = int(r.entity_id)
        elif r.entity == "sale" and r.entity_id.isdigit():
            member = sale_member.get(int(r.entity_id))
        salt = secrets.token_hex(16)
        fields = ChainFields(
            node=node,
            till=0,
            at=r.at,
            actor=r.actor,
            approver=None,
            action=r.action,
            entity=r.entity,
            entity_id=r.entity_id,
            member_id=member,
            store_code=store,
            digest=detail_digest(salt, r.detail),
        )
        digest_hash = row_hash(prev, fields)
        updates.append(
            {
                "rid": r.id,
                "member_id": member,
                "node": node,
                "store_code": store,
                "detail_salt": salt,
                "detail_digest": fields.digest,
                "prev_hash": prev,
                "row_hash": digest_hash,
            }
        )
        prev = digest_hash
    if updates:
        conn.execute(
            sa.text(
                "UPDATE audit_entry SET member_id = :member_id, node = :node, till = 0, "
                "store_code = :store_code, detail_salt = :detail_salt, "
                "detail_digest = :detail_digest, prev_hash = :prev_hash, row_hash = :row_hash "
                "WHERE id = :rid"
            ),
            updates,
        )


def upgrade() -> None:
    for column in NEW_COLUMNS:
        op.add_column("audit_entry", column)
    conn = op.get_bind()
    _chain_existing(conn)
    op.create_index("ix_audit_entry_chain", "audit_entry", ["node", "till", "id"])
    op.create_index("ix_audit_entry_member", "audit_entry", ["member_id", "id"])
    for statement in PG_TRIGGERS if conn.dialect.name == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    conn = op.get_bind()
    op.execute("DROP TRIGGER IF EXISTS audit_entry_no_update" + _on(conn))
    op.execute("DROP TRIGGER IF EXISTS audit_entry_no_delete" + _on(conn))
    if conn.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_entry_append_only()")
    op.drop_index("ix_audit_entry_member", "audit_entry")
    op.drop_index("ix_audit_entry_chain", "audit_entry")
    for column in reversed(NEW_COLUMNS):
        op.drop_column("audit_entry", column.name)


def _on(conn: sa.Connection) -> str:
    return " ON audit_entry" if conn.dialect.name == "postgresql" else ""
