"""A fresh PostgreSQL location per test on the server named by ``LOYALTY_TEST_PG_URL``: an
empty schema (``fresh_schema``), or a database copied from one migrated once per session
(``migrated_template``, ``fresh_copy``) for a test that opens the database anyway.

``.ci/run`` (as root or in CI) starts a throwaway server with ``.ci/postgres.sh`` and sets the
variable; without it every PostgreSQL test is skipped with the reason.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import pytest

ENV = "LOYALTY_TEST_PG_URL"
SKIP_REASON = (
    f"PostgreSQL tests need {ENV} (a postgresql+psycopg:// URL); "
    "`bash .ci/run` as root or in CI starts a server and sets it"
)


def base_url() -> str | None:
    return os.environ.get(ENV) or None


def require_base_url() -> str:
    url = base_url()
    if url is None:
        pytest.skip(SKIP_REASON)
    return url


def connect(url: str):  # type: ignore[no-untyped-def]
    """A plain psycopg connection (autocommit) to a ``postgresql+psycopg://`` URL, options too."""
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    extra = {k: v for k, v in u.query.items() if isinstance(v, str)}
    return psycopg.connect(
        host=u.host or "127.0.0.1",
        port=u.port or 5432,
        user=u.username,
        password=u.password,
        dbname=u.database,
        autocommit=True,
        **extra,
    )


@contextmanager
def fresh_schema(url: str) -> Iterator[str]:
    """A URL whose connections see only a new, empty schema; dropped (with its rows) after."""
    name = "t_" + uuid.uuid4().hex[:16]
    with connect(url) as admin:
        admin.execute(f"CREATE SCHEMA {name}")
        # application_name lets the teardown end connections a test left open (a killed
        # process, a forgotten dispose) instead of waiting on their locks for ever.
        joiner = "&" if "?" in url else "?"
        options = quote(f"-csearch_path={name}")
        try:
            yield f"{url}{joiner}application_name={name}&options={options}"
        finally:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            admin.execute(f"DROP SCHEMA {name} CASCADE")


def with_database(url: str, name: str) -> str:
    """``url`` naming the database ``name`` instead (its options kept)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _drop_database(admin: Any, name: str) -> None:
    # End connections a test left open (a killed process, a forgotten dispose) first: DROP
    # DATABASE refuses a database someone is connected to.
    admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid()",
        (name,),
    )
    admin.execute(f"DROP DATABASE IF EXISTS {name}")


@contextmanager
def migrated_template(url: str) -> Iterator[str | None]:
    """A database migrated to the newest schema once, to copy for each test that opens one.

    Yields its name, or None when the server's user may not create databases (the tests then
    migrate a fresh schema each, as before). Dropped at the end.
    """
    import psycopg

    from app.store.database import Database

    name = "tpl_" + uuid.uuid4().hex[:16]
    with connect(url) as admin:
        try:
            admin.execute(f"CREATE DATABASE {name}")
        except psycopg.errors.InsufficientPrivilege:
            yield None
            return
        try:
            Database(with_database(url, name)).dispose()
            yield name
        finally:
            _drop_database(admin, name)


@contextmanager
def fresh_copy(url: str, template: str) -> Iterator[str]:
    """A URL of a new database copied from ``template`` (already migrated), with the random
    sync node id a freshly migrated database gets; dropped (with its rows) after."""
    name = "t_" + uuid.uuid4().hex[:16]
    with connect(url) as admin:
        # The template must have no connection open: each xdist worker has its own.
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        try:
            copy_url = with_database(url, name)
            with connect(copy_url) as conn:
                conn.execute(
                    "UPDATE setting SET value = %s WHERE key = 'sync.node_id'",
                    (json.dumps(str(uuid.uuid4())),),
                )
            joiner = "&" if "?" in copy_url else "?"
            yield f"{copy_url}{joiner}application_name={name}"
        finally:
            _drop_database(admin, name)


class QmarkConnection:
    """A psycopg connection taking sqlite3's ``?`` parameters: tests read either database alike."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Any = ()) -> Any:
        return self._conn.execute(sql.replace("%", "%%").replace("?", "%s"), params)

    def executemany(self, sql: str, rows: Any) -> Any:
        cur = self._conn.cursor()
        cur.executemany(sql.replace("%", "%%").replace("?", "%s"), rows)
        return cur

    def commit(self) -> None:
        self._conn.commit()

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> QmarkConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self._conn.close()


def is_url(location: object) -> bool:
    return str(location).startswith("postgresql")


def connect_any(location: object) -> Any:
    """sqlite3 on a database file, or psycopg (with ``?`` parameters) on a PostgreSQL URL."""
    if is_url(location):
        return QmarkConnection(connect(str(location)))
    import sqlite3

    return sqlite3.connect(str(location))
