"""Test helpers: read a database directly (sqlite3 on a file, psycopg on a PostgreSQL URL),
independent of the code under test."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

TABLES = ("member", "card", "sale", "refund", "ledger_entry", "setting", "audit_entry")


def connect(location: Path | str) -> Any:
    """A DBAPI connection taking ``?`` parameters, to a SQLite file or a PostgreSQL URL."""
    if str(location).startswith("postgresql"):
        from tests.pg.pgserver import connect_any

        return connect_any(location)
    return sqlite3.connect(str(location))


def snapshot(path: Path | str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to show that a refused command changed nothing."""
    conn = connect(path)
    try:
        return {
            table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in TABLES
        }
    finally:
        conn.close()


def scalar(path: Path | str, sql: str, params: tuple[Any, ...] = ()) -> Any:
    conn = connect(path)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


def execute(path: Path | str, sql: str, params: tuple[Any, ...] = ()) -> None:
    """A raw write (to corrupt or age data on purpose), committed at once."""
    conn = connect(path)
    try:
        conn.execute(sql, params)
        conn.commit()
    finally:
        conn.close()


def ledger_sum(path: Path | str, member_id: int) -> int:
    return int(
        scalar(
            path,
            "SELECT COALESCE(SUM(points), 0) FROM ledger_entry WHERE member_id = ?",
            (member_id,),
        )
    )


def cached_balance(path: Path | str, member_id: int) -> int:
    return int(scalar(path, "SELECT points_balance FROM member WHERE id = ?", (member_id,)))


def with_check_digit(body12: str) -> str:
    """The EAN-13 check digit computed here by hand, independent of the code under test."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


def wrong_check_digit(number: str) -> str:
    return number[:12] + str((int(number[12]) + 1) % 10)
