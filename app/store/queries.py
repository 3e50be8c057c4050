"""Hot read queries in plain, portable SQL on the driver connection (no ORM on the scan path)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect

from app.store.database import Database
from app.store.errors import translate
from app.store.types import UTCDateTime

MEMBER_COLUMNS = (
    "m.id, m.salutation, m.first_name, m.last_name, m.points_balance, m.created_at, "
    "m.last_visit_at, m.email, m.phone, m.birthday, m.postcode, m.referred_by, m.status"
)
CARD_WITH_MEMBER = (
    f"SELECT c.number, c.status, c.replaced_by, {MEMBER_COLUMNS} "
    "FROM card c JOIN member m ON m.id = c.member_id WHERE c.number = ?"
)
MEMBER_WITH_CARD = (
    f"SELECT c.number, c.status, c.replaced_by, {MEMBER_COLUMNS} "
    "FROM member m LEFT JOIN card c ON c.member_id = m.id AND c.status = 'active' "
    "WHERE m.id = ?"
)
RECENT_SALES = (
    "SELECT id, created_at, amount_cents, to_pay_cents, points_earned, points_redeemed, "
    "refunded_cents FROM sale WHERE member_id = ? ORDER BY created_at DESC, id DESC LIMIT ?"
)


def fetch_one(db: Database, statement: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
    cur = db.raw().cursor()
    try:
        cur.execute(db.sql(statement), params)
        return cur.fetchone()
    except db.engine.dialect.loaded_dbapi.Error as exc:
        raise translate(exc) from exc
    finally:
        cur.close()


def fetch_all(db: Database, statement: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    cur = db.raw().cursor()
    try:
        cur.execute(db.sql(statement), params)
        return cur.fetchall()
    except db.engine.dialect.loaded_dbapi.Error as exc:
        raise translate(exc) from exc
    finally:
        cur.close()


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

    def all(self, statement: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        if not self._sqlite:
            # psycopg: %s marks a parameter, so a literal % must be doubled.
            statement = statement.replace("%", "%%").replace("?", "%s")
        cur = self._conn.cursor()
        try:
            cur.execute(statement, params)
            return cur.fetchall()
        except self._dialect.loaded_dbapi.Error as exc:
            # The project's errors, as on the ORM path: a busy or lost database reads the same.
            raise translate(exc) from exc
        finally:
            cur.close()

    def one(self, statement: str, params: tuple[Any, ...]) -> tuple[Any, ...]:
        return self.all(statement, params)[0]

    def at(self, moment: datetime) -> Any:
        """A timestamp parameter, as the column stores it."""
        value = _TS.process_bind_param(moment, self._dialect)
        return value.strftime(_SQLITE_STAMP) if self._sqlite and value is not None else value

    def moment(self, value: Any) -> datetime | None:
        """A timestamp read back, as an aware UTC datetime."""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return _TS.process_result_value(value, self._dialect)
