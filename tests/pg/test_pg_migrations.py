"""The same Alembic migrations on PostgreSQL: every revision up (with rows to carry), down, up."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, inspect, text

from app.store.database import Database
from app.store.errors import DatabaseUnavailable
from app.store.migrate import HEAD, SchemaTooNew, current_revision, upgrade

TABLES = {"member", "card", "sale", "refund", "ledger_entry", "setting", "audit_entry"}
KEYS = ("first_key", "last_key", "email_key", "phone_national", "phone_international")


def test_a_new_database_is_migrated_to_head(pg_db: Database) -> None:
    assert current_revision(pg_db.engine) == HEAD
    with pg_db.engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) >= TABLES


def test_search_keys_sort_in_code_point_order_whatever_the_database_collation(
    pg_db: Database,
) -> None:
    # Prefix search reads index ranges and merges pages in Python: the keys must compare as
    # Python compares them, not as a language collation would.
    with pg_db.engine.connect() as conn:
        collations = dict(
            conn.execute(
                text(
                    "SELECT column_name, collation_name FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name = 'member'"
                )
            ).all()
        )
    assert {key: collations[key] for key in KEYS} == dict.fromkeys(KEYS, "C")


def test_every_revision_upgrades_in_place_keeping_rows(pg_url: str) -> None:
    engine = create_engine(pg_url)
    try:
        upgrade(engine, "0001_initial")
        now = datetime(2025, 1, 2, 3, 4, tzinfo=UTC)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO member (uuid, first_name, last_name, email, phone, "
                    "created_at, updated_at, points_balance) VALUES "
                    "('u-1', 'Jürgen', 'Müller-Lüdenscheidt', 'J.Mueller@Example.org', "
                    "'+49 171 2345678', :now, :now, 42)"
                ),
                {"now": now},
            )
        upgrade(engine, "0002_search_keys")
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT first_key, last_key, email_key, phone_national, phone_international, "
                    "points_balance FROM member WHERE uuid = 'u-1'"
                )
            ).one()
        assert row.first_key == "jurgen"
        assert row.last_key.startswith("muller")
        assert row.email_key == "j.mueller@example.org"
        assert row.phone_national == "01712345678"
        assert row.phone_international == "491712345678"
        assert row.points_balance == 42
        upgrade(engine)
        assert current_revision(engine) == HEAD
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM member")).scalar() == 1
    finally:
        engine.dispose()


def test_every_revision_downgrades_and_upgrades_again(pg_db: Database) -> None:
    from alembic import command

    from app.store.migrate import alembic_config

    cfg = alembic_config(pg_db.engine)
    command.downgrade(cfg, "base")  # type: ignore[arg-type]
    with pg_db.engine.connect() as conn:
        assert not TABLES & set(inspect(conn).get_table_names())
    upgrade(pg_db.engine)
    assert current_revision(pg_db.engine) == HEAD


def test_opening_a_current_database_again_keeps_its_rows(pg_url: str) -> None:
    first = Database(pg_url)
    with first.transaction() as session:
        session.execute(
            text("INSERT INTO setting (key, value, updated_at) VALUES ('x', '1', now())")
        )
    first.dispose()
    again = Database(pg_url)
    try:
        assert current_revision(again.engine) == HEAD
        with again.reading() as session:
            assert session.execute(text("SELECT value FROM setting WHERE key = 'x'")).scalar()
    finally:
        again.dispose()


def test_a_database_from_a_newer_program_is_refused_clearly(pg_db: Database) -> None:
    with pg_db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    pg_db.dispose()
    with pytest.raises(SchemaTooNew, match="newer version"):
        Database(pg_db.url)


def test_a_server_that_does_not_answer_is_a_human_message() -> None:
    with pytest.raises(DatabaseUnavailable, match="Cannot open the database"):
        Database("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")


def test_an_unknown_database_kind_is_a_human_message() -> None:
    with pytest.raises(DatabaseUnavailable):
        Database("nosuchdb://somewhere/else")
