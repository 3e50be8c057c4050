"""Migration 0003 upgrades a shop's existing database in place, keeping every member."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from app.store.database import Database, sqlite_url
from app.store.migrate import HEAD, MIGRATIONS_DIR, current_revision, upgrade


def test_head_is_alembics_head() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD == "0006_coupons_stamps"


def test_upgrade_from_0002_keeps_members(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path / "old.db"))
    upgrade(engine, "0002_search_keys")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO member (uuid, first_name, last_name, created_at, updated_at, "
                "last_key, first_key) VALUES ('u1', 'Anna', 'Müller', '2024-01-01 00:00:00', "
                "'2024-01-01 00:00:00', 'muller', 'anna')"
            )
        )
    engine.dispose()
    db = Database(str(tmp_path / "old.db"))
    try:
        assert current_revision(db.engine) == HEAD
        columns = {c["name"] for c in inspect(db.engine).get_columns("member")}
        assert {"tier", "merged_into"} <= columns
        indexes = {i["name"] for i in inspect(db.engine).get_indexes("member")}
        assert {"ix_member_name_order", "ix_member_points_order"} <= indexes
        with db.engine.connect() as conn:
            row = conn.execute(text("SELECT first_name, tier, merged_into FROM member")).one()
        assert tuple(row) == ("Anna", None, None)
    finally:
        db.dispose()
