"""Column types shared by the tables and the migrations."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import overload

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A time zone-aware timestamp, stored in UTC (naive in SQLite, timestamptz elsewhere)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a time zone-aware one is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@overload
def parse_sqlite_timestamp(value: None) -> None: ...
@overload
def parse_sqlite_timestamp(value: str | datetime) -> datetime: ...
def parse_sqlite_timestamp(value: str | datetime | None) -> datetime | None:
    """Turn a timestamp read by the raw SQLite driver into an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def parse_sqlite_date(value: str | date | None) -> date | None:
    """Turn a date read by the raw SQLite driver (``2024-05-17``) into a date."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)
