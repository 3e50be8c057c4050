"""Shared fixtures: a real SQLite file per test, a fixed clock, English texts."""

from __future__ import annotations

import json
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from app.domain.profile import MemberDraft
from app.i18n import set_language
from app.services.context import Context
from app.services.members import enroll_member
from app.services.views import MemberView
from app.store.database import Database
from tests.pg import pgserver

FIXED_NOW = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)


class Clock:
    """A settable clock for tests: ``clock.now = ...`` moves time."""

    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


# Textual's Pilot waits for the app to go idle around every key it presses: it sleeps in
# slices of textual._wait.SLEEP_GRANULARITY (1/50 s) until a slice in which the process used
# less than SLEEP_IDLE (1/20 of it) of CPU. That sleep, not work, was most of a Pilot test's time
# (typing a 13-digit card took ~1 s). The same test of idleness on 5 ms slices (the same 5 %
# ratio) finds the same quiet moments sooner; the tests still wait for workers and for what the
# cashier sees (settle, confirm in tests/tui/conftest.py) where it matters.
PILOT_IDLE_SLICE_S = 1 / 200


@pytest.fixture(scope="session", autouse=True)
def quick_pilot_idle_checks() -> Iterator[None]:
    import textual._wait

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(textual._wait, "SLEEP_GRANULARITY", PILOT_IDLE_SLICE_S)
        mp.setattr(textual._wait, "SLEEP_IDLE", PILOT_IDLE_SLICE_S / 20)
        yield


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LOYALTY_LANG", "en_US")
    monkeypatch.delenv("LOYALTY_DB", raising=False)
    set_language("en_US")
    yield
    set_language("en_US")


# Suites (folders or files under tests/) whose tests run twice: on a SQLite file and on
# PostgreSQL. A test there that needs a SQLite file specifically carries @pytest.mark.sqlite_only.
# (The counter's Pilot tests stay on SQLite: tests/pg/test_pg_tui.py drives it on PostgreSQL.)
POSTGRES_SUITES = (
    "services/",
    "cli/",
    "member_desk/",
    "printing/test_cards_service.py",
    "printing/test_cards_cli.py",
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: runs on a SQLite file only, not in the PostgreSQL variant"
    )
    config.addinivalue_line(
        "markers",
        "migrated_db: db_path is a copy of the migrated template even without the db fixture",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames:
        return
    here = Path(__file__).parent
    path = Path(str(metafunc.definition.path))
    where = path.relative_to(here).as_posix() if path.is_relative_to(here) else ""
    if where.startswith(POSTGRES_SUITES) and not metafunc.definition.get_closest_marker(
        "sqlite_only"
    ):
        metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The database the test runs on: "sqlite", or "postgresql" in the PostgreSQL variant."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the newest schema once per session (per xdist worker)."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    Database(str(path)).dispose()  # closing the last connection folds the WAL into the file
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str | None]:
    """A PostgreSQL database migrated once per session (per xdist worker), or None."""
    with pgserver.migrated_template(pgserver.require_base_url()) as name:
        yield name


def copy_sqlite_template(template: Path, path: Path) -> None:
    shutil.copyfile(template, path)
    # A freshly migrated database has its own random sync node id: so does each copy.
    con = sqlite3.connect(path)
    try:
        with con:
            con.execute(
                "UPDATE setting SET value = ? WHERE key = 'sync.node_id'",
                (json.dumps(str(uuid.uuid4())),),
            )
    finally:
        con.close()


@contextmanager
def _pg_location(request: pytest.FixtureRequest, migrated: bool) -> Iterator[str]:
    base = pgserver.require_base_url()
    template = request.getfixturevalue("pg_template") if migrated else None
    if template is not None:
        with pgserver.fresh_copy(base, template) as url:
            yield url
    else:
        with pgserver.fresh_schema(base) as url:
            yield url


@pytest.fixture
def db_path(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Where the test's database lives: a SQLite file (a Path) in tmp_path, or in the PostgreSQL
    variant the URL (a str) of a fresh database or schema. Either opens with
    ``Database(str(...))`` and ``loyalty --db``; ``tests.pg.pgserver.connect_any`` reads either
    with ``?`` parameters.

    Empty (no file yet, an empty schema) unless the test also uses ``db`` (directly or through
    ``ctx``, ``member``...) or is marked ``migrated_db`` (the CLI suites, whose first command
    would migrate it): then it is a copy of a database migrated once per session, which
    ``Database`` opens without running a migration. Migrating a new database, what the app does
    on the first open, stays tested by the tests that open an empty location themselves.
    """
    migrated = (
        "db" in request.fixturenames or request.node.get_closest_marker("migrated_db") is not None
    )
    if backend == "postgresql":
        with _pg_location(request, migrated) as url:
            yield url
    else:
        path = tmp_path / "loyalty.db"
        if migrated:
            copy_sqlite_template(request.getfixturevalue("sqlite_template"), path)
        yield path


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    database = Database(str(db_path))
    yield database
    database.dispose()


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A PostgreSQL URL of a fresh, empty schema (skipped without LOYALTY_TEST_PG_URL); for a
    test that uses ``pg_db`` a copy of a database migrated once per session, as ``db_path``."""
    with _pg_location(request, "pg_db" in request.fixturenames) as url:
        yield url


@pytest.fixture
def pg_db(pg_url: str) -> Iterator[Database]:
    database = Database(pg_url)
    yield database
    database.dispose()


@pytest.fixture
def pg_ctx(pg_db: Database, clock: Clock) -> Context:
    return Context(pg_db, clock=clock, actor="tester", till=1)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ctx(db: Database, clock: Clock) -> Context:
    return Context(db, clock=clock, actor="tester", till=1)


@pytest.fixture
def member(ctx: Context) -> MemberView:
    """Anna Müller, enrolled with phone and email, no points yet."""
    return enroll_member(
        ctx,
        MemberDraft(
            first_name="Anna",
            last_name="Müller",
            salutation="ms",
            email="anna.mueller@example.org",
            phone="+49 171 2345678",
            birthday="1985-04-12",
            postcode="10115",
        ),
    )


@pytest.fixture(autouse=True)
def quick_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Staff PINs hashed with Argon2id at its cheapest in tests (the real cost is ~0.15 s a
    check); a hash keeps its parameters, so checking works the same."""
    from argon2 import PasswordHasher

    from app.services.staff import pins

    monkeypatch.setattr(pins, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
