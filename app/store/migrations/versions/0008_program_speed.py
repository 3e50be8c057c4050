"""Indexes for the program rules at the till: a member's reads stay on the index (1M members).

The member panel and every checkout ask, for one member: the qualifying spend of the last 12
months, when each bonus was last given, how many points were earned since a moment, and which
newest earnings cover the balance. With indexes on ``member_id`` (and ``created_at`` for sales)
alone, each of these fetched every matching row from the table, one page per row for a regular
whose rows lie among everyone else's, and sorted the ledger rows. Now:

- ``ix_sale_member_created (member_id, created_at, id, to_pay_cents, refunded_cents,
  amount_cents)`` carries what the spend adds up: a range of the index, no table rows. Same name
  and leading columns as before (the recent sales still read it newest first, now without a
  sort on the ``id`` tie-break).
- ``ix_ledger_member_created (member_id, created_at, id, points)`` holds a member's rows in time
  order with their points: "earned since" is a range of the index and the newest earnings are
  read backwards from its end, page by page, without touching the table. It replaces
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
SPEND = ["member_id", "created_at", "id", "to_pay_cents", "refunded_cents", "amount_cents"]


def upgrade() -> None:
    op.drop_index("ix_sale_member_created", "sale")
    op.create_index("ix_sale_member_created", "sale", SPEND)
    op.drop_index("ix_ledger_entry_member_id", "ledger_entry")
    op.create_index(
        "ix_ledger_member_created", "ledger_entry", ["member_id", "created_at", "id", "points"]
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
    op.drop_index("ix_sale_member_created", "sale")
    op.create_index("ix_sale_member_created", "sale", ["member_id", "created_at"])
