"""--db and --json work before and after the command name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main


@pytest.mark.parametrize("before", [True, False])
def test_db_and_json_are_honoured_on_either_side_of_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], before: bool
) -> None:
    db = str(tmp_path / "shop.db")
    assert main(["--db", db, "init", "--store", "001", "--till", "1"]) == 0
    capsys.readouterr()
    opts = ["--db", db, "--json"]
    command = ["member", "add", "--first-name", "Jürgen", "--last-name", "Weiß"]
    argv = opts + command if before else command + opts
    assert main(argv) == 0
    added = json.loads(capsys.readouterr().out)
    assert main(["--db", db, "member", "show", added["card"], "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["first_name"], shown["last_name"]) == ("Jürgen", "Weiß")
    assert Path(db).exists()


def test_member_show_prints_the_phone_as_people_read_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "shop.db")
    assert main(["--db", db, "init", "--store", "001", "--till", "1"]) == 0
    capsys.readouterr()
    main(
        [
            "--db",
            db,
            "--json",
            "member",
            "add",
            "--first-name",
            "A",
            "--last-name",
            "B",
            "--phone",
            "0171 2345678",
        ]
    )
    card = json.loads(capsys.readouterr().out)["card"]
    assert main(["--db", db, "member", "show", card]) == 0
    assert "Phone: +49 171 2345678" in capsys.readouterr().out


def test_refusals_name_amounts_in_the_shops_currency(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "shop.db")
    assert main(["--db", db, "init", "--store", "001", "--till", "1"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "settings", "set", "shop.currency", "CHF"]) == 0
    capsys.readouterr()
    main(["--db", db, "--json", "member", "add", "--first-name", "A", "--last-name", "B"])
    card = json.loads(capsys.readouterr().out)["card"]
    assert main(["--db", db, "sale", "--card", card, "--amount", "20000"]) == 1
    assert "CHF" in capsys.readouterr().err
    main(["--db", db, "--json", "sale", "--card", card, "--amount", "10"])
    sale_id = json.loads(capsys.readouterr().out)["sale_id"]
    assert main(["--db", db, "refund", str(sale_id), "--amount", "11"]) == 1
    error = capsys.readouterr().err
    assert "CHF" in error and "€" not in error
