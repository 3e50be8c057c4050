"""Search indexes in the order the search reads them, covering its filters (1M members).

Each search plan reads a range of one key (``muller`` on last names, ``anna`` on first names,
``anna.m`` on emails, ``0171 23`` on phone digits) and keeps the first members by name. With an
index on the key alone, a common prefix (33 000 "Anna" among a million members) meant reading
and sorting every member of the range. These indexes hold the range in name order, so the
search stops after the first screenful, and they carry the name and email keys, so the other
words of a query are checked on the index without reading the member rows.

Revision ID: 0004_search_order
"""

from alembic import op

revision = "0004_search_order"
down_revision = "0003_member_desk"
branch_labels = None
depends_on = None

# name -> columns; the name order index (members list paging) gains email_key as a payload.
NEW = {
    "ix_member_name_order": ["last_key", "first_key", "id", "email_key"],
    "ix_member_first_order": ["first_key", "last_key", "id", "email_key"],
    "ix_member_email_order": ["email_key", "last_key", "first_key", "id"],
    "ix_member_phone_national_order": ["phone_national", "last_key", "first_key", "id"],
    "ix_member_phone_international_order": ["phone_international", "last_key", "first_key", "id"],
}
# Replaced: each is a leading prefix of one of the above.
OLD = {
    "ix_member_name_order": ["last_key", "first_key", "id"],
    "ix_member_last_key": ["last_key"],
    "ix_member_first_key": ["first_key"],
    "ix_member_email_key": ["email_key"],
    "ix_member_phone_national": ["phone_national"],
    "ix_member_phone_international": ["phone_international"],
}


def upgrade() -> None:
    for name in OLD:
        op.drop_index(name, "member")
    for name, columns in NEW.items():
        op.create_index(name, "member", columns)


def downgrade() -> None:
    for name in NEW:
        op.drop_index(name, "member")
    for name, columns in OLD.items():
        op.create_index(name, "member", columns)
