"""Initial schema: members, cards, sales, refunds, points ledger, settings, audit trail.

Revision ID: 0001_initial
"""

import sqlalchemy as sa
from alembic import op

from app.store.types import UTCDateTime

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("salutation", sa.String(8), nullable=False, server_default=""),
        sa.Column("first_name", sa.String(80), nullable=False),
        sa.Column("last_name", sa.String(80), nullable=False),
        sa.Column("email", sa.String(254)),
        sa.Column("phone", sa.String(20)),
        sa.Column("birthday", sa.Date()),
        sa.Column("postcode", sa.String(10)),
        sa.Column("marketing_consent", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("consent_at", UTCDateTime()),
        sa.Column("notes", sa.Text(), nullable=False, server_default=""),
        sa.Column("points_balance", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("status", sa.String(12), nullable=False, server_default="active"),
        sa.Column("home_store", sa.String(3), nullable=False, server_default="001"),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("last_visit_at", UTCDateTime()),
    )
    op.create_table(
        "card",
        sa.Column("number", sa.String(13), primary_key=True),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=False),
        sa.Column("status", sa.String(12), nullable=False, server_default="active"),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("printed_at", UTCDateTime()),
        sa.Column("blocked_at", UTCDateTime()),
        sa.Column("replaced_by", sa.String(13)),
    )
    op.create_index("ix_card_member_id", "card", ["member_id"])
    op.create_table(
        "sale",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=False),
        sa.Column("card_number", sa.String(13), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("discount_cents", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("coupon_code", sa.String(40)),
        sa.Column("points_redeemed", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("redeem_value_cents", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("to_pay_cents", sa.Integer(), nullable=False),
        sa.Column("points_earned", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("refunded_cents", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("store_code", sa.String(3), nullable=False),
        sa.Column("till", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("actor", sa.String(80), nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_sale_member_created", "sale", ["member_id", "created_at"])
    op.create_table(
        "refund",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("sale_id", sa.Integer(), sa.ForeignKey("sale.id"), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("money_back_cents", sa.Integer(), nullable=False),
        sa.Column("points_reversed", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("points_returned", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("points_not_recovered", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("store_code", sa.String(3), nullable=False),
        sa.Column("till", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("actor", sa.String(80), nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_refund_sale_id", "refund", ["sale_id"])
    op.create_table(
        "ledger_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id"), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False, server_default=""),
        sa.Column("sale_id", sa.Integer(), sa.ForeignKey("sale.id")),
        sa.Column("refund_id", sa.Integer(), sa.ForeignKey("refund.id")),
        sa.Column("actor", sa.String(80), nullable=False, server_default=""),
        sa.Column("store_code", sa.String(3), nullable=False),
        sa.Column("till", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_ledger_entry_member_id", "ledger_entry", ["member_id"])
    op.create_index("ix_ledger_entry_sale_id", "ledger_entry", ["sale_id"])
    op.create_table(
        "setting",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False, server_default=""),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False, server_default="{}"),
    )
    op.create_index("ix_audit_entry_at", "audit_entry", ["at"])


def downgrade() -> None:
    for table in ("audit_entry", "setting", "ledger_entry", "refund", "sale", "card", "member"):
        op.drop_table(table)
