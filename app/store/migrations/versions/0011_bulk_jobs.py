"""Long jobs in short slices: a member import's rows stay invisible until its job is published.

``bulk_job`` has one row per running (or interrupted) job. A member import writes its members
with ``member.job_id`` set, in slices of a few hundred rows, each its own short transaction; the
reads that show members (card lookup, checkout, search, lists, export) skip members whose job is
not published. Publishing is one tiny update of the job row; afterwards ``job_id`` is cleared in
slices and the job row deleted. ``ix_member_job`` is partial, so it holds only rows of running
jobs and costs an ordinary member nothing.

Revision ID: 0011_bulk_jobs
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_bulk_jobs"
down_revision = "0010_report_ledger"
branch_labels = None
depends_on = None

JOB_ROWS = "job_id IS NOT NULL"


def upgrade() -> None:
    op.create_table(
        "bulk_job",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("owner", sa.String(length=120), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=False),
        sa.Column("reserved_card", sa.String(length=13), nullable=True),
    )
    # A plain column (no foreign key): SQLite adds it in place, without copying the table.
    op.add_column("member", sa.Column("job_id", sa.Integer(), nullable=True))
    op.create_index(
        "ix_member_job",
        "member",
        ["job_id", "id"],
        sqlite_where=sa.text(JOB_ROWS),
        postgresql_where=sa.text(JOB_ROWS),
    )


def downgrade() -> None:
    op.drop_index("ix_member_job", "member")
    with op.batch_alter_table("member") as batch:
        batch.drop_column("job_id")
    op.drop_table("bulk_job")
