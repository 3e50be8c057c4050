"""Hot read queries in plain, portable SQL on the driver connection (no ORM on the scan path)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import DBAPIError

from app.store.database import Database

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


def _driver_error(db: Database, statement: str, params: tuple[Any, ...], exc: Exception) -> Any:
    # The same exception classes as the ORM path (sqlalchemy.exc.OperationalError...), so the
    # CLI and the till report a busy or lost database the same way on every database.
    return DBAPIError.instance(statement, params, exc, db.engine.dialect.loaded_dbapi.Error)


def fetch_one(db: Database, statement: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
    cur = db.raw().cursor()
    try:
        cur.execute(db.sql(statement), params)
        return cur.fetchone()
    except db.engine.dialect.loaded_dbapi.Error as exc:
        raise _driver_error(db, statement, params, exc) from exc
    finally:
        cur.close()


def fetch_all(db: Database, statement: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    cur = db.raw().cursor()
    try:
        cur.execute(db.sql(statement), params)
        return cur.fetchall()
    except db.engine.dialect.loaded_dbapi.Error as exc:
        raise _driver_error(db, statement, params, exc) from exc
    finally:
        cur.close()
