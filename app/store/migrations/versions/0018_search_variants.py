"""Search the way a cashier types: transliterated names, an email's domain, a phone's end.

Four key columns beside those of 0002: ``first_alt`` / ``last_alt``, a name's German
transliteration where it has an umlaut (``Müller``: ``mueller``, so ``mueller`` finds him;
NULL for every other name), ``email_domain`` (``example.org``) and ``phone_reversed``, the
phone's digits backwards, whose prefix is the number's end (``9722233``). Each has a partial
index in name order, holding only the rows with the key. The name and email orders of 0004
also carry the alt names, so the other words of a search are still checked on the index.
Existing rows are filled in slices of 5 000 members (bounded memory), before the indexes are
built.

Revision ID: 0018_search_variants
"""

import sqlalchemy as sa
from alembic import op

from app.domain.profile import variant_keys

revision = "0018_search_variants"
down_revision = "0017_audit_chain"
branch_labels = None
depends_on = None

SLICE = 5_000
COLUMNS = {"first_alt": 80, "last_alt": 80, "email_domain": 254, "phone_reversed": 20}
OLD = {
    "ix_member_name_order": ["last_key", "first_key", "id", "email_key"],
    "ix_member_first_order": ["first_key", "last_key", "id", "email_key"],
    "ix_member_email_order": ["email_key", "last_key", "first_key", "id"],
}
NEW = {
    "ix_member_name_order": [*OLD["ix_member_name_order"], "first_alt", "last_alt"],
    "ix_member_first_order": [*OLD["ix_member_first_order"], "first_alt", "last_alt"],
    "ix_member_email_order": [*OLD["ix_member_email_order"], "first_alt", "last_alt"],
}
VARIANTS = {
    "ix_member_first_alt_order": [
        "first_alt",
        "last_key",
        "first_key",
        "id",
        "email_key",
        "last_alt",
    ],
    "ix_member_last_alt_order": [
        "last_alt",
        "last_key",
        "first_key",
        "id",
        "email_key",
        "first_alt",
    ],
    "ix_member_email_domain_order": [
        "email_domain",
        "last_key",
        "first_key",
        "id",
        "email_key",
        "first_alt",
        "last_alt",
    ],
    "ix_member_phone_reversed_order": ["phone_reversed", "last_key", "first_key", "id"],
}


def _key(length: int) -> sa.types.TypeEngine:
    # Plain code point order on PostgreSQL too, as for the keys of 0002 (prefix ranges).
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _backfill() -> None:
    conn = op.get_bind()
    member = sa.table(
        "member",
        sa.column("id", sa.Integer),
        sa.column("first_name", sa.String),
        sa.column("last_name", sa.String),
        sa.column("email", sa.String),
        sa.column("phone", sa.String),
        *(sa.column(name, sa.String) for name in COLUMNS),
    )
    update = (
        member.update()
        .where(member.c.id == sa.bindparam("member_id"))
        .values({name: sa.bindparam(f"new_{name}") for name in COLUMNS})
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(
                member.c.id,
                member.c.first_name,
                member.c.last_name,
                member.c.email,
                member.c.phone,
            )
            .where(member.c.id > last)
            .order_by(member.c.id)
            .limit(SLICE)
        ).all()
        if not rows:
            return
        params = []
        for row in rows:
            keys = variant_keys(row.first_name or "", row.last_name or "", row.email, row.phone)
            if any(keys):
                params.append(
                    {
                        "member_id": row.id,
                        **{f"new_{n}": k for n, k in zip(COLUMNS, keys, strict=True)},
                    }
                )
        if params:
            conn.execute(update, params)
        last = rows[-1].id


def upgrade() -> None:
    for name, length in COLUMNS.items():
        # Plain nullable columns: SQLite adds them in place, without copying the table.
        op.add_column("member", sa.Column(name, _key(length), nullable=True))
    _backfill()
    for name, columns in NEW.items():
        op.drop_index(name, "member")
        op.create_index(name, "member", columns)
    for name, columns in VARIANTS.items():
        where = sa.text(f"{columns[0]} IS NOT NULL")
        op.create_index(name, "member", columns, sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for name in VARIANTS:
        op.drop_index(name, "member")
    for name, columns in OLD.items():
        op.drop_index(name, "member")
        op.create_index(name, "member", columns)
    with op.batch_alter_table("member") as batch:
        for name in COLUMNS:
            batch.drop_column(name)
