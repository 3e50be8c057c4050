"""Feedback at the till: a score 0–10 per answer, an optional comment (issue 14, item 3).

``ix_feedback_created (created_at, score)`` lets the reports count a period's promoters and
detractors from the index alone; ``member_id`` is indexed for the member panel's last score
and for erasure, which clears the link and the comment.

Revision ID: 0015_feedback
"""

import sqlalchemy as sa
from alembic import op

from app.store.types import UTCDateTime

revision = "0015_feedback"
down_revision = "0011_bulk_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("member_id", sa.Integer(), sa.ForeignKey("member.id")),
        sa.Column("sale_id", sa.Integer(), sa.ForeignKey("sale.id")),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("store_code", sa.String(3), nullable=False),
        sa.Column("till", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_feedback_created", "feedback", ["created_at", "score"])
    op.create_index("ix_feedback_member_id", "feedback", ["member_id"])


def downgrade() -> None:
    op.drop_table("feedback")
