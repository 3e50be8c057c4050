"""Folded search keys on members (case/accent-insensitive prefix search), filled for existing rows.

Revision ID: 0002_search_keys
"""

import sqlalchemy as sa
from alembic import op

from app.domain.profile import digits_of, fold, national_digits

revision = "0002_search_keys"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

KEYS = ("first_key", "last_key", "email_key", "phone_national", "phone_international")


def _key(length: int) -> sa.types.TypeEngine:
    # Prefix search reads an index range (key >= 'mull' AND key < 'mulm') and pages sort in
    # Python too: both need plain code point order, which a PostgreSQL database with a
    # language collation (en_US: punctuation and spaces ignored) does not give.
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("member") as batch:
        batch.add_column(sa.Column("first_key", _key(80), nullable=False, server_default=""))
        batch.add_column(sa.Column("last_key", _key(80), nullable=False, server_default=""))
        batch.add_column(sa.Column("email_key", _key(254)))
        batch.add_column(sa.Column("phone_national", _key(20)))
        batch.add_column(sa.Column("phone_international", _key(20)))
    conn = op.get_bind()
    member = sa.table(
        "member",
        sa.column("id", sa.Integer),
        sa.column("first_name", sa.String),
        sa.column("last_name", sa.String),
        sa.column("email", sa.String),
        sa.column("phone", sa.String),
        *(sa.column(k, sa.String) for k in KEYS),
    )
    rows = conn.execute(
        sa.select(
            member.c.id, member.c.first_name, member.c.last_name, member.c.email, member.c.phone
        )
    ).all()
    for row in rows:
        conn.execute(
            member.update()
            .where(member.c.id == row.id)
            .values(
                first_key=fold(row.first_name),
                last_key=fold(row.last_name),
                email_key=fold(row.email) if row.email else None,
                phone_national=national_digits(row.phone, "DE") if row.phone else None,
                phone_international=digits_of(row.phone) if row.phone else None,
            )
        )
    for key in KEYS:
        op.create_index(f"ix_member_{key}", "member", [key])


def downgrade() -> None:
    for key in KEYS:
        op.drop_index(f"ix_member_{key}", "member")
    with op.batch_alter_table("member") as batch:
        for key in KEYS:
            batch.drop_column(key)
