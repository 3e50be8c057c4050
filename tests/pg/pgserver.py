"""A fresh PostgreSQL schema per test on the server named by ``LOYALTY_TEST_PG_URL``.

``.ci/run`` (as root or in CI) starts a throwaway server with ``.ci/postgres.sh`` and sets the
variable; without it every PostgreSQL test is skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
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


def _admin_connection(url: str):  # type: ignore[no-untyped-def]
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return psycopg.connect(
        host=u.host or "127.0.0.1",
        port=u.port or 5432,
        user=u.username,
        password=u.password,
        dbname=u.database,
        autocommit=True,
    )


@contextmanager
def fresh_schema(url: str) -> Iterator[str]:
    """A URL whose connections see only a new, empty schema; dropped (with its rows) after."""
    name = "t_" + uuid.uuid4().hex[:16]
    with _admin_connection(url) as admin:
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
