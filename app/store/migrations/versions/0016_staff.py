"""Staff accounts: name, role, Argon2id PIN hash, badge number and the lock-out (issue 13).

``name_key`` (the name folded) keeps two accounts from sharing a name a person types;
``failures``, ``locks`` and ``locked_until`` make a lock-out survive a restart.

Revision ID: 0016_staff
"""

import sqlalchemy as sa
from alembic import op

from app.store.types import UTCDateTime

revision = "0016_staff"
down_revision = "0015_feedback"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("name_key", sa.String(40), nullable=False, unique=True),
        sa.Column("role", sa.String(12), nullable=False),
        sa.Column("pin_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False, unique=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locks", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTCDateTime()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_store", sa.String(3), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("staff")
