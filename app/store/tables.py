"""The tables as SQLAlchemy Core objects, typed: the one way services and sync reach them.

SQLModel declares ``__table__`` only at run time, so every module that wanted Core statements
aliased it with a ``# type: ignore``. Here it is done once; rows are read by column name
(``row.balance`` or ``row._mapping["balance"]``), never by position.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table
from sqlmodel import SQLModel

from app.store.models import (
    AuditEntry,
    BulkJob,
    Card,
    Coupon,
    CouponRedemption,
    Feedback,
    LedgerEntry,
    Member,
    Refund,
    Sale,
    Setting,
    Staff,
    Stamp,
    StampProgram,
    SyncConflict,
    SyncEvent,
    SyncFile,
)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a SQLModel table class."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


MEMBER = table_of(Member)
CARD = table_of(Card)
SALE = table_of(Sale)
REFUND = table_of(Refund)
LEDGER = table_of(LedgerEntry)
SETTING = table_of(Setting)
AUDIT = table_of(AuditEntry)
SYNC_EVENT = table_of(SyncEvent)
SYNC_FILE = table_of(SyncFile)
SYNC_CONFLICT = table_of(SyncConflict)
COUPON = table_of(Coupon)
COUPON_REDEMPTION = table_of(CouponRedemption)
STAMP_PROGRAM = table_of(StampProgram)
STAMP = table_of(Stamp)
BULK_JOB = table_of(BulkJob)
FEEDBACK = table_of(Feedback)
STAFF = table_of(Staff)
