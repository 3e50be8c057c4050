"""Bulk writes at the driver level, for imports of many thousands of rows.

SQLAlchemy's per-row parameter processing costs more than SQLite's insert itself; these
helpers hand the driver plain values (``DriverValues`` converts timestamps, dates and flags to
the form each driver stores) and one ``executemany``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection


class DriverValues:
    """Timestamps, dates and booleans as the database driver takes them."""

    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite

    def time(self, value: datetime | None) -> Any:
        if value is None or not self.sqlite:
            return value
        # The storage format of SQLAlchemy's SQLite DateTime (UTC, naive), as UTCDateTime stores.
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    def iso_time(self, text: str | None) -> Any:
        """An ISO 8601 timestamp from a file, for the driver."""
        return self.time(datetime.fromisoformat(text)) if text else None

    def day(self, value: date | None) -> Any:
        return value.isoformat() if value is not None and self.sqlite else value

    def flag(self, value: bool) -> Any:
        return int(value) if self.sqlite else value


def insert_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """``INSERT INTO table (columns) VALUES (...)`` for every row, in one executemany."""
    if not rows:
        return
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    marks = ", ".join([mark] * len(columns))
    conn.exec_driver_sql(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
        list(rows),  # type: ignore[arg-type]
    )


def execute_many(conn: Connection, statement: str, rows: Sequence[Sequence[Any]]) -> None:
    """A ``?``-parameter statement for every row, in one executemany."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        statement = statement.replace("%", "%%").replace("?", "%s")
    conn.exec_driver_sql(statement, list(rows))  # type: ignore[arg-type]
