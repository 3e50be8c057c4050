"""The scriptable `loyalty` command: every command of issue 2, text and JSON, and its errors.

Commands run in-process through ``app.cli.main`` on a real SQLite file; a few run as a real
``loyalty`` process. A refused command prints one line on stderr, exits non-zero and leaves
every row of the database as it was.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from tests.services.dbstate import connect

# The database the commands open is a migrated copy (see db_path): the first `loyalty` call
# does not migrate it again in every test.
pytestmark = pytest.mark.migrated_db

TABLES = ("member", "card", "sale", "refund", "ledger_entry", "setting", "audit_entry")


class Cli:
    """Runs ``loyalty --db <file> ...`` in this process and captures what it prints."""

    def __init__(self, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.db = db
        self.capsys = capsys

    def run(self, *argv: str, db: bool = True) -> tuple[int, str, str]:
        self.capsys.readouterr()
        try:
            code = main([*(["--db", str(self.db)] if db else []), *argv])
        except SystemExit as exc:  # argparse refusals
            code = int(exc.code or 0)
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def json(self, *argv: str) -> dict[str, Any]:
        code, out, err = self.run(*argv, "--json")
        assert code == 0, err
        assert err == ""
        data = json.loads(out)
        assert isinstance(data, dict)
        return data

    def ok(self, *argv: str) -> str:
        code, out, err = self.run(*argv)
        assert (code, err) == (0, ""), err
        return out

    def refused(self, *argv: str, match: str) -> str:
        """Run a command that must fail: one line on stderr, non-zero, nothing changed."""
        before = snapshot(self.db)
        for extra in ((), ("--json",)):
            code, out, err = self.run(*argv, *extra)
            assert code != 0
            assert out == ""
            assert len(err.strip().splitlines()) == 1, err
            assert match.lower() in err.lower(), err
            assert "Traceback" not in err
            assert snapshot(self.db) == before
        return err.strip()


def snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = connect(path)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in TABLES}
    finally:
        con.close()


def scalar(path: Path, sql: str, *params: Any) -> Any:
    con = connect(path)
    try:
        return con.execute(sql, params).fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def cli(db_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    """The shop's database: a SQLite file, or a PostgreSQL URL in the postgresql variant."""
    return Cli(db_path, capsys)


@pytest.fixture
def anna(cli: Cli) -> dict[str, Any]:
    """Anna Müller enrolled through the CLI, with 200 points from a sale of 200.00."""
    added = cli.json(
        "member",
        "add",
        "--first-name",
        "Anna",
        "--last-name",
        "Müller",
        "--email",
        "anna@example.org",
        "--phone",
        "0171 2345678",
        "--birthday",
        "1985-04-12",
        "--postcode",
        "10115",
        "--salutation",
        "ms",
        "--consent",
    )
    cli.json("sale", "--card", added["card"], "--amount", "200")
    return added


# --- member add / show / find -------------------------------------------------------------


def test_member_add_json_has_the_promised_keys(cli: Cli, anna: dict[str, Any]) -> None:
    assert {"card", "first_name", "last_name", "points"} <= set(anna)
    assert (anna["first_name"], anna["last_name"], anna["points"]) == ("Anna", "Müller", 0)
    assert len(anna["card"]) == 13 and anna["card"].startswith("29001")
    assert anna["email"] == "anna@example.org"
    assert anna["phone"] == "+491712345678"
    assert anna["birthday"] == "1985-04-12"
    assert scalar(cli.db, "SELECT marketing_consent FROM member") == 1
    assert scalar(cli.db, "SELECT consent_at IS NOT NULL FROM member") == 1


def test_member_add_text_output(cli: Cli) -> None:
    out = cli.ok("member", "add", "--first-name", "Jonas", "--last-name", "Weber")
    lines = out.splitlines()
    assert lines[0] == "Enrolled:"
    assert lines[1].startswith("Jonas Weber  (29001")
    assert "Points: 0 = €0.00" in out
    assert scalar(cli.db, "SELECT consent_at FROM member") is None


def test_member_show_text_and_json(cli: Cli, anna: dict[str, Any]) -> None:
    shown = cli.json("member", "show", anna["card"])
    assert {"card", "first_name", "last_name", "points"} <= set(shown)
    assert (shown["card"], shown["points"], shown["points_value_cents"]) == (anna["card"], 200, 200)
    assert len(shown["recent_sales"]) == 1
    assert shown["recent_sales"][0]["amount_cents"] == 20000
    out = cli.ok("member", "show", anna["card"])
    assert f"Ms Anna Müller  ({anna['card']})" in out
    assert "Points: 200 = €2.00" in out
    assert "Phone: +49 171 2345678" in out
    assert "Email: anna@example.org" in out
    assert "€200.00, +200 / -0 points" in out


def test_member_find_text_and_json(cli: Cli, anna: dict[str, Any]) -> None:
    cli.ok("member", "add", "--first-name", "Jürgen", "--last-name", "Schmidt")
    for text in ("muller", "MÜLLER", "0171 23", "anna@exa"):
        found = cli.json("member", "find", text)
        assert found["count"] == 1, text
        (line,) = found["members"]
        assert (line["card"], line["last_name"], line["points"]) == (anna["card"], "Müller", 200)
    out = cli.ok("member", "find", "muller")
    assert anna["card"] in out and "Müller, Anna" in out
    assert cli.json("member", "find", "nobody") == {"members": [], "count": 0}
    assert cli.ok("member", "find", "nobody").strip() == "No member found"


def test_member_find_limit(cli: Cli) -> None:
    for first in ("Ben", "Emma", "Karl"):
        cli.ok("member", "add", "--first-name", first, "--last-name", "Wagner")
    found = cli.json("member", "find", "wagner", "--limit", "2")
    assert [m["first_name"] for m in found["members"]] == ["Ben", "Emma"]


# --- sale / refund / adjust ---------------------------------------------------------------


def test_sale_json_has_the_promised_keys(cli: Cli, anna: dict[str, Any]) -> None:
    sale = cli.json("sale", "--card", anna["card"], "--amount", "12,50", "--redeem", "150")
    assert {"sale_id", "points_earned", "points_redeemed", "points_balance", "to_pay_cents"} <= (
        set(sale)
    )
    assert sale["amount_cents"] == 1250
    assert sale["points_redeemed"] == 150
    assert sale["to_pay_cents"] == 1100
    assert sale["points_earned"] == 11
    assert sale["points_balance"] == 200 - 150 + 11
    assert scalar(cli.db, "SELECT points_balance FROM member") == 61
    assert scalar(cli.db, "SELECT sum(points) FROM ledger_entry") == 61


def test_sale_text_output(cli: Cli, anna: dict[str, Any]) -> None:
    out = cli.ok("sale", "--card", anna["card"], "--amount", "12.50")
    assert out.splitlines() == [
        "Sale 2: €12.50",
        "Points redeemed: 0 (-€0.00)",
        "To pay: €12.50",
        "Points earned: 12",
        "New balance: 212",
    ]


def test_refund_full_and_partial(cli: Cli, anna: dict[str, Any]) -> None:
    sale = cli.json("sale", "--card", anna["card"], "--amount", "100", "--redeem", "100")
    # paid 99.00 -> 99 points; balance 200 - 100 + 99 = 199
    part = cli.json("refund", str(sale["sale_id"]), "--amount", "50")
    assert part["amount_cents"] == 5000
    assert part["money_back_cents"] == 4950
    assert (part["points_reversed"], part["points_returned"]) == (49, 50)
    assert part["points_balance"] == 199 - 49 + 50
    out = cli.ok("refund", str(sale["sale_id"]))
    assert "Refund 2 of sale 2: €50.00" in out
    assert "Money back: €49.50" in out
    assert "Points taken back: 50, points given back: 50" in out
    assert "New balance: 200" in out
    assert scalar(cli.db, "SELECT refunded_cents FROM sale WHERE id = 2") == 10000
    assert cli.json("check")["ok"] is True


def test_a_sale_above_a_lowered_maximum_can_still_be_refunded_in_part(
    cli: Cli, anna: dict[str, Any]
) -> None:
    cli.ok("settings", "set", "program.max_sale_cents", "5000")
    part = cli.json("refund", "1", "--amount", "150")  # of the 200.00 sale, above 50.00
    assert (part["amount_cents"], part["points_reversed"]) == (15000, 150)
    cli.refused("refund", "1", "--amount", "50.01", match="At most €50.00")


def test_two_sixty_percent_refunds_second_refused(cli: Cli, anna: dict[str, Any]) -> None:
    cli.json("refund", "1", "--amount", "120")
    err = cli.refused("refund", "1", "--amount", "120", match="can still be refunded")
    assert err == "Error: At most €80.00 of this sale can still be refunded, not €120.00"


def test_adjust_text_and_json(cli: Cli, anna: dict[str, Any]) -> None:
    result = cli.json("adjust", anna["card"], "--points", "50", "--reason", "birthday gift")
    assert result == {
        "card": anna["card"],
        "points": 50,
        "reason": "birthday gift",
        "points_balance": 250,
    }
    out = cli.ok("adjust", anna["card"], "--points", "-250", "--reason", "test points removed")
    assert f"Adjusted {anna['card']} by -250 points (test points removed)" in out
    assert "New balance: 0" in out
    assert scalar(cli.db, "SELECT reason FROM ledger_entry ORDER BY id DESC LIMIT 1") == (
        "test points removed"
    )
    assert scalar(cli.db, "SELECT count(*) FROM audit_entry WHERE action = 'points.adjust'") == 2


# --- check / settings / demo --------------------------------------------------------------


def test_check_reports_consistency_and_a_corrupted_balance(cli: Cli, anna: dict[str, Any]) -> None:
    report = cli.json("check")
    assert report == {
        "ok": True,
        "members": 1,
        "ledger_entries": 1,
        "integrity": "ok",
        "mismatches": [],
        # Member imports left by a killed process: none here.
        "jobs_discarded": 0,
        "jobs_settled": 0,
        # The audit trail's chains (enrolment and settings rows), verified.
        "audit": {"ok": True, "rows": report["audit"]["rows"], "chains": 1, "broken": None},
    }
    assert cli.ok("check").splitlines()[-1] == "Everything is consistent"

    con = connect(cli.db)
    con.execute("UPDATE member SET points_balance = 999")
    con.commit()
    con.close()
    code, out, _err = cli.run("check", "--json")
    assert code == 2
    report = json.loads(out)
    assert report["ok"] is False
    assert report["mismatches"] == [{"member_id": 1, "cached": 999, "ledger": 200}]
    code, out, _err = cli.run("check")
    assert code == 2
    assert "Member 1: cached balance 999 but ledger sum 200" in out
    assert out.splitlines()[-1] == "PROBLEMS FOUND"


def test_settings_list_and_set(cli: Cli, anna: dict[str, Any]) -> None:
    settings = cli.json("settings", "list")["settings"]
    assert settings["program.max_sale_cents"] == 1_000_000
    assert settings["program.redeem_points_per_unit"] == 100
    assert "program.earn_points_per_unit = 1" in cli.ok("settings", "list")

    assert cli.json("settings", "set", "program.earn_points_per_unit", "10") == {
        "key": "program.earn_points_per_unit",
        "value": 10,
    }
    assert cli.ok("settings", "set", "shop.name", "Bäckerei Sonne").strip() == (
        'shop.name = "Bäckerei Sonne"'
    )
    assert cli.json("settings", "list")["settings"]["shop.name"] == "Bäckerei Sonne"
    assert (
        scalar(
            cli.db,
            "SELECT count(*) FROM audit_entry WHERE action = 'setting.change' AND actor != ''",
        )
        == 2
    )
    # The new rule applies to the next sale, in a new process or command.
    assert cli.json("sale", "--card", anna["card"], "--amount", "3")["points_earned"] == 30


def test_max_sale_setting_limits_amounts(cli: Cli, anna: dict[str, Any]) -> None:
    cli.refused("sale", "--card", anna["card"], "--amount", "10000.01", match="largest allowed")
    cli.ok("settings", "set", "program.max_sale_cents", "5000")
    cli.refused("sale", "--card", anna["card"], "--amount", "50.01", match="largest allowed")
    assert cli.json("sale", "--card", anna["card"], "--amount", "50")["amount_cents"] == 5000


def test_demo_no_open_text_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli = Cli(tmp_path / "demo.db", capsys)
    data = cli.json("demo", "--no-open", "--members", "6")
    assert data["db"] == str((tmp_path / "demo.db").resolve())
    assert 1 <= len(data["cards"]) <= 5
    assert all(len(c["card"]) == 13 and c["name"] for c in data["cards"])
    assert scalar(cli.db, "SELECT count(*) FROM member") == 6
    # A second run leaves the existing members alone and prints the same cards.
    out = cli.ok("demo", "--no-open")
    assert out.splitlines()[1] == "Demo cards to scan:"
    assert all(c["card"] in out for c in data["cards"])
    assert data["coupon"] == "WELCOME10"
    assert out.splitlines()[-1] == "Coupon to try at a checkout: WELCOME10, 10% off from €10.00"
    assert scalar(cli.db, "SELECT count(*) FROM member") == 6
    assert scalar(cli.db, "SELECT count(*) FROM stamp") == 9
    assert cli.json("check")["ok"] is True
    shown = cli.json("member", "show", data["cards"][0]["card"])
    assert f"{shown['first_name']} {shown['last_name']}" == data["cards"][0]["name"]


# --- errors: one line, non-zero, nothing changed --------------------------------------------


def test_card_errors(cli: Cli, anna: dict[str, Any]) -> None:
    wrong = anna["card"][:-1] + str((int(anna["card"][-1]) + 1) % 10)
    for argv in (
        ("member", "show", wrong),
        ("sale", "--card", wrong, "--amount", "5"),
        ("adjust", wrong, "--points", "5", "--reason", "x"),
    ):
        cli.refused(*argv, match="Wrong check digit")
    cli.refused("member", "show", "2900100000994", match="Unknown card 2900100000994")
    cli.refused("sale", "--card", "2900100000994", "--amount", "5", match="Unknown card")
    cli.refused("member", "show", "12345", match="13 digits")
    cli.refused("member", "show", "abc", match="only digits")

    con = connect(cli.db)
    con.execute("UPDATE card SET status = 'blocked'")
    con.commit()
    con.close()
    cli.refused("member", "show", anna["card"], match="is blocked")
    cli.refused("sale", "--card", anna["card"], "--amount", "5", match="is blocked")


@pytest.mark.parametrize(
    ("amount", "match"),
    [
        ("abc", "is not an amount"),
        ("-5", "cannot be negative"),
        ("0", "more than zero"),
        ("0,00", "more than zero"),
        ("12.345", "at most two decimals"),
        ("20000", "largest allowed sale"),
        ("", "Enter an amount"),
    ],
)
def test_bad_amounts(cli: Cli, anna: dict[str, Any], amount: str, match: str) -> None:
    cli.refused("sale", "--card", anna["card"], "--amount", amount, match=match)


def test_bad_refund_amounts(cli: Cli, anna: dict[str, Any]) -> None:
    cli.refused("refund", "1", "--amount", "abc", match="is not an amount")
    cli.refused("refund", "1", "--amount", "0", match="more than zero")
    cli.refused("refund", "1", "--amount", "200.01", match="can still be refunded")


def test_points_errors(cli: Cli, anna: dict[str, Any]) -> None:
    card = anna["card"]
    cli.refused(
        "sale", "--card", card, "--amount", "50", "--redeem", "201", match="Only 200 points"
    )
    cli.refused(
        "sale", "--card", card, "--amount", "1", "--redeem", "150", match="At most 100 points"
    )
    cli.refused("sale", "--card", card, "--amount", "5", "--redeem", "-1", match="negative")
    cli.refused("sale", "--card", card, "--amount", "5", "--redeem", "many", match="--redeem")
    cli.refused("adjust", card, "--points", "-201", "--reason", "oops", match="balance is 200")
    cli.refused("adjust", card, "--points", "0", "--reason", "nothing", match="number of points")


def test_missing_or_empty_reason(cli: Cli, anna: dict[str, Any]) -> None:
    cli.refused("adjust", anna["card"], "--points", "5", match="--reason")
    cli.refused("adjust", anna["card"], "--points", "5", "--reason", "   ", match="reason")


def test_unknown_sale_and_refund_of_a_refunded_sale(cli: Cli, anna: dict[str, Any]) -> None:
    cli.refused("refund", "42", match="no sale number 42")
    cli.refused("refund", "x", match="not a whole number")
    cli.ok("refund", "1")
    cli.refused("refund", "1", match="already been refunded in full")


@pytest.mark.parametrize(
    ("option", "value", "match"),
    [
        ("--email", "anna@", "not an email address"),
        ("--phone", "12", "phone number"),
        # The format is right, the day is not in the calendar: it says so (issue 15).
        ("--birthday", "1985-02-30", "1985-02-30 does not exist"),
        ("--birthday", "30 Feb 1985", "Birthday as YYYY-MM-DD"),
        ("--birthday", "2099-01-01", "future"),
        ("--postcode", "#1", "not a postcode"),
        ("--salutation", "dr", "invalid choice"),
    ],
)
def test_invalid_member_fields(
    cli: Cli, anna: dict[str, Any], option: str, value: str, match: str
) -> None:
    cli.refused(
        "member", "add", "--first-name", "Jo", "--last-name", "Doe", option, value, match=match
    )


def test_missing_and_empty_names(cli: Cli, anna: dict[str, Any]) -> None:
    cli.refused("member", "add", "--first-name", "Jo", match="--last-name")
    cli.refused(
        "member", "add", "--first-name", "", "--last-name", "Doe", match="First name is required"
    )


def test_search_and_settings_errors(cli: Cli, anna: dict[str, Any]) -> None:
    cli.refused("member", "find", "a", match="at least two letters")
    cli.refused("member", "find", "muller", "--limit", "-2", match="from 1 to 1000")
    cli.refused("member", "find", "muller", "--limit", "0", match="from 1 to 1000")
    cli.refused("settings", "set", "no.such.key", "1", match="Unknown setting")
    cli.refused("settings", "set", "program.earn_points_per_unit", "-3", match="not a valid")
    cli.refused("settings", "set", "card.prefix", "31", match="prefix must be two digits")
    cli.refused("settings", "set", "shop.currency", "EURO", match="ISO 4217 currency code")
    # Values are checked against what they mean: Babel knows the currencies, tzdata the zones.
    cli.refused("settings", "set", "shop.currency", "QQQ", match="“QQQ”: give an ISO 4217")
    cli.refused("settings", "set", "shop.timezone", "Europe/Atlantis", match="a time zone like")
    assert cli.ok("settings", "set", "shop.currency", "chf")
    assert cli.ok("settings", "set", "shop.timezone", "Europe/Zurich")


def test_unknown_command(cli: Cli, anna: dict[str, Any]) -> None:
    cli.refused("teleport", match="invalid choice")


# --- where the database is ----------------------------------------------------------------


def test_loyalty_db_environment_variable_is_honoured(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    env_db = tmp_path / "from-env.db"
    monkeypatch.setenv("LOYALTY_DB", str(env_db))
    cli = Cli(env_db, capsys)
    assert cli.run("init", "--store", "001", "--till", "1", db=False)[0] == 0
    code, _out, err = cli.run(
        "member", "add", "--first-name", "Eva", "--last-name", "Env", db=False
    )
    assert (code, err) == (0, "")
    assert scalar(env_db, "SELECT first_name FROM member") == "Eva"
    # --db wins over the environment: that file is the one looked for (and not created).
    flag_db = tmp_path / "from-flag.db"
    assert main(["--db", str(flag_db), "member", "find", "env", "--json"]) == 1
    assert f"There is no database at {flag_db}" in capsys.readouterr().err
    assert not flag_db.exists()
    assert main(["--db", str(flag_db), "init", "--store", "001", "--till", "2"]) == 0
    assert main(["--db", str(flag_db), "member", "find", "env", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["count"] == 0
    assert scalar(env_db, "SELECT count(*) FROM member") == 1


def test_a_database_that_cannot_be_opened_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database " * 200)
    cli = Cli(junk, capsys)
    code, out, err = cli.run("check")
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "is not a loyalty database" in err
    assert junk.read_bytes() == b"not a database " * 200


# --- the real console script --------------------------------------------------------------


def _loyalty(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "loyalty"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "app"]
    return subprocess.run(
        [*command, *argv],
        capture_output=True,
        text=True,
        env={**os.environ, "LOYALTY_LANG": "en_US", **(env or {})},
        timeout=120,
        check=False,
    )


def test_console_script_end_to_end(tmp_path: Path) -> None:
    db = tmp_path / "till.db"
    created = _loyalty("init", "--store", "001", "--till", "1", env={"LOYALTY_DB": str(db)})
    assert created.returncode == 0, created.stderr
    added = _loyalty(
        "member", "add", "--first-name", "Zoë", "--last-name", "Krüger", "--json",
        env={"LOYALTY_DB": str(db)},
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    card = json.loads(added.stdout)["card"]
    sale = _loyalty("--db", str(db), "sale", "--card", card, "--amount", "19,99", "--json")
    assert sale.returncode == 0, sale.stderr
    assert json.loads(sale.stdout)["points_earned"] == 19

    refused = _loyalty("--db", str(db), "sale", "--card", card, "--amount", "5", "--redeem", "20")
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert refused.stderr.strip() == "Error: Only 19 points available, not 20"
    check = _loyalty("--db", str(db), "check", "--json")
    assert check.returncode == 0
    assert json.loads(check.stdout)["ok"] is True


def test_console_script_speaks_german(tmp_path: Path) -> None:
    db = tmp_path / "laden.db"
    assert _loyalty("--db", str(db), "init", "--store", "001", "--till", "1").returncode == 0
    result = _loyalty(
        "--db", str(db), "member", "show", "2900100000018", env={"LOYALTY_LANG": "de"}
    )
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Prüfziffer" in result.stderr
