"""Wrong files: a missing path, an empty file, a text file, a damaged database.

Only ``init``, ``demo`` and the counter (after asking on a terminal) create a database; every
other command says there is none (one line, exit 1, nothing created). A file that is not a
database, or a damaged one, is refused with its bytes unchanged; ``loyalty check`` reports
what is wrong with a damaged file without writing into it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from app.cli import counter
from tests.cli.test_cli_commands import Cli

CARD = "2900100000017"

# Every command that opens the database, with arguments that get past the parser.
COMMANDS: list[tuple[str, ...]] = [
    ("member", "add", "--first-name", "Anna", "--last-name", "Berg"),
    ("member", "show", CARD),
    ("member", "find", "Anna"),
    ("member", "update", CARD, "--postcode", "10115"),
    ("member", "merge", CARD, "2900100000024"),
    ("member", "export", CARD),
    ("member", "erase", CARD, "--yes"),
    ("members", "list"),
    ("members", "export", "members.csv"),
    ("members", "import", "members.csv"),
    ("card", "print", CARD),
    ("card", "replace", CARD),
    ("sale", "--card", CARD, "--amount", "5", "--request-id", "R1"),
    ("refund", "1"),
    ("adjust", CARD, "--points", "5", "--reason", "test"),
    ("check",),
    ("coupon", "create", "--code", "SUMMER", "--percent", "10"),
    ("coupon", "batch", "--count", "2", "--percent", "10"),
    ("coupon", "list"),
    ("coupon", "show", "SUMMER"),
    ("stamps", "add", "Coffee", "--stamps", "9", "--reward", "coffee"),
    ("stamps", "list"),
    ("stamps", "remove", "Coffee"),
    ("stamps", "give", CARD),
    ("stamps", "card", CARD),
    ("settings", "list"),
    ("settings", "set", "shop.currency", "CHF"),
    ("sync", "export"),
    ("sync", "import"),
    ("sync", "run"),
    ("sync", "status"),
    ("sync", "conflicts"),
    ("tier", "add", "Gold", "--min-spend", "500", "--multiplier", "2"),
    ("tier", "list"),
    ("tier", "remove", "Gold"),
    ("campaign", "add", "Double", "--multiplier", "2"),
    ("campaign", "list"),
    ("campaign", "remove", "Double"),
    ("points", "expire"),
]


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # members.csv and the like: relative to the test's folder
    (tmp_path / "members.csv").write_text("first_name,last_name\nAnna,Berg\n")


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_missing_database_is_named_and_not_created(
    argv: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "typo" / "shop.db"
    cli = Cli(path, capsys)
    for extra in ((), ("--json",)):
        code, out, err = cli.run(*argv, *extra)
        assert (code, out) == (1, ""), err
        assert err.strip().splitlines() == [
            f"Error: There is no database at {path}: `loyalty init --db {path}` creates one"
        ]
    assert not path.exists() and not path.parent.exists()


def test_the_missing_default_database_is_named_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No --db and no database in the user data folder yet: the same sentence, its path."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    from app.config import default_db_path

    cli = Cli(tmp_path, capsys)
    code, out, err = cli.run("member", "find", "Anna", db=False)
    assert (code, out) == (1, "")
    assert f"There is no database at {default_db_path()}" in err
    assert not default_db_path().exists()
    assert cli.run("init", "--store", "001", "--till", "1", db=False)[0] == 0
    assert cli.run("member", "find", "Anna", db=False)[0] == 0


def test_init_and_demo_create_the_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = Cli(tmp_path / "new" / "shop.db", capsys)
    assert shop.json("init", "--store", "001", "--till", "1")["store"] == "001"
    assert shop.json("member", "find", "Anna")["count"] == 0
    demo = Cli(tmp_path / "demo.db", capsys)
    assert len(demo.json("demo", "--members", "3", "--no-open")["cards"]) == 3


def test_the_counter_refuses_without_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "till.db"
    code, out, err = Cli(path, capsys).run()  # no command: the counter; stdin is not a terminal
    assert (code, out) == (1, "")
    assert "There is no database at" in err
    assert not path.exists()


@pytest.mark.parametrize("answer", ["n", "", "y"])
def test_the_counter_asks_before_creating_a_database(
    answer: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "till.db"
    asked: list[str] = []
    monkeypatch.setattr(counter.sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(counter.sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or answer)
    opened: list[object] = []
    monkeypatch.setattr("app.tui.app.LoyaltyApp.run", lambda app: opened.append(app))
    code, _out, err = Cli(path, capsys).run()
    assert asked == [f"There is no database at {path}. Create a new one? [y/N] "]
    if answer == "y":
        assert (code, err) == (0, "") and len(opened) == 1
        assert path.stat().st_size > 0
    else:
        assert code == 1 and "There is no database" in err and not opened
        assert not path.exists()


def _refused_everywhere(cli: Cli, match: str) -> None:
    """Every command refuses the file in one line and leaves its bytes as they were."""
    before = cli.db.read_bytes()
    for argv in COMMANDS:
        code, out, err = cli.run(*argv)
        assert (code, out) == (1, ""), (argv, out, err)
        assert len(err.strip().splitlines()) == 1, (argv, err)
        assert match in err, (argv, err)
        assert cli.db.read_bytes() == before, argv


def test_an_empty_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    _refused_everywhere(Cli(path, capsys), "is an empty file, not a loyalty database")


def test_a_text_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "notes.db"
    path.write_text("shopping list: milk, bread\n" * 100)
    _refused_everywhere(Cli(path, capsys), "is not a loyalty database (another kind of file)")
    assert Cli(path, capsys).run("init", "--store", "001", "--till", "1")[0] == 1


def _damaged_shop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    """A real shop's file with one page in the middle overwritten: the settings table's,
    which every command reads when it opens the shop."""
    shop = Cli(tmp_path / "shop.db", capsys)
    shop.json("init", "--store", "001", "--till", "1")
    for name in ("Anna", "Bert", "Carla"):
        card = shop.json("member", "add", "--first-name", name, "--last-name", "Berg")["card"]
        shop.json("sale", "--card", card, "--amount", "25")
    con = sqlite3.connect(shop.db)
    # The commands ran in this process: fold their WAL into the file before damaging it, so
    # no later checkpoint copies an old page over the damage.
    # A checkpoint that meets a reader (another till's, or a checkpointer thread's) stops
    # short: again until the whole WAL is in the file and the WAL is empty.
    for _attempt in range(200):
        busy, _log, _done = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if not busy:
            break
        time.sleep(0.05)
    assert not busy
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    (root,) = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'setting'").fetchone()
    con.close()
    assert 1 < root < pages  # in the middle of the file
    data = bytearray(shop.db.read_bytes())
    data[(root - 1) * page_size : root * page_size] = b"\xa5" * page_size
    shop.db.write_bytes(bytes(data))
    return shop


def test_a_damaged_file_is_refused_with_a_pointer_to_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = _damaged_shop(tmp_path, capsys)
    before = shop.db.read_bytes()
    for argv in COMMANDS:
        if argv == ("check",):
            continue
        code, out, err = shop.run(*argv)
        assert (code, out) == (1, ""), (argv, out, err)
        assert len(err.strip().splitlines()) == 1, (argv, err)
        assert "damaged" in err and "loyalty check" in err, (argv, err)
        assert "Traceback" not in err
        assert shop.db.read_bytes() == before, argv


def test_check_reports_a_damaged_file_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = _damaged_shop(tmp_path, capsys)
    before = shop.db.read_bytes()
    code, out, err = shop.run("check", "--json")
    assert code == 2 and err == ""
    report = json.loads(out)
    assert report["ok"] is False
    assert "malformed" in report["integrity"]
    code, out, _err = shop.run("check")
    assert code == 2
    assert "Database integrity: " in out and "PROBLEMS FOUND" in out
    assert shop.db.read_bytes() == before


def test_check_does_not_migrate_an_older_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`check` examines the file as it is; the next ordinary command upgrades it."""
    from app.store.database import Database
    from app.store.migrate import current_revision, upgrade

    path = tmp_path / "old.db"
    db = Database(str(path), migrate=False)
    upgrade(db.engine, "0008_program_speed")
    db.dispose()
    shop = Cli(path, capsys)
    assert shop.json("check")["ok"] is True
    db = Database(str(path), migrate=False)
    assert current_revision(db.engine) == "0008_program_speed"
    db.dispose()
    shop.json("member", "find", "Anna")
    db = Database(str(path), migrate=False)
    assert current_revision(db.engine) != "0008_program_speed"
    db.dispose()
