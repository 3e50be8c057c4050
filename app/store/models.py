"""The tables. Money in integer cents, points in integers, timestamps aware and in UTC."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import date, datetime

import uuid6
from sqlalchemy import Column, Index, Text, text
from sqlmodel import Field, SQLModel

from app.store.types import UTCDateTime

# The ledger rows of the bonuses given once (or once a year): ix_ledger_member_bonus holds only
# these, and a query uses it only when it repeats this condition word for word.
BONUS_ROWS = "kind IN ('signup', 'profile', 'referral', 'birthday')"
# Sales and refunds a register sent with a request id (its receipt number): unique per shop and
# till, and only those rows are in the index (migration 0009).
HAS_REQUEST = "request_id IS NOT NULL"
# The member rows of a running bulk job (ix_member_job holds only these).
JOB_ROWS = "job_id IS NOT NULL"


# Migration 0018: the search's covering indexes, as (name, columns); the variant key ones hold
# only the rows that have the key.
_NAME_ORDER_COLUMNS = ("last_key", "first_key", "id", "email_key", "first_alt", "last_alt")
_FIRST_ORDER_COLUMNS = ("first_key", "last_key", "id", "email_key", "first_alt", "last_alt")
_EMAIL_ORDER_COLUMNS = ("email_key", "last_key", "first_key", "id", "first_alt", "last_alt")
VARIANT_INDEXES = {
    "ix_member_first_alt_order": (
        "first_alt",
        "last_key",
        "first_key",
        "id",
        "email_key",
        "last_alt",
    ),
    "ix_member_last_alt_order": (
        "last_alt",
        "last_key",
        "first_key",
        "id",
        "email_key",
        "first_alt",
    ),
    "ix_member_email_domain_order": (
        "email_domain",
        "last_key",
        "first_key",
        "id",
        "email_key",
        "first_alt",
        "last_alt",
    ),
    "ix_member_phone_reversed_order": ("phone_reversed", "last_key", "first_key", "id"),
}
SEARCH_ORDER_INDEXES = {
    "ix_member_name_order": _NAME_ORDER_COLUMNS,
    "ix_member_first_order": _FIRST_ORDER_COLUMNS,
    "ix_member_email_order": _EMAIL_ORDER_COLUMNS,
}


def _variant_indexes() -> list[Index]:
    return [
        Index(
            name,
            *columns,
            sqlite_where=text(f"{columns[0]} IS NOT NULL"),
            postgresql_where=text(f"{columns[0]} IS NOT NULL"),
        )
        for name, columns in VARIANT_INDEXES.items()
    ]


def new_uuid() -> str:
    """A row's name across the shops of a chain: a UUIDv7, random but ordered by time.

    Ordered by time, new rows land at the end of the UUID indexes instead of at random places
    in them, so inserts (checkout, sync import) touch a few hot pages even at millions of rows.
    """
    return str(uuid6.uuid7())


def new_uuids() -> Iterator[str]:
    """UUIDv7s for a bulk insert, ordered like :func:`new_uuid`'s but made ~5x faster.

    One clock reading, then a 12-bit counter in ``rand_a`` (RFC 9562, method 1) that moves the
    millisecond on when it runs over; ``rand_b`` stays random.
    """
    millis = time.time_ns() // 1_000_000
    counter = 0
    bits = random.Random().getrandbits  # seeded from os.urandom
    while True:
        value = (millis << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | bits(62)
        text = f"{value:032x}"
        yield f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
        counter += 1
        if counter == 4096:
            counter = 0
            millis += 1


def _ts(nullable: bool = False, index: bool = False) -> datetime:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class Member(SQLModel, table=True):
    """A member of the loyalty program, with the cached points balance."""

    # As the migrations create them (0003, 0004): search and list pages read these in order.
    __table_args__ = (
        # The name and email orders carry the other words' keys (alt names: migration 0018).
        Index("ix_member_name_order", *_NAME_ORDER_COLUMNS),
        Index("ix_member_first_order", *_FIRST_ORDER_COLUMNS),
        Index("ix_member_email_order", *_EMAIL_ORDER_COLUMNS),
        *_variant_indexes(),
        Index("ix_member_phone_national_order", "phone_national", "last_key", "first_key", "id"),
        Index(
            "ix_member_phone_international_order",
            "phone_international",
            "last_key",
            "first_key",
            "id",
        ),
        Index("ix_member_points_order", "points_balance", "id"),
        Index("ix_member_created_order", "created_at", "id"),
        # Only the rows of a running member import (migration 0009).
        Index(
            "ix_member_job",
            "job_id",
            "id",
            sqlite_where=text(JOB_ROWS),
            postgresql_where=text(JOB_ROWS),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=new_uuid, unique=True, max_length=36)
    salutation: str = Field(default="", max_length=8)
    first_name: str = Field(max_length=80)
    last_name: str = Field(max_length=80)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=20)
    birthday: date | None = None
    postcode: str | None = Field(default=None, max_length=10)
    marketing_consent: bool = False
    consent_at: datetime | None = _ts(nullable=True)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    points_balance: int = 0
    status: str = Field(default="active", max_length=12)
    home_store: str = Field(default="001", max_length=3)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    last_visit_at: datetime | None = _ts(nullable=True)
    # Folded copies for case- and accent-insensitive prefix search on an index.
    # Indexed in __table_args__, each with the name order after it (migration 0004).
    first_key: str = Field(default="", max_length=80)
    last_key: str = Field(default="", max_length=80)
    email_key: str | None = Field(default=None, max_length=254)
    phone_national: str | None = Field(default=None, max_length=20)
    phone_international: str | None = Field(default=None, max_length=20)
    # Migration 0018 (see app.domain.profile.SearchKeys): NULL where there is nothing to find.
    first_alt: str | None = Field(default=None, max_length=80)
    last_alt: str | None = Field(default=None, max_length=80)
    email_domain: str | None = Field(default=None, max_length=254)
    phone_reversed: str | None = Field(default=None, max_length=20)
    tier: str | None = Field(default=None, max_length=40)
    # Set when this member was merged into another; the row stays as a tombstone.
    merged_into: int | None = None
    # The store whose edit the profile holds: sync's last-writer-wins breaks ties on it.
    updated_store: str = Field(default="", max_length=3)
    # The member who brought this one (both get the referral bonus at the first purchase).
    referred_by: int | None = None
    # The bulk job (a member import) that wrote this row and has not finished yet: the member
    # is hidden until that job is published (store/jobs.py). NULL for every settled member.
    job_id: int | None = None


class BulkJob(SQLModel, table=True):
    """A long job written in short slices (a member import): hidden until published."""

    __tablename__ = "bulk_job"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24)
    # staging -> published (then deleted once its rows are settled); a failed job is removed.
    state: str = Field(max_length=12)
    # host:pid of the process writing it: a dead owner's unpublished job is removed.
    owner: str = Field(max_length=120)
    started_at: datetime = _ts()
    heartbeat_at: datetime = _ts()
    # The highest card number the job will write: a till enrolling meanwhile continues after it.
    reserved_card: str | None = Field(default=None, max_length=13)


class Card(SQLModel, table=True):
    """A card number of a member: the current one, or a former (replaced or blocked) one."""

    number: str = Field(primary_key=True, max_length=13)
    member_id: int = Field(foreign_key="member.id", index=True)
    status: str = Field(default="active", max_length=12)
    issued_at: datetime = _ts()
    printed_at: datetime | None = _ts(nullable=True)
    blocked_at: datetime | None = _ts(nullable=True)
    replaced_by: str | None = Field(default=None, max_length=13)


class Sale(SQLModel, table=True):
    """A checkout: what was bought, paid in money and in points, and what it earned."""

    # Carries what the qualifying spend adds up, so a member's spend never reads the table
    # (migration 0008).
    __table_args__ = (
        Index(
            "ix_sale_member_created",
            "member_id",
            "created_at",
            "id",
            "to_pay_cents",
            "refunded_cents",
            "amount_cents",
        ),
        Index(
            "ux_sale_request",
            "store_code",
            "till",
            "request_id",
            unique=True,
            sqlite_where=text(HAS_REQUEST),
            postgresql_where=text(HAS_REQUEST),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=new_uuid, unique=True, max_length=36)
    member_id: int = Field(foreign_key="member.id")
    card_number: str = Field(max_length=13)
    amount_cents: int
    discount_cents: int = 0
    coupon_code: str | None = Field(default=None, max_length=40)
    points_redeemed: int = 0
    redeem_value_cents: int = 0
    to_pay_cents: int
    points_earned: int = 0
    refunded_cents: int = 0
    store_code: str = Field(max_length=3)
    till: int = 1
    actor: str = Field(default="", max_length=80)
    created_at: datetime = _ts()
    request_id: str | None = Field(default=None, max_length=64)
    """The register's id for the request (its receipt number): a retry is answered, not booked."""
    request_result: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """What was asked and answered the first time (JSON), for the replay."""


class Refund(SQLModel, table=True):
    """A full or partial refund of a sale."""

    __table_args__ = (
        Index(
            "ux_refund_request",
            "store_code",
            "till",
            "request_id",
            unique=True,
            sqlite_where=text(HAS_REQUEST),
            postgresql_where=text(HAS_REQUEST),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=new_uuid, unique=True, max_length=36)
    sale_id: int = Field(foreign_key="sale.id", index=True)
    amount_cents: int
    money_back_cents: int
    points_reversed: int = 0
    points_returned: int = 0
    points_not_recovered: int = 0
    store_code: str = Field(max_length=3)
    till: int = 1
    actor: str = Field(default="", max_length=80)
    created_at: datetime = _ts()
    request_id: str | None = Field(default=None, max_length=64)
    """As a sale's: the register's id for the refund."""
    request_result: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class LedgerEntry(SQLModel, table=True):
    """One change of a member's points. Append-only: the balance is the sum of these rows."""

    __tablename__ = "ledger_entry"
    # The program's reads at the till (migration 0008): a member's rows in time order with
    # their points, and the bonus rows alone (partial) by kind.
    __table_args__ = (
        Index("ix_ledger_member_created", "member_id", "created_at", "id", "points"),
        Index(
            "ix_ledger_member_bonus",
            "member_id",
            "kind",
            "created_at",
            sqlite_where=text(BONUS_ROWS),
            postgresql_where=text(BONUS_ROWS),
        ),
        # The reports' points of a period per kind (migration 0010).
        Index("ix_ledger_created", "created_at", "kind", "points"),
    )

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=new_uuid, unique=True, max_length=36)
    member_id: int = Field(foreign_key="member.id")
    points: int
    kind: str = Field(max_length=24)
    reason: str = Field(default="", max_length=200)
    sale_id: int | None = Field(default=None, foreign_key="sale.id", index=True)
    refund_id: int | None = Field(default=None, foreign_key="refund.id")
    actor: str = Field(default="", max_length=80)
    store_code: str = Field(max_length=3)
    till: int = 1
    created_at: datetime = _ts()


class Setting(SQLModel, table=True):
    """A program rule or shop setting, stored as JSON text."""

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = _ts()


class AuditEntry(SQLModel, table=True):
    """Who did what and when, who allowed it, where: append-only and hash-chained."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_chain", "node", "till", "id"),
        Index("ix_audit_entry_member", "member_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(index=True)
    actor: str = Field(default="", max_length=80)
    action: str = Field(max_length=40)
    entity: str = Field(max_length=40)
    entity_id: str = Field(max_length=64)
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    # The chain (migration 0017_audit_chain): see app/domain/audit_chain.py.
    approver: str | None = Field(default=None, max_length=80)
    member_id: int | None = Field(default=None)
    node: str = Field(default="", max_length=36)
    store_code: str = Field(default="", max_length=3)
    till: int = 0
    detail_salt: str = Field(default="", max_length=32)
    detail_digest: str = Field(default="", max_length=64)
    prev_hash: str = Field(default="", max_length=64)
    row_hash: str = Field(default="", max_length=64)


class SyncEvent(SQLModel, table=True):
    """A change another shop must see: written with the change, exported, applied elsewhere.

    This node's own events carry ``exported_file`` once written to a file; events from other
    shops carry ``applied_at``, or none while they wait for what they refer to (deferred).
    """

    __tablename__ = "sync_event"
    __table_args__ = (Index("ix_sync_event_export", "node", "exported_file", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=new_uuid, unique=True, max_length=36)
    node: str = Field(max_length=36)
    seq: int
    store_code: str = Field(max_length=3)
    till: int = 1
    kind: str = Field(max_length=16)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = _ts()
    exported_file: str | None = Field(default=None, max_length=120)
    applied_at: datetime | None = _ts(nullable=True)


class SyncFile(SQLModel, table=True):
    """A sync file from another shop that was applied here."""

    __tablename__ = "sync_file"

    name: str = Field(primary_key=True, max_length=120)
    node: str = Field(max_length=36)
    sha256: str = Field(max_length=64)
    events: int
    applied: int
    skipped: int
    deferred: int
    imported_at: datetime = _ts()


class SyncConflict(SQLModel, table=True):
    """What sync could not settle by itself, or settled by overwriting something (logged)."""

    __tablename__ = "sync_conflict"
    __table_args__ = (Index("ix_sync_conflict_open", "needs_owner", "resolved_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24)
    member_uuid: str | None = Field(default=None, max_length=36)
    event_uuid: str | None = Field(default=None, max_length=36)
    detail: str = Field(sa_column=Column(Text, nullable=False))
    needs_owner: bool = False
    created_at: datetime = _ts()
    resolved_at: datetime | None = _ts(nullable=True)
    resolved_by: str | None = Field(default=None, max_length=80)
    resolution: str | None = Field(default=None, sa_column=Column(Text))


class Coupon(SQLModel, table=True):
    """A coupon: one shared code (SUMMER10) or one code of a batch of single-use codes."""

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=new_uuid, unique=True, max_length=36)
    code: str = Field(unique=True, max_length=40)
    kind: str = Field(max_length=12)
    value: int = 0
    item: str = Field(default="", max_length=80)
    min_spend_cents: int = 0
    valid_from: date | None = None
    valid_until: date | None = None
    max_uses: int | None = None
    per_member: int | None = None
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    batch: str | None = Field(default=None, max_length=36, index=True)
    actor: str = Field(default="", max_length=80)
    store_code: str = Field(max_length=3)
    created_at: datetime = _ts()


class CouponRedemption(SQLModel, table=True):
    """A coupon used on a sale; ``undone_at`` is set when the whole sale was refunded."""

    __tablename__ = "coupon_redemption"
    __table_args__ = (Index("ix_coupon_redemption_member", "coupon_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=new_uuid, unique=True, max_length=36)
    coupon_id: int = Field(foreign_key="coupon.id")
    code: str = Field(max_length=40)
    sale_id: int = Field(foreign_key="sale.id", index=True)
    member_id: int = Field(foreign_key="member.id")
    discount_cents: int = 0
    points: int = 0
    store_code: str = Field(max_length=3)
    till: int = 1
    actor: str = Field(default="", max_length=80)
    created_at: datetime = _ts()
    undone_at: datetime | None = _ts(nullable=True)
    undone_refund_id: int | None = Field(default=None, foreign_key="refund.id")


class StampProgram(SQLModel, table=True):
    """A named stamp card: so many stamps give the reward. Removed programs stay for history."""

    __tablename__ = "stamp_program"

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=new_uuid, unique=True, max_length=36)
    name: str = Field(max_length=40)
    stamps_needed: int
    reward: str = Field(max_length=80)
    active: bool = True
    created_at: datetime = _ts()
    removed_at: datetime | None = _ts(nullable=True)


class Stamp(SQLModel, table=True):
    """One stamp (``kind`` "stamp") or a reward given for a full card (``kind`` "reward")."""

    __table_args__ = (Index("ix_stamp_member_program", "member_id", "program_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=new_uuid, unique=True, max_length=36)
    program_id: int = Field(foreign_key="stamp_program.id")
    member_id: int = Field(foreign_key="member.id")
    kind: str = Field(default="stamp", max_length=12)
    sale_id: int | None = Field(default=None, foreign_key="sale.id")
    actor: str = Field(default="", max_length=80)
    store_code: str = Field(max_length=3)
    till: int = 1
    created_at: datetime = _ts()


class Feedback(SQLModel, table=True):
    """A customer's answer to "How likely are you to recommend us?" (0–10), with a comment.

    ``member_id`` and ``comment`` are cleared when the member is erased: the score stays, with
    no link to a person (Net Promoter Score counts it anonymously).
    """

    __table_args__ = (Index("ix_feedback_created", "created_at", "score"),)

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=new_uuid, unique=True, max_length=36)
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    sale_id: int | None = Field(default=None, foreign_key="sale.id")
    score: int
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    store_code: str = Field(max_length=3)
    till: int = 1
    actor: str = Field(default="", max_length=80)
    created_at: datetime = _ts()


class Staff(SQLModel, table=True):
    """A person who works at the till: role, Argon2id hash of the PIN, and the lock-out.

    ``failures``, ``locks`` and ``locked_until`` are this shop's own (guessing here locks the
    person here); the rest travels through chain sync, the hash only encrypted.
    """

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(default_factory=new_uuid, unique=True, max_length=36)
    name: str = Field(max_length=40)
    name_key: str = Field(unique=True, max_length=40)
    role: str = Field(max_length=12)
    pin_hash: str = Field(max_length=200)
    active: bool = True
    number: int = Field(unique=True)
    failures: int = 0
    locks: int = 0
    locked_until: datetime | None = _ts(nullable=True)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    updated_store: str = Field(default="", max_length=3)
