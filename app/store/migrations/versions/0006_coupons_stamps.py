"""Coupons and their redemptions; stamp programs and stamps (issue 4).

Revision ID: 0006_coupons_stamps
"""

import sqlalchemy as sa
from alembic import op

from app.store.types import UTCDateTime

revision = "0006_coupons_stamps"
down_revision = "0005_sync"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coupon",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("code", sa.String(40), nullable=False, unique=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(80), nullable=False),
        sa.Column("min_spend_cents", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date()),
        sa.Column("valid_until", sa.Date()),
        sa.Column("max_uses", sa.Integer()),
        sa.Column("per_member", sa.Integer()),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id")),
        sa.Column("batch", sa.String(36)),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("store_code", sa.String(3), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_coupon_member_id", "coupon", ["member_id"])
    op.create_index("ix_coupon_batch", "coupon", ["batch"])
    op.create_table(
        "coupon_redemption",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("coupon_id", sa.Integer(), sa.ForeignKey("coupon.id"), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("sale_id", sa.Integer(), sa.ForeignKey("sale.id"), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=False),
        sa.Column("discount_cents", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("store_code", sa.String(3), nullable=False),
        sa.Column("till", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("undone_at", UTCDateTime()),
        sa.Column("undone_refund_id", sa.Integer(), sa.ForeignKey("refund.id")),
    )
    # Counting a coupon's uses (in total and per member) under its row lock.
    op.create_index("ix_coupon_redemption_member", "coupon_redemption", ["coupon_id", "member_id"])
    op.create_index("ix_coupon_redemption_sale_id", "coupon_redemption", ["sale_id"])
    op.create_table(
        "stamp_program",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("stamps_needed", sa.Integer(), nullable=False),
        sa.Column("reward", sa.String(80), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("removed_at", UTCDateTime()),
    )
    op.create_table(
        "stamp",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("program_id", sa.Integer(), sa.ForeignKey("stamp_program.id"), nullable=False),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("sale_id", sa.Integer(), sa.ForeignKey("sale.id")),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("store_code", sa.String(3), nullable=False),
        sa.Column("till", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_stamp_member_program", "stamp", ["member_id", "program_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_stamp_member_program", "stamp")
    op.drop_table("stamp")
    op.drop_table("stamp_program")
    op.drop_index("ix_coupon_redemption_sale_id", "coupon_redemption")
    op.drop_index("ix_coupon_redemption_member", "coupon_redemption")
    op.drop_table("coupon_redemption")
    op.drop_index("ix_coupon_batch", "coupon")
    op.drop_index("ix_coupon_member_id", "coupon")
    op.drop_table("coupon")
