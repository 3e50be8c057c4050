"""Long jobs beside the till: a member import in slices stays hidden until published, a failed
or killed import leaves nothing, and another process sells and reads between its slices."""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.domain.csv_formats import GENERIC_COLUMNS
from app.domain.errors import LoyaltyError
from app.services.context import Context
from app.services.lookup import lookup_card
from app.services.member_io import import_members_csv
from app.services.search import find_members
from app.services.views import MemberView

ROWS = 400  # several slices (the first has 100 rows)
EMPTY = ("", "", "")  # phone, birthday, postcode
ROOT = Path(__file__).resolve().parents[2]


def _letters(n: int) -> str:
    text = ""
    while True:
        n, rest = divmod(n, 26)
        text = "abcdefghijklmnopqrstuvwxyz"[rest] + text
        if not n:
            return text.capitalize()


def _csv(path: Path, rows: int = ROWS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(GENERIC_COLUMNS)
        for n in range(rows):
            name = f"Zander {_letters(n)}"
            writer.writerow(["", "", "Imke", name, f"imke{n}@example.org", *EMPTY, "no", "", "5"])
    return path


def _cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args, "--db", str(db), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def _count(db: Path, sql: str) -> int:
    con = sqlite3.connect(db)
    try:
        return int(con.execute(sql).fetchone()[0])
    finally:
        con.close()


def _outbox(db: Path) -> int:
    return _count(db, "SELECT count(*) FROM sync_event WHERE exported_file IS NULL")


@pytest.fixture
def file_db(ctx: Context) -> Path:
    assert ctx.db.path is not None
    return ctx.db.path


@pytest.mark.sqlite_only  # a file other processes open
def test_sale_and_member_show_in_another_process_between_slices(
    ctx: Context, member: MemberView, file_db: Path, tmp_path: Path
) -> None:
    seen: list[dict] = []

    def between(done: int, total: int) -> None:
        if seen:
            return
        sale = _cli(file_db, "sale", "--card", member.card, "--amount", "12.00")
        show = _cli(file_db, "member", "show", member.card)
        # The import's first slice is written but hidden from the other process.
        first = _count(file_db, "SELECT min(id) FROM member WHERE job_id IS NOT NULL")
        hidden = _cli(file_db, "member", "show", _card_of(file_db, first))
        seen.append({"sale": sale, "show": show, "hidden": hidden, "done": done})

    report = import_members_csv(ctx, _csv(tmp_path / "m.csv"), stored=between)
    assert report.applied and report.imported == ROWS
    (step,) = seen
    assert step["done"] < ROWS
    assert step["sale"].returncode == 0, step["sale"].stderr
    assert json.loads(step["sale"].stdout)["points_earned"] == 12
    assert step["show"].returncode == 0, step["show"].stderr
    assert json.loads(step["show"].stdout)["member_id"] == member.member_id
    assert step["hidden"].returncode == 1
    # Published: every member is found, and settled (no job left behind).
    assert len(find_members(ctx, "Zander")) > 0
    assert _count(file_db, "SELECT count(*) FROM bulk_job") == 0
    assert _count(file_db, "SELECT count(*) FROM member WHERE job_id IS NOT NULL") == 0
    # Each imported member and card exactly once in the outbox.
    assert _count(file_db, "SELECT count(*) FROM sync_event WHERE kind = 'member'") == ROWS + 1
    assert _count(file_db, "SELECT count(*) FROM sync_event WHERE kind = 'card'") == ROWS + 1


def _card_of(db: Path, member_id: int) -> str:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT number FROM card WHERE member_id = ?", (member_id,)).fetchone()[
            0
        ]
    finally:
        con.close()


@pytest.mark.sqlite_only  # a file other processes open
def test_import_failing_after_some_slices_leaves_nothing(
    ctx: Context, member: MemberView, file_db: Path, tmp_path: Path
) -> None:
    members = _count(file_db, "SELECT count(*) FROM member")
    outbox = _outbox(file_db)
    cards: list[str] = []

    def between(done: int, total: int) -> None:
        if cards:
            return
        # Another till takes the number the import planned for its last row: a real
        # constraint failure in a later slice.
        con = sqlite3.connect(file_db)
        top = con.execute("SELECT reserved_card FROM bulk_job").fetchone()[0]
        con.execute(
            "INSERT INTO card (number, member_id, status, issued_at) "
            "VALUES (?, ?, 'active', '2026-01-01 00:00:00.000000')",
            (top, member.member_id),
        )
        con.commit()
        con.close()
        cards.append(top)

    with pytest.raises(LoyaltyError):
        import_members_csv(ctx, _csv(tmp_path / "m.csv"), stored=between)
    assert cards
    assert _count(file_db, "SELECT count(*) FROM member") == members
    assert _outbox(file_db) == outbox
    assert _count(file_db, "SELECT count(*) FROM sync_event WHERE exported_file LIKE 'job:%'") == 0
    assert _count(file_db, "SELECT count(*) FROM bulk_job") == 0
    assert find_members(ctx, "Zander") == []


KILLED = """
import os, sys
from app.services.context import Context
from app.services.member_io import import_members_csv
from app.store.database import Database

def between(done, total):
    if done >= 200:
        os._exit(9)  # killed half way: no clean-up runs

import_members_csv(Context(Database(sys.argv[1])), sys.argv[2], stored=between)
"""


@pytest.mark.sqlite_only  # a file other processes open
def test_killed_import_stays_hidden_and_check_removes_it(
    ctx: Context, member: MemberView, file_db: Path, tmp_path: Path
) -> None:
    members = _count(file_db, "SELECT count(*) FROM member")
    outbox = _outbox(file_db)
    killed = subprocess.run(
        [sys.executable, "-c", KILLED, str(file_db), str(_csv(tmp_path / "m.csv"))],
        cwd=ROOT,
        timeout=120,
    )
    assert killed.returncode == 9
    staged = _count(file_db, "SELECT min(id) FROM member WHERE job_id IS NOT NULL")
    assert staged
    with pytest.raises(LoyaltyError):
        lookup_card(ctx, _card_of(file_db, staged))
    assert find_members(ctx, "Zander") == []
    assert _outbox(file_db) == outbox
    check = _cli(file_db, "check")
    assert check.returncode == 0, check.stderr
    assert _count(file_db, "SELECT count(*) FROM member") == members
    assert _count(file_db, "SELECT count(*) FROM bulk_job") == 0
    assert _outbox(file_db) == outbox
