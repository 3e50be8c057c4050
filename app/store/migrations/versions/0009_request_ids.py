"""Request ids: a register's retry of a sale or refund is answered, not booked twice.

A register sends its receipt number as ``request_id``. It is unique per shop and till
(``store_code``, ``till``): two shops with the same receipt numbers never collide, and a sale
imported from another shop carries its own shop's scope. The index is partial (only rows with
a request id), so a sale without one writes no extra index entry. ``request_result`` holds the
answer given the first time (JSON: what was asked and what was booked), for the replay.

Revision ID: 0009_request_ids
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_request_ids"
down_revision = "0008_program_speed"
branch_labels = None
depends_on = None

HAS_REQUEST = "request_id IS NOT NULL"


def upgrade() -> None:
    for table in ("sale", "refund"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("request_id", sa.String(64), nullable=True))
            batch.add_column(sa.Column("request_result", sa.Text(), nullable=True))
        op.create_index(
            f"ux_{table}_request",
            table,
            ["store_code", "till", "request_id"],
            unique=True,
            sqlite_where=sa.text(HAS_REQUEST),
            postgresql_where=sa.text(HAS_REQUEST),
        )


def downgrade() -> None:
    for table in ("sale", "refund"):
        op.drop_index(f"ux_{table}_request", table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("request_result")
            batch.drop_column("request_id")
