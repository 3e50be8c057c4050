"""`loyalty init` and `loyalty sync …`: two shops (this test's database and a SQLite file)."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_cli_commands import Cli

# The database the commands open is a migrated copy (see db_path): the first `loyalty` call
# does not migrate it again in every test.
pytestmark = pytest.mark.migrated_db

SECRET = "chain-secret-for-cli-tests-0123"


@pytest.fixture
def cli(db_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    """This shop's database: a SQLite file, or PostgreSQL in the postgresql variant."""
    shop = Cli(db_path, capsys)
    shop.json("check")  # the database exists before a refused command is compared with it
    return shop


@pytest.fixture
def chain(
    cli: Cli, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[Cli, Cli, Path]:
    """Shop A on a SQLite file, shop B on the test's database, one sync folder."""
    monkeypatch.setenv("LOYALTY_SYNC_SECRET", SECRET)
    folder = tmp_path / "central"
    a = Cli(tmp_path / "shop-a.db", capsys)
    a.json("init", "--store", "001", "--till", "1", "--sync-dir", str(folder))
    cli.json("init", "--store", "002", "--till", "1", "--sync-dir", str(folder))
    return a, cli, folder


def _enroll(shop: Cli, first: str) -> str:
    return str(shop.json("member", "add", "--first-name", first, "--last-name", "Müller")["card"])


def test_init_sets_the_shop_and_creates_a_secret_file(cli: Cli, tmp_path: Path) -> None:
    secret = tmp_path / "keys" / "chain.secret"
    data = cli.json(
        "init",
        "--store",
        "002",
        "--till",
        "3",
        "--sync-dir",
        str(tmp_path / "central"),
        "--secret-file",
        str(secret),
    )
    assert data["store"] == "002" and data["till"] == 3 and data["secret_created"] is True
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert len(secret.read_text().strip()) == 64
    status = cli.json("sync", "status")
    assert (status["store"], status["till"], status["secret"]) == ("002", 3, True)
    assert status["sync_dir"] == str((tmp_path / "central").resolve())
    card = _enroll(cli, "Anna")
    assert card.startswith("29002")  # new cards carry the store code
    again = cli.json("init", "--store", "002", "--till", "3", "--secret-file", str(secret))
    assert again["secret_created"] is False  # an existing secret is kept
    text = cli.ok("sync", "status")
    assert "Store 002, till 3" in text and "Events waiting for export: 2" in text


def test_init_refuses_bad_values_and_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    cli.refused("init", "--store", "12", "--till", "1", match="3 digits")
    cli.refused("init", "--store", "002", "--till", "0", match="from 1 to 999")
    folder = tmp_path / "central"
    cli.refused(
        "init",
        "--store",
        "002",
        "--till",
        "1",
        "--sync-dir",
        str(folder),
        "--secret-file",
        str(folder / "chain.secret"),
        match="outside the sync folder",
    )
    short = tmp_path / "short.secret"
    short.write_text("abc\n")
    cli.refused("init", "--store", "002", "--till", "1", "--secret-file", str(short), match="short")


def test_two_shops_exchange_members_and_points(chain: tuple[Cli, Cli, Path]) -> None:
    a, b, _folder = chain
    card = _enroll(a, "Anna")
    a.json("sale", "--card", card, "--amount", "42,50")
    exported = a.json("sync", "export")
    assert exported["events"] == 3 and len(exported["files"]) == 1
    imported = b.json("sync", "import")
    assert imported["events_applied"] == 3 and imported["rejected"] == []
    assert b.json("member", "show", card)["points"] == 42
    b.json("sale", "--card", card, "--amount", "10", "--redeem", "40")
    ran = b.json("sync", "run")
    assert ran["export"]["events"] == 1
    a.json("sync", "import")
    assert a.json("member", "show", card)["points"] == b.json("member", "show", card)["points"]
    assert a.json("check")["ok"] and b.json("check")["ok"]
    text = a.ok("sync", "import")
    assert "0 events applied" in text


def test_a_tampered_file_is_named_on_stderr_and_nothing_is_applied(
    chain: tuple[Cli, Cli, Path],
) -> None:
    a, b, folder = chain
    card = _enroll(a, "Anna")
    a.json("sync", "export")
    (path,) = folder.glob("sync-001-*")
    path.write_bytes(
        path.read_bytes()
        .replace(b"M\\u00fcller", b"Mallory")
        .replace("Müller".encode(), b"Mallory")
    )
    code, out, err = b.run("sync", "import", "--json")
    assert code == 1
    assert path.name in err and "signature" in err and "Traceback" not in err
    assert '"rejected"' in out
    code, _out, err = b.run("member", "show", card)
    assert code != 0 and "Unknown card" in err


def test_conflicts_are_listed_and_resolved_with_a_note(chain: tuple[Cli, Cli, Path]) -> None:
    a, b, _folder = chain
    card = _enroll(a, "Anna")
    a.json("adjust", card, "--points", "500", "--reason", "welcome")
    a.json("sync", "export")
    b.json("sync", "import")
    a.json("sale", "--card", card, "--amount", "10", "--redeem", "400")
    b.json("sale", "--card", card, "--amount", "10", "--redeem", "400")
    a.json("sync", "run")
    b.json("sync", "run")
    conflicts: list[dict[str, Any]] = b.json("sync", "conflicts")["conflicts"]
    assert [c["kind"] for c in conflicts] == ["negative_balance"]
    assert b.json("sync", "status")["open_conflicts"] == 1
    number = str(conflicts[0]["id"])
    assert (
        f"#{number} " in (listed := b.ok("sync", "conflicts"))
        and "Anna Müller: the balance fell to -288 points after redemptions in two shops" in listed
    )
    b.refused("sync", "conflicts", "--resolve", number, match="Say how")
    b.refused("sync", "conflicts", "--resolve", "999", "--note", "x", match="no conflict")
    b.json("adjust", card, "--points", "300", "--reason", "sync conflict: goodwill")
    done = b.json("sync", "conflicts", "--resolve", number, "--note", "balance restored")
    assert done == {"resolved": int(number)}
    assert b.json("sync", "conflicts")["conflicts"] == []
    (resolved,) = b.json("sync", "conflicts", "--all")["conflicts"]
    assert resolved["resolution"] == "balance restored"
    assert "No open conflicts" in b.ok("sync", "conflicts")
    assert "(resolved: balance restored)" in b.ok("sync", "conflicts", "--all")


def test_sync_without_a_secret_or_folder_says_what_to_do(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("LOYALTY_SYNC_SECRET", raising=False)
    cli.refused("sync", "export", match="No sync folder")
    cli.refused("sync", "export", "--dir", str(tmp_path), match="No chain secret")
    monkeypatch.setenv("LOYALTY_SYNC_SECRET", SECRET)
    cli.refused("sync", "import", "--dir", str(tmp_path / "missing"), match="does not exist")


def test_sync_run_leaves_a_receipt_and_deletes_what_every_shop_applied(
    chain: tuple[Cli, Cli, Path],
) -> None:
    a, b, folder = chain
    for shop in (a, b):
        shop.json("settings", "set", "sync.retention_days", "0")
    _enroll(a, "Anna")
    # B left its receipt when it joined (init): A keeps its file until B has applied it.
    assert a.json("sync", "run")["retention"]["deleted"] == []
    assert sorted(p.name.split("-")[0] for p in folder.iterdir()) == ["receipt", "receipt", "sync"]
    text = b.ok("sync", "run")  # B applies A's file, leaves its receipt: applied everywhere
    assert "1 old file deleted from the sync folder" in text
    assert sorted(p.name.split("-")[0] for p in folder.iterdir()) == ["receipt", "receipt"]
