"""Sales never pay for a WAL checkpoint: the file is caught up beside the till."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

from app.services.checkout import checkout
from app.services.context import Context
from app.services.views import MemberView
from app.store.database import Database


def wal_pages(db_path: Path) -> int:
    wal = Path(f"{db_path}-wal")
    return wal.stat().st_size // 4096 if wal.exists() else 0


def test_the_till_connection_never_checkpoints_by_itself(db: Database) -> None:
    with db.transaction() as session:
        value = session.connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
    assert value == 0


def test_commits_are_checkpointed_in_the_background(
    ctx: Context, member: MemberView, db_path: Path, tmp_path: Path
) -> None:
    for _ in range(30):
        checkout(ctx, member.card, 1250)

    def sales_in_the_file_itself() -> int:
        # A copy of the database file without its WAL holds only what was checkpointed.
        copy = tmp_path / "copy.db"
        shutil.copyfile(db_path, copy)
        con = sqlite3.connect(copy)
        try:
            return int(con.execute("SELECT count(*) FROM sale").fetchone()[0])
        except sqlite3.DatabaseError:
            return 0  # not even the schema is in the file yet (it is still in the WAL)
        finally:
            con.close()
            copy.unlink()

    deadline = time.monotonic() + 10
    while sales_in_the_file_itself() < 30 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sales_in_the_file_itself() == 30
    assert wal_pages(db_path) > 0  # the WAL is reused, not deleted, while the till is open


def test_dispose_stops_the_background_thread(db_path: Path, member: MemberView) -> None:
    database = Database(str(db_path))
    with database.transaction() as session:
        session.connection().exec_driver_sql("CREATE TABLE scratch (n INTEGER)")
    checkpointer = database.checkpointer
    assert checkpointer is not None
    database.dispose()
    assert checkpointer._thread is None or not checkpointer._thread.is_alive()


def test_dispose_right_after_a_commit_does_not_wait_for_the_thread(db_path: Path) -> None:
    # stop() during the debounce wait once got lost (the wait's wake-up was cleared after it):
    # dispose() then hung for the thread's 5 s join timeout, closing a till just after a sale.
    for _ in range(3):
        database = Database(str(db_path))
        with database.transaction() as session:
            session.connection().exec_driver_sql("CREATE TABLE IF NOT EXISTS scratch (n INTEGER)")
        checkpointer = database.checkpointer
        assert checkpointer is not None and checkpointer._thread is not None
        started = time.monotonic()
        database.dispose()
        assert time.monotonic() - started < 2.0
        assert not checkpointer._thread.is_alive()
