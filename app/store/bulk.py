"""Bulk writes at the driver level, for imports of many thousands of rows.

SQLAlchemy's per-row parameter processing costs more than SQLite's insert itself; these
helpers hand the driver plain values (``DriverValues`` converts timestamps, dates and flags to
the form each driver stores) and one ``executemany``.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Boolean, Connection, Date, DateTime, Table

from app.store.queries import driver_sql
from app.store.types import UTCDateTime


class DriverValues:
    """Timestamps, dates and booleans as the database driver takes them."""

    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite
        # iso_time's answers: a sale event repeats one timestamp in its sale, its ledger rows
        # and the event itself.
        self._iso: dict[str, Any] = {}

    def time(self, value: datetime | None) -> Any:
        if value is None or not self.sqlite:
            return value
        # The storage format of SQLAlchemy's SQLite DateTime (UTC, naive), as UTCDateTime
        # stores: "2026-01-01 08:00:00.000000" (isoformat is three times faster than strftime).
        return value.astimezone(UTC).isoformat(" ", "microseconds")[:26]

    def iso_time(self, text: str | None) -> Any:
        """An ISO 8601 timestamp from a file, for the driver."""
        if not text:
            return None
        known = self._iso.get(text)
        if known is not None:
            return known
        if len(self._iso) > 100_000:
            self._iso.clear()
        known = self._iso[text] = self._convert(text)
        return known

    def _convert(self, text: str) -> Any:
        if self.sqlite and text.endswith("+00:00") and len(text) in (25, 32) and text[10] == "T":
            # What the program writes (UTC isoformat): rearranged without parsing, because an
            # import converts a few timestamps for every event.
            return (
                f"{text[:10]} {text[11:26]}"
                if len(text) == 32
                else f"{text[:10]} {text[11:19]}.000000"
            )
        return self.time(datetime.fromisoformat(text))

    @staticmethod
    def read_time(value: Any) -> datetime | None:
        """A timestamp read at the driver level, as an aware UTC datetime."""
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return datetime.fromisoformat(value).replace(tzinfo=UTC)

    def day(self, value: date | None) -> Any:
        return value.isoformat() if value is not None and self.sqlite else value

    def flag(self, value: bool) -> Any:
        return int(value) if self.sqlite else value


BULK_CACHE_MB = 256


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection during a bulk job that makes millions of objects.

    Parsed events are dicts without cycles, but every few hundred new ones start a collection
    that walks everything alive, hundreds of thousands of dicts: a third of an import's time.
    Reference counting still frees them; the collector runs again afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def bulk_cache(conn: Connection, megabytes: int = BULK_CACHE_MB) -> Iterator[None]:
    """A larger SQLite page cache for one bulk write on ``conn``, back to its size after.

    An import inserts rows into several UUID indexes at random places; once they outgrow the
    default 2 MB cache, every row reads pages back from the file. Pages are taken only as
    they are used, and given back when the size returns to what it was.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{megabytes * 1024}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")


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
        list(rows),
    )


def allocate_ids(conn: Connection, table: str, count: int) -> list[int]:
    """``count`` new ids for rows of ``table``, to insert them with their ids known.

    SQLite: the ids after the largest, as SQLite itself would give them; safe because every
    writing transaction here holds the write lock from its start. PostgreSQL: from the
    table's sequence, as its default would.
    """
    if count <= 0:
        return []
    if conn.dialect.name == "sqlite":
        last = conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table}").scalar()
        return list(range(int(last or 0) + 1, int(last or 0) + 1 + count))
    return list(
        conn.exec_driver_sql(
            f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
            "FROM generate_series(1, %(count)s)",
            {"count": count},
        ).scalars()
    )


def insert_records(conn: Connection, table: Table, records: Sequence[Mapping[str, Any]]) -> None:
    """Insert dicts of Python values (aware datetimes, dates, booleans), all with the same keys,
    at the driver level: SQLAlchemy's processing of every value costs more than the insert.
    """
    if not records:
        return
    values = DriverValues(conn.dialect.name == "sqlite")
    columns = list(records[0])
    converters: list[Callable[[Any], Any] | None] = []
    for name in columns:
        kind = table.c[name].type
        if isinstance(kind, (UTCDateTime, DateTime)):
            converters.append(values.time)
        elif isinstance(kind, Date):
            converters.append(values.day)
        elif isinstance(kind, Boolean):
            converters.append(values.flag)
        else:
            converters.append(None)
    pairs = list(zip(columns, converters, strict=True))
    insert_rows(
        conn,
        table.name,
        columns,
        [tuple(f(r[c]) if f else r[c] for c, f in pairs) for r in records],
    )


def execute_many(conn: Connection, statement: str, rows: Sequence[Sequence[Any]]) -> None:
    """A ``?``-parameter statement for every row, in one executemany."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        statement = driver_sql(statement)
    conn.exec_driver_sql(statement, list(rows))


def select_in(
    conn: Connection, query: str, keys: Sequence[Any], chunk: int = 500
) -> list[tuple[Any, ...]]:
    """The rows of ``query`` for every key, its ``{keys}`` replaced by one ``?`` per key.

    Chunks of ``chunk`` keys stay below SQLite's and PostgreSQL's parameter limits; at the
    driver level because compiling an expanding ``IN`` costs more than the look-up itself.
    """
    sqlite = conn.dialect.name == "sqlite"
    rows: list[tuple[Any, ...]] = []
    if not keys:
        return rows
    # The driver's own cursor, in the connection's transaction: plain tuples, without
    # SQLAlchemy's result rows around every one.
    cursor = conn.connection.cursor()
    try:
        for start in range(0, len(keys), chunk):
            part = list(keys[start : start + chunk])
            statement = query.format(keys=", ".join(["?"] * len(part)))
            cursor.execute(statement if sqlite else driver_sql(statement), part)
            rows.extend(cursor.fetchall())
    finally:
        cursor.close()
    return rows
