"""Ledger indexes for the program rules at the till (1M members).

The member panel and every checkout ask, for one member: when was each bonus last given, how
many points were earned since a moment, and which newest earnings cover the balance. With an
index on ``member_id`` alone each of these read all of the member's ledger rows from the table
and sorted them. Now:

- ``ix_ledger_member_created (member_id, created_at, points)`` holds a member's rows in time
  order and carries the points: "earned since" is a range of the index and the newest earnings
  are read backwards from its end, page by page, without touching the table. It replaces
  ``ix_ledger_entry_member_id``, a leading prefix of it, so a sale writes no more index entries
  than before.
- ``ix_ledger_member_bonus (member_id, kind, created_at)``, partial: only the bonus rows
  (signup, profile, referral, birthday), so it stays small and the earn and redeem rows of a
  sale do not touch it; "last birthday gift" is one seek.

Revision ID: 0008_program_speed
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_program_speed"
down_revision = "0007_program_rules"
branch_labels = None
depends_on = None

BONUS_ROWS = "kind IN ('signup', 'profile', 'referral', 'birthday')"


def upgrade() -> None:
    op.drop_index("ix_ledger_entry_member_id", "ledger_entry")
    op.create_index(
        "ix_ledger_member_created", "ledger_entry", ["member_id", "created_at", "points"]
    )
    op.create_index(
        "ix_ledger_member_bonus",
        "ledger_entry",
        ["member_id", "kind", "created_at"],
        sqlite_where=sa.text(BONUS_ROWS),
        postgresql_where=sa.text(BONUS_ROWS),
    )


def downgrade() -> None:
    op.drop_index("ix_ledger_member_bonus", "ledger_entry")
    op.drop_index("ix_ledger_member_created", "ledger_entry")
    op.create_index("ix_ledger_entry_member_id", "ledger_entry", ["member_id"])
