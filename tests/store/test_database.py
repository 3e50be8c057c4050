"""Opening a database: the till's SQLite pragmas and migrations that upgrade a shop's file."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text

from app.domain.errors import LoyaltyError
from app.services.context import Context
from app.services.health import check_database
from app.services.lookup import lookup_card
from app.services.search import find_members
from app.store.database import BUSY_TIMEOUT_MS, Database, sqlite_url
from app.store.errors import (
    DatabaseDamaged,
    DatabaseForeign,
    DatabaseMissing,
    DatabaseUnavailable,
)
from app.store.migrate import HEAD, SchemaTooNew, current_revision, upgrade

from ..conftest import Clock

PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "synchronous": 2,
    "journal_size_limit": 64 * 1024 * 1024,
}


def _pragmas(execute) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {name: execute(f"PRAGMA {name}") for name in PRAGMAS}


def test_write_engine_read_engine_and_raw_reader_have_the_tills_pragmas(db: Database) -> None:
    with db.engine.connect() as conn:
        assert _pragmas(lambda sql: conn.exec_driver_sql(sql).scalar()) == PRAGMAS
    with db.read_engine.connect() as conn:
        assert _pragmas(lambda sql: conn.exec_driver_sql(sql).scalar()) == PRAGMAS
    raw = db.raw()
    assert _pragmas(lambda sql: raw.execute(sql).fetchone()[0]) == PRAGMAS


def test_a_sync_imports_transaction_is_relaxed_and_its_connection_a_tills_again(
    db: Database,
) -> None:
    with db.transaction(bulk=True) as session:
        conn = session.connection()
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
    with pytest.raises(RuntimeError), db.transaction(bulk=True):
        raise RuntimeError("an import that fails half-way")
    # Whichever pooled connection a sale gets next commits durably and checks references.
    with db.engine.connect() as first, db.engine.connect() as second:
        for conn in (first, second):
            raw = conn.connection.driver_connection
            assert raw.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
            assert raw.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_the_file_stays_in_wal_mode_for_other_programs(db: Database, db_path: Path) -> None:
    con = sqlite3.connect(db_path)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        con.close()


def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(Exception, match="FOREIGN KEY"), db.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO card (number, member_id, status, issued_at) "
            "VALUES ('2900100000017', 999, 'active', '2026-01-01 00:00:00')"
        )


def test_a_plain_path_and_a_url_open_the_same_file(db_path: Path) -> None:
    first = Database(str(db_path))
    first.dispose()
    second = Database(sqlite_url(db_path))
    try:
        assert second.path == db_path.resolve()
        assert current_revision(second.engine) == HEAD
    finally:
        second.dispose()


def test_a_missing_folder_is_created(tmp_path: Path) -> None:
    database = Database(str(tmp_path / "a" / "b" / "shop.db"))
    database.dispose()
    assert (tmp_path / "a" / "b" / "shop.db").exists()


def test_an_unusable_path_is_a_human_message(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(DatabaseUnavailable, match="Cannot create the folder"):
        Database(str(blocker / "shop.db"))


def test_a_file_that_is_not_a_database_is_a_human_message(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite, " * 100)
    with pytest.raises(DatabaseDamaged, match="not a loyalty database"):
        Database(str(junk))
    # Refused before anything was written into it.
    assert junk.read_bytes() == b"this is not sqlite, " * 100
    assert not junk.with_name("junk.db-wal").exists()


# --- migrations ---------------------------------------------------------------------------

OLD_ROWS = """
INSERT INTO member (id, uuid, salutation, first_name, last_name, email, phone, birthday,
    postcode, marketing_consent, consent_at, notes, points_balance, status, home_store,
    created_at, updated_at, last_visit_at)
VALUES
 (1, 'u-anna', 'ms', 'Anna', 'Müller', 'anna@example.org', '+491712345678', '1985-04-12',
  '10115', 1, '2024-01-02 09:00:00.000000', 'likes tea', 120, 'active', '001',
  '2024-01-02 09:00:00.000000', '2024-01-02 09:00:00.000000', '2024-03-01 12:00:00.000000'),
 (2, 'u-jose', '', 'José', 'García', NULL, NULL, NULL, NULL, 0, NULL, '', 0, 'active', '001',
  '2024-02-01 09:00:00.000000', '2024-02-01 09:00:00.000000', NULL);
INSERT INTO card (number, member_id, status, issued_at, replaced_by, blocked_at) VALUES
 ('2900100000017', 1, 'active', '2024-01-02 09:00:00.000000', NULL, NULL),
 ('2900100000024', 2, 'replaced', '2024-02-01 09:00:00.000000', '2900100000031',
  '2024-02-10 09:00:00.000000'),
 ('2900100000031', 2, 'active', '2024-02-10 09:00:00.000000', NULL, NULL);
INSERT INTO sale (id, uuid, member_id, card_number, amount_cents, discount_cents,
    points_redeemed, redeem_value_cents, to_pay_cents, points_earned, refunded_cents,
    store_code, till, actor, created_at)
VALUES
 (1, 's1', 1, '2900100000017', 15000, 0, 0, 0, 15000, 150, 0, '001', 1, 'old',
  '2024-03-01 12:00:00.000000'),
 (2, 's2', 1, '2900100000017', 5000, 0, 30, 30, 4970, 49, 5000, '001', 1, 'old',
  '2024-03-02 12:00:00.000000');
INSERT INTO refund (id, uuid, sale_id, amount_cents, money_back_cents, points_reversed,
    points_returned, points_not_recovered, store_code, till, actor, created_at)
VALUES (1, 'r1', 2, 5000, 4970, 49, 30, 0, '001', 1, 'old', '2024-03-03 12:00:00.000000');
INSERT INTO ledger_entry (uuid, member_id, points, kind, reason, sale_id, refund_id, actor,
    store_code, till, created_at)
VALUES
 ('l1', 1, 150, 'earn', '', 1, NULL, 'old', '001', 1, '2024-03-01 12:00:00.000000'),
 ('l2', 1, -30, 'redeem', '', 2, NULL, 'old', '001', 1, '2024-03-02 12:00:00.000000'),
 ('l3', 1, 49, 'earn', '', 2, NULL, 'old', '001', 1, '2024-03-02 12:00:00.000000'),
 ('l4', 1, -49, 'refund_earned', '', 2, 1, 'old', '001', 1, '2024-03-03 12:00:00.000000'),
 ('l5', 1, 30, 'refund_redeemed', '', 2, 1, 'old', '001', 1, '2024-03-03 12:00:00.000000'),
 ('l6', 1, -30, 'adjustment', 'goodwill undone', NULL, NULL, 'old', '001', 1,
  '2024-03-04 12:00:00.000000');
INSERT INTO setting (key, value, updated_at) VALUES
 ('program.earn_points_per_unit', '2', '2024-01-01 00:00:00.000000');
INSERT INTO audit_entry (at, actor, action, entity, entity_id, detail) VALUES
 ('2024-01-02 09:00:00.000000', 'old', 'member.enroll', 'member', '1', '{}');
"""

TABLES = ("member", "card", "sale", "refund", "ledger_entry", "setting", "audit_entry")


def _make_first_version_database(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """A shop's file as the first release left it, filled through raw SQL."""
    engine = create_engine(sqlite_url(path))
    upgrade(engine, "0001_initial")
    assert current_revision(engine) == "0001_initial"
    engine.dispose()
    con = sqlite3.connect(path)
    try:
        # As the first release's Database left it: in WAL mode, which stays with the file.
        con.execute("PRAGMA journal_mode = WAL")
        con.executescript(OLD_ROWS)
        con.commit()
        # Only the first migration's columns exist: the search keys came later.
        columns = {r[1] for r in con.execute("PRAGMA table_info(member)")}
        assert "last_key" not in columns
        return {
            table: con.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() for table in TABLES
        }
    finally:
        con.close()


def test_a_first_version_database_is_upgraded_in_place_with_nothing_lost(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "shop-2024.db"
    before = _make_first_version_database(path)

    database = Database(str(path))
    try:
        assert current_revision(database.engine) == HEAD
        con = sqlite3.connect(path)
        try:
            for table in TABLES:
                rows = con.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
                if table == "setting":
                    # Later migrations add settings of their own (0005: the sync node id).
                    rows = [r for r in rows if not r[0].startswith("sync.")]
                old_width = len(before[table][0])
                # Every old row, every old column, same values; new columns only appended.
                assert [r[:old_width] for r in rows] == before[table], table
            keys = con.execute(
                "SELECT first_key, last_key, email_key, phone_national, phone_international "
                "FROM member ORDER BY id"
            ).fetchall()
        finally:
            con.close()
        assert keys == [
            ("anna", "muller", "anna@example.org", "01712345678", "491712345678"),
            ("jose", "garcia", None, None, None),
        ]
        indexes = {i["name"] for i in inspect(database.engine).get_indexes("member")}
        assert "ix_member_name_order" in indexes  # the later migrations ran too

        ctx = Context(database, clock=clock, actor="tester")
        assert [m.member_id for m in find_members(ctx, "muller")] == [1]
        assert [m.member_id for m in find_members(ctx, "0171 23")] == [1]
        assert [m.card for m in find_members(ctx, "garcia")] == ["2900100000031"]
        anna = lookup_card(ctx, "2900100000017")
        assert (anna.first_name, anna.points, anna.email) == ("Anna", 120, "anna@example.org")
        assert [s.sale_id for s in anna.recent_sales] == [2, 1]
        assert ctx.rules().earn_points_per_unit == 2  # the old setting still rules
        report = check_database(ctx)
        assert report.ok, report
        assert (report.members, report.ledger_entries) == (2, 6)
    finally:
        database.dispose()


def test_opening_a_current_database_does_not_run_migrations(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Database(str(db_path)).dispose()
    schema_before = sqlite3.connect(db_path).execute("SELECT sql FROM sqlite_master").fetchall()

    import alembic.command

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("migrations ran on an up-to-date database")

    monkeypatch.setattr(alembic.command, "upgrade", refuse)
    again = Database(str(db_path))
    try:
        assert current_revision(again.engine) == HEAD
    finally:
        again.dispose()
    assert sqlite3.connect(db_path).execute("SELECT sql FROM sqlite_master").fetchall() == (
        schema_before
    )


def test_a_database_from_a_newer_program_is_refused_clearly(db_path: Path) -> None:
    Database(str(db_path)).dispose()
    con = sqlite3.connect(db_path)
    con.execute("UPDATE alembic_version SET version_num = '0999_from_the_future'")
    con.commit()
    con.close()
    with pytest.raises(SchemaTooNew) as caught:
        Database(str(db_path))
    assert isinstance(caught.value, LoyaltyError)
    assert "newer version" in caught.value.message
    assert "0999_from_the_future" in caught.value.message
    # Refused, not touched.
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == (
        "0999_from_the_future"
    )
    con.close()


def test_migrating_an_empty_file_and_engine_level_upgrade_are_idempotent(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path / "x.db"))
    upgrade(engine)
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    engine.dispose()


# --- two tills start at once --------------------------------------------------------------


def _open_in_process(path: str, barrier: Any) -> str:
    barrier.wait()
    try:
        Database(path).dispose()
    except Exception as exc:  # reported to the test, which shows it
        return f"{type(exc).__name__}: {exc}"
    return "ok"


def test_tills_opening_a_new_or_old_file_at_the_same_moment_migrate_it_once(
    tmp_path: Path,
) -> None:
    ctx = multiprocessing.get_context("spawn")
    tills = 4
    with ctx.Manager() as manager, ctx.Pool(tills) as pool:
        barrier = manager.Barrier(tills)
        for round_ in range(16):
            path = tmp_path / f"round{round_}.db"
            before = _make_first_version_database(path) if round_ % 2 else None
            results = pool.starmap(_open_in_process, [(str(path), barrier)] * tills)
            assert results == ["ok"] * tills, (round_, results)
            con = sqlite3.connect(path)
            try:
                assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [
                    (HEAD,)
                ]
                if before is not None:
                    rows = con.execute("SELECT * FROM member ORDER BY 1").fetchall()
                    assert [r[: len(before["member"][0])] for r in rows] == before["member"]
            finally:
                con.close()


# --- wrong files --------------------------------------------------------------------------


def test_a_missing_file_is_created_only_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "none.db"
    with pytest.raises(DatabaseMissing, match=r"There is no database at .*loyalty init"):
        Database(str(path), create=False)
    assert not path.exists()
    Database(str(path)).dispose()  # init, demo and the counter (after asking) create it
    assert path.stat().st_size > 0


def test_an_empty_file_is_refused_unless_creating(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    with pytest.raises(DatabaseDamaged, match="is an empty file"):
        Database(str(path), create=False)
    assert path.stat().st_size == 0


def test_a_database_of_another_program_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoice (id INTEGER PRIMARY KEY, total REAL)")
    before = path.read_bytes()
    with pytest.raises(DatabaseForeign, match="another program"):
        Database(str(path))
    assert path.read_bytes() == before


def test_a_damaged_file_is_refused_with_a_pointer_to_check(tmp_path: Path) -> None:
    path = tmp_path / "damaged.db"
    Database(str(path)).dispose()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the schema page, after the file header
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseDamaged, match="loyalty check"):
        Database(str(path))
    assert path.read_bytes() == bytes(data)


def test_opening_an_up_to_date_file_does_not_wait_for_the_write_lock(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    Database(str(path)).dispose()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # e.g. a long member import at another till
    try:
        started = time.monotonic()
        db = Database(str(path), create=False)
        assert time.monotonic() - started < BUSY_TIMEOUT_MS / 1000 / 2
        db.dispose()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
