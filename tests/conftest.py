"""Shared fixtures: a real SQLite file per test, a fixed clock, English texts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

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


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("LOYALTY_LANG", "en_US")
    monkeypatch.delenv("LOYALTY_DB", raising=False)
    set_language("en_US")
    yield
    set_language("en_US")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "loyalty.db"


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    database = Database(str(db_path))
    yield database
    database.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL seeing a fresh, empty schema (skipped without LOYALTY_TEST_PG_URL)."""
    with pgserver.fresh_schema(pgserver.require_base_url()) as url:
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
