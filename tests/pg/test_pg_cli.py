"""Every `loyalty` command with ``--db postgresql+psycopg://...`` (and one through LOYALTY_DB)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.cli import main


class PgCli:
    """Runs ``loyalty --db <url> ...`` in this process and captures what it prints."""

    def __init__(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.url = url
        self.capsys = capsys

    def run(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        try:
            code = main(["--db", self.url, *argv])
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def json(self, *argv: str) -> Any:
        code, out, err = self.run(*argv, "--json")
        assert (code, err) == (0, ""), err
        return json.loads(out)

    def refused(self, *argv: str) -> str:
        code, out, err = self.run(*argv)
        assert code != 0 and out == ""
        assert len(err.strip().splitlines()) == 1, err
        return err


@pytest.fixture
def cli(pg_url: str, capsys: pytest.CaptureFixture[str]) -> PgCli:
    return PgCli(pg_url, capsys)


def test_the_till_commands_on_postgresql(cli: PgCli, tmp_path: Path) -> None:
    anna = cli.json(
        "member", "add", "--first-name", "Anna", "--last-name", "Müller",
        "--email", "anna@example.org", "--phone", "0171 2345678", "--birthday", "1985-04-12",
    )  # fmt: skip
    card = anna["card"]
    assert cli.json("member", "show", card)["last_name"] == "Müller"
    found = cli.json("member", "find", "muller")
    assert [m["card"] for m in found["members"]] == [card]
    assert (
        cli.json("adjust", card, "--points", "300", "--reason", "welcome")["points_balance"] == 300
    )
    sale = cli.json("sale", "--card", card, "--amount", "25,00", "--redeem", "100")
    assert (sale["points_redeemed"], sale["to_pay_cents"]) == (100, 2400)
    refund = cli.json("refund", str(sale["sale_id"]), "--amount", "5.00")
    assert refund["amount_cents"] == 500
    shown = cli.json("member", "show", card)
    assert shown["points"] == refund["points_balance"]
    assert [s["sale_id"] for s in shown["recent_sales"]] == [sale["sale_id"]]
    check = cli.json("check")
    assert check["ok"] and check["integrity"] == "ok" and check["mismatches"] == []
    code, out, _err = cli.run("check")
    assert code == 0 and "Everything is consistent" in out

    before = cli.json("check")["ledger_entries"]
    assert "points" in cli.refused("sale", "--card", card, "--amount", "100", "--redeem", "9999")
    assert cli.json("check")["ledger_entries"] == before


def test_the_member_desk_commands_on_postgresql(cli: PgCli, tmp_path: Path) -> None:
    cards = [
        cli.json("member", "add", "--first-name", first, "--last-name", last)["card"]
        for first, last in [("Jürgen", "Özdemir"), ("Lena", "Ohm"), ("Zoë", "Abel"), ("Ida", "Ott")]
    ]
    names = [m["last_name"] for m in cli.json("members", "list")["members"]]
    assert names == ["Abel", "Ohm", "Ott", "Özdemir"]
    first = cli.json("members", "list", "--sort", "newest", "--limit", "2")
    assert [m["card"] for m in first["members"]] == cards[:1:-1]
    rest = cli.json(
        "members", "list", "--sort", "newest", "--limit", "2",
        "--after", json.dumps(first["next_key"]),
    )  # fmt: skip
    assert [m["card"] for m in rest["members"]] == cards[1::-1]
    assert [m["last_name"] for m in cli.json("members", "list", "o")["members"]] == [
        "Ohm",
        "Ott",
        "Özdemir",
    ]
    updated = cli.json(
        "member", "update", cards[1], "--email", "lena@example.org", "--tier", "Gold"
    )
    assert updated["email"] == "lena@example.org"

    csv_file = tmp_path / "members.csv"
    cli.json("members", "export", str(csv_file))
    assert "Özdemir" in csv_file.read_text(encoding="utf-8")

    merged = cli.json("member", "merge", cards[2], cards[3])
    assert merged
    assert "replaced" in cli.refused("member", "show", cards[3])
    export = tmp_path / "lena.json"
    cli.json("member", "export", cards[1], "--out", str(export))
    assert json.loads(export.read_text(encoding="utf-8"))["member"]["email"] == "lena@example.org"
    erased = cli.json("member", "erase", cards[1], "--yes")
    assert cards[1] in erased["blocked_cards"]
    assert cli.json("check")["ok"]


def test_members_import_and_settings_on_postgresql(cli: PgCli, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(
        "first_name,last_name,email,points\nMarta,Kowalska,marta@example.org,120\n"
        "Paul,Lefèvre,,0\n",
        encoding="utf-8",
    )
    report = cli.json("members", "import", str(source))
    assert report
    assert [m["last_name"] for m in cli.json("members", "list")["members"]] == [
        "Kowalska",
        "Lefèvre",
    ]
    assert cli.json("check")["ok"]
    assert cli.json("settings", "set", "program.earn_points_per_unit", "2")["value"] == 2
    assert cli.json("settings", "list")["settings"]["program.earn_points_per_unit"] == 2


def test_demo_and_a_real_loyalty_process_through_loyalty_db(pg_url: str, cli: PgCli) -> None:
    demo = cli.json("demo", "--no-open", "--members", "12")
    card = demo["cards"][0]["card"]
    env = {**os.environ, "LOYALTY_DB": pg_url, "LOYALTY_LANG": "en_US"}
    done = subprocess.run(
        [sys.executable, "-m", "app", "member", "show", card, "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout)["card"] == card
    assert cli.json("check")["members"] == 12


def test_a_wrong_server_is_one_line_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--db", "postgresql+psycopg://x@127.0.0.1:1/none?connect_timeout=2", "check"])
    err = capsys.readouterr().err
    assert code != 0
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
