"""Member desk: tier name, merged members, and indexes for paging through a million members.

Revision ID: 0003_member_desk
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_member_desk"
down_revision = "0002_search_keys"
branch_labels = None
depends_on = None

# Each sort order of the members list walks one of these indexes (keyset paging).
INDEXES = {
    "ix_member_name_order": ["last_key", "first_key", "id"],
    "ix_member_points_order": ["points_balance", "id"],
    "ix_member_created_order": ["created_at", "id"],
}


def upgrade() -> None:
    with op.batch_alter_table("member") as batch:
        batch.add_column(sa.Column("tier", sa.String(40)))
        batch.add_column(sa.Column("merged_into", sa.Integer()))
    for name, columns in INDEXES.items():
        op.create_index(name, "member", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, "member")
    with op.batch_alter_table("member") as batch:
        batch.drop_column("merged_into")
        batch.drop_column("tier")
