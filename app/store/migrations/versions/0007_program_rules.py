"""Program rules: who referred a member (the referral bonus is paid at their first purchase).

Tiers, campaigns, bonuses and expiry are settings (JSON in the ``setting`` table); only the
referral needs a column.

Revision ID: 0007_program_rules
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_program_rules"
down_revision = "0006_coupons_stamps"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member") as batch:
        # The member id of the referrer (no foreign key: a merged or erased referrer keeps
        # its row as a tombstone, and the referral is only a fact about the past).
        batch.add_column(sa.Column("referred_by", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("member") as batch:
        batch.drop_column("referred_by")
