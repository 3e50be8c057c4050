"""Hot read queries in plain, portable SQL on the driver connection (no ORM on the scan path).

Rows come back as :class:`Record`: a tuple whose columns are also attributes, named as the
statement names them (``SELECT m.id AS member_id`` reads as ``row.member_id``).
"""

from __future__ import annotations

from collections import namedtuple
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect

from app.store.database import Database
from app.store.errors import translate
from app.store.jobs import VISIBLE_SQL
from app.store.types import UTCDateTime

MEMBER_COLUMNS = (
    "m.id AS member_id, m.salutation, m.first_name, m.last_name, m.points_balance, "
    "m.created_at, m.last_visit_at, m.email, m.phone, m.birthday, m.postcode, m.referred_by, "
    "m.status AS member_status"
)
CARD_WITH_MEMBER = (
    f"SELECT c.number, c.status, c.replaced_by, {MEMBER_COLUMNS} "
    f"FROM card c JOIN member m ON m.id = c.member_id WHERE c.number = ? AND {VISIBLE_SQL}"
)
MEMBER_WITH_CARD = (
    f"SELECT c.number, c.status, c.replaced_by, {MEMBER_COLUMNS} "
    "FROM member m LEFT JOIN card c ON c.member_id = m.id AND c.status = 'active' "
    f"WHERE m.id = ? AND {VISIBLE_SQL}"
)
RECENT_SALES = (
    "SELECT id AS sale_id, created_at, amount_cents, to_pay_cents, points_earned, "
    "points_redeemed, refunded_cents FROM sale WHERE member_id = ? "
    "ORDER BY created_at DESC, id DESC LIMIT ?"
)


class Record(tuple[Any, ...]):
    """A row read at the driver level; its columns are attributes too (``row.member_id``).

    A column name that a statement gives twice, or that is no identifier (``count(*)``: name it
    with ``AS``), is reachable by index only.
    """

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()

    if TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any: ...


@lru_cache(maxsize=512)
def record_class(names: tuple[str, ...]) -> type[Record]:
    """The :class:`Record` class for rows with these column names."""
    # namedtuple's column getters are implemented in C: twice as fast as a property, and the
    # till reads a few dozen columns per scan. (rename: a name it cannot use becomes _<index>.)
    named = namedtuple("Record", names, rename=True)  # type: ignore[misc]  # names known at run time
    getters = {
        name: named.__dict__[name]
        for name in names
        if names.count(name) == 1 and name in named._fields
    }
    return type("Record", (Record,), {"__slots__": (), "_fields": names, **getters})


# Record classes by statement text: a dictionary look-up per read, where naming the columns
# from cursor.description each time would cost more than a short read itself.
_BY_STATEMENT: dict[str, type[Record]] = {}
_BY_STATEMENT_MAX = 1_000


def _record_class(statement: str, cursor: Any) -> type[Record]:
    known = _BY_STATEMENT.get(statement)
    if known is None:
        if len(_BY_STATEMENT) >= _BY_STATEMENT_MAX:
            # Statements built with a varying number of parameters: keep the cache bounded.
            _BY_STATEMENT.clear()
        known = record_class(tuple(column[0] for column in cursor.description))
        _BY_STATEMENT[statement] = known
    return known


def driver_sql(statement: str) -> str:
    """A ``?``-parameter statement in psycopg's style: ``%s`` marks, a literal ``%`` doubled."""
    return statement.replace("%", "%%").replace("?", "%s")


def _read(
    dbapi_conn: Any,
    dialect: Dialect,
    statement: str,
    params: tuple[Any, ...],
    *,
    first: bool = False,
) -> list[Record]:
    """The rows of ``statement``; with ``first`` only the first one (the rest is not read)."""
    cur = dbapi_conn.cursor()
    try:
        cur.execute(statement if dialect.name == "sqlite" else driver_sql(statement), params)
        rows = cur.fetchmany(1) if first else cur.fetchall()
        return list(map(_BY_STATEMENT.get(statement) or _record_class(statement, cur), rows))
    except dialect.loaded_dbapi.Error as exc:
        # The project's errors, as on the ORM path: a busy or lost database reads the same.
        raise translate(exc) from exc
    finally:
        cur.close()


def fetch_all(db: Database, statement: str, params: tuple[Any, ...]) -> list[Record]:
    """The rows of a ``?``-parameter statement, on this thread's hot-path reader."""
    return _read(db.raw(), db.engine.dialect, statement, params)


def fetch_one(db: Database, statement: str, params: tuple[Any, ...]) -> Record | None:
    """The first row of a ``?``-parameter statement (None without one), on the hot-path reader."""
    rows = _read(db.raw(), db.engine.dialect, statement, params, first=True)
    return rows[0] if rows else None


# How SQLAlchemy's SQLite DateTime writes a naive UTC moment: plain SQL compares against it.
_SQLITE_STAMP = "%Y-%m-%d %H:%M:%S.%f"
_TS = UTCDateTime()


class DriverReads:
    """Plain ``?``-parameter reads on a driver connection, with no SQLAlchemy in between.

    :meth:`of` reads on a database's hot-path reader (autocommit), :meth:`under` inside the
    transaction of a SQLAlchemy connection (the checkout's, with the member row locked).
    Timestamps go in and come out as aware UTC datetimes on SQLite and PostgreSQL alike.
    """

    __slots__ = ("_conn", "_dialect", "_sqlite")

    def __init__(self, dbapi_conn: Any, dialect: Dialect) -> None:
        self._conn = dbapi_conn
        self._dialect = dialect
        self._sqlite = dialect.name == "sqlite"

    @classmethod
    def of(cls, db: Database) -> DriverReads:
        return cls(db.raw(), db.engine.dialect)

    @classmethod
    def under(cls, conn: Connection) -> DriverReads:
        return cls(conn.connection.driver_connection, conn.dialect)

    def all(self, statement: str, params: tuple[Any, ...]) -> list[Record]:
        return _read(self._conn, self._dialect, statement, params)

    def one(self, statement: str, params: tuple[Any, ...]) -> Record:
        return _read(self._conn, self._dialect, statement, params, first=True)[0]

    def at(self, moment: datetime) -> Any:
        """A timestamp parameter, as the column stores it."""
        value = _TS.process_bind_param(moment, self._dialect)
        return value.strftime(_SQLITE_STAMP) if self._sqlite and value is not None else value

    def moment(self, value: Any) -> datetime | None:
        """A timestamp read back, as an aware UTC datetime."""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return _TS.process_result_value(value, self._dialect)
