"""Every CLI error: a non-zero exit, exactly one human line on stderr, nothing on stdout, and
nothing changed in the database."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.cli import main
from app.domain.profile import MemberDraft
from app.services.adjustments import adjust_points
from app.services.checkout import checkout
from app.services.context import Context
from app.services.members import enroll_member
from app.store.database import Database
from tests.conftest import Clock
from tests.services.dbstate import execute, snapshot, with_check_digit, wrong_check_digit

# The database the commands open is a migrated copy (see db_path): the first `loyalty` call
# does not migrate it again in every test.
pytestmark = pytest.mark.migrated_db

CARD = "{card}"
UNKNOWN = with_check_digit("290019999999")


def _build_shop(location: str) -> str:
    """Anna with 150 points and one sale (number 1) of 50.00; returns her card."""
    db = Database(location)
    try:
        ctx = Context(db, clock=Clock(), actor="tester")
        card = enroll_member(ctx, MemberDraft(first_name="Anna", last_name="Müller")).card
        adjust_points(ctx, card, 100, "welcome")
        sale = checkout(ctx, card, 5000)
        assert (sale.sale_id, sale.points_balance) == (1, 150)
    finally:
        db.dispose()
    return card


@pytest.fixture(scope="module")
def shop_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A SQLite shop built once per module; each test gets a copy."""
    path = tmp_path_factory.mktemp("shop") / "template.db"
    return path, _build_shop(str(path))


@pytest.fixture
def shop(shop_template: tuple[Path, str], db_path: Path | str) -> dict[str, str]:
    """A fresh shop for each test (on PostgreSQL built in the test's own schema)."""
    if not isinstance(db_path, Path):
        return {"card": _build_shop(str(db_path)), "db": str(db_path)}
    template, card = shop_template
    shutil.copyfile(template, db_path)
    return {"card": card, "db": str(db_path)}


def _fill(args: list[str], card: str) -> list[str]:
    return [a.replace(CARD, card).replace("{bad}", wrong_check_digit(card)) for a in args]


ERRORS = [
    # (arguments, a piece of the message)
    (["member", "show", "29001abc"], "only digits"),
    (["member", "show", "12345"], "13 digits"),
    (["member", "show", "{bad}"], "check digit"),
    (["member", "show", UNKNOWN], "Unknown card"),
    (["member", "find", "a"], "at least two letters"),
    (["member", "add", "--first-name", "A", "--last-name", "B", "--email", "x@"], "email"),
    (["member", "add", "--first-name", " ", "--last-name", "B"], "First name is required"),
    (["member", "add", "--first-name", "A", "--last-name", "B", "--phone", "12"], "phone"),
    (
        ["member", "add", "--first-name", "A", "--last-name", "B", "--birthday", "2099-01-01"],
        "future",
    ),
    (["member", "add", "--first-name", "A"], "--last-name"),
    (["sale", "--card", "29001abc", "--amount", "10"], "only digits"),
    (["sale", "--card", "{bad}", "--amount", "10"], "check digit"),
    (["sale", "--card", UNKNOWN, "--amount", "10"], "Unknown card"),
    (["sale", "--card", CARD, "--amount", "12,5x"], "not an amount"),
    (["sale", "--card", CARD, "--amount", "abc"], "not an amount"),
    (["sale", "--card", CARD, "--amount", "-5"], "cannot be negative"),
    (["sale", "--card", CARD, "--amount", "0"], "more than zero"),
    (["sale", "--card", CARD, "--amount", "10000.01"], "largest allowed sale"),
    (["sale", "--card", CARD, "--amount", "10", "--redeem", "151"], "Only 150 points"),
    (["sale", "--card", CARD, "--amount", "1", "--redeem", "150"], "At most 100 points"),
    (["sale", "--card", CARD, "--amount", "10", "--redeem", "-1"], "cannot be negative"),
    (["sale", "--card", CARD, "--amount", "10", "--redeem", "lots"], "--redeem"),
    (["sale", "--card", CARD], "--amount"),
    (["refund", "999"], "no sale number 999"),
    (["refund", "1", "--amount", "50.01"], "At most"),
    (["refund", "1", "--amount", "12,5x"], "not an amount"),
    (["refund", "1", "--amount", "-1"], "cannot be negative"),
    (["refund", "one"], "SALE_ID"),
    (["refund", "99999999999999999999"], "no sale number"),
    (["adjust", CARD, "--points", "5", "--reason", ""], "reason is required"),
    (["adjust", CARD, "--points", "5", "--reason", "   "], "reason is required"),
    (["adjust", CARD, "--points", "5"], "--reason"),
    (["adjust", CARD, "--points", "-151", "--reason", "typo"], "Cannot remove 151 points"),
    (["adjust", CARD, "--points", "0", "--reason", "typo"], "number of points"),
    (["adjust", CARD, "--points", "x", "--reason", "typo"], "--points"),
    (["adjust", CARD, "--points", "99999999999999999999", "--reason", "x"], "far too many"),
    (["adjust", "{bad}", "--points", "5", "--reason", "typo"], "check digit"),
    (["settings", "set", "program.magic", "1"], "Unknown setting"),
    (["settings", "set", "program.earn_points_per_unit", "0"], "not a valid value"),
    (["settings", "set", "program.earn_points_per_unit", "2.5"], "not a valid value"),
    (["settings", "set", "program.max_sale_cents", "1e30"], "not a valid value"),
    (["settings", "set", "card.prefix", "31"], "prefix"),
    (["no-such-command"], "no-such-command"),
    # Too large for any field: one line, not "Unexpected error".
    (["sale", "--card", CARD, "--amount", "9" * 27], "That amount is too large"),
    (["sale", "--card", CARD, "--amount", "10", "--redeem", "9" * 20], "far too many points"),
    (["campaign", "add", "Double", "--multiplier", "1e309"], "multiplier must be from 1 to 100"),
    (["card", "print", "--all-new", "--limit", "9" * 20], "whole number from 1"),
    (["coupon", "batch", "--count", "9" * 20, "--percent", "5"], "from 1 to 10,000"),
    # Long input is quoted cut short, so the line stays readable.
    (["sale", "--card", "2" * 300, "--amount", "5"], "“" + "2" * 40 + "…” has 300"),
    (["coupon", "create", "--code", "A" * 100, "--percent", "10"], "“" + "A" * 40 + "…”"),
    # Control, bidi and zero-width characters are refused in text fields.
    (["member", "add", "--first-name", "An\x1bna", "--last-name", "X"], "(U+001B)"),
    (["member", "add", "--first-name", "Ann\u202ea", "--last-name", "X"], "(U+202E)"),
    (["member", "add", "--first-name", "Ann\u200ba", "--last-name", "X"], "(U+200B)"),
    (["member", "add", "--first-name", "Ann\x00a", "--last-name", "X"], "(U+0000)"),
    (["adjust", CARD, "--points", "5", "--reason", "bad\x07reason"], "(U+0007)"),
]


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
@pytest.mark.parametrize(("args", "fragment"), ERRORS, ids=[" ".join(e[0]) for e in ERRORS])
def test_error_is_one_line_and_changes_nothing(
    shop: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    fragment: str,
    as_json: bool,
) -> None:
    before = snapshot(shop["db"])
    argv = ["--db", shop["db"], *(["--json"] if as_json else []), *_fill(args, shop["card"])]
    code = _run(argv)
    out, err = capsys.readouterr()
    assert code != 0
    assert out == ""
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert fragment in err
    assert "Traceback" not in err
    assert snapshot(shop["db"]) == before


def _run(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse refuses usage errors by exiting
        return int(exc.code or 0)


def test_refund_beyond_what_is_left_after_a_partial_refund(
    shop: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    db = shop["db"]
    assert main(["--db", db, "--json", "refund", "1", "--amount", "30"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["amount_cents"], first["points_reversed"]) == (3000, 30)
    before = snapshot(db)
    assert main(["--db", db, "refund", "1", "--amount", "30"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert "At most €20.00 of this sale can still be refunded, not €30.00" in err
    assert snapshot(db) == before


def test_blocked_card_is_refused_everywhere(
    shop: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    db, card = shop["db"], shop["card"]
    execute(db, "UPDATE card SET status = 'blocked'")
    before = snapshot(db)
    for args in (
        ["member", "show", card],
        ["sale", "--card", card, "--amount", "10"],
        ["adjust", card, "--points", "5", "--reason", "x"],
    ):
        assert main(["--db", db, *args]) == 1
        out, err = capsys.readouterr()
        assert out == "" and err.count("\n") == 1 and "is blocked" in err
    assert snapshot(db) == before


def test_a_file_that_is_not_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "notes.db"
    junk.write_bytes(b"shopping list: milk, bread\n" * 100)
    assert main(["--db", str(junk), "member", "find", "anna"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert junk.read_bytes() == b"shopping list: milk, bread\n" * 100


def test_errors_are_in_german_with_loyalty_lang_de(
    shop: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOYALTY_LANG", "de")
    before = snapshot(shop["db"])
    assert main(["--db", shop["db"], "refund", "1", "--amount", "60"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith("Fehler: ")
    # Babel puts a no-break space between the amount and the sign.
    assert "50,00\xa0€" in err and "60,00\xa0€" in err
    assert snapshot(shop["db"]) == before


@pytest.mark.parametrize("empty", ["", "  "])
def test_an_empty_db_option_does_not_fall_back_to_the_default_database(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    empty: str,
) -> None:
    data_home = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data_home))
    assert main(["--db", empty, "member", "add", "--first-name", "A", "--last-name", "B"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == "Error: Give the database a file path\n"
    assert not data_home.exists()


def test_a_bad_till_number_is_one_line(
    shop: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOYALTY_TILL", "till seven")
    before = snapshot(shop["db"])
    assert main(["--db", shop["db"], "sale", "--card", shop["card"], "--amount", "5"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == "Error: LOYALTY_TILL must be a number from 1 to 999\n"
    assert snapshot(shop["db"]) == before


def test_member_find_shows_phones_as_people_read_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "shop.db")
    assert main(["--db", db, "init", "--store", "001", "--till", "1"]) == 0
    capsys.readouterr()
    add = ["--db", db, "member", "add", "--first-name", "Anna", "--last-name", "Müller"]
    assert main([*add, "--phone", "0171 2345678"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "member", "find", "0171 23"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.endswith("Müller, Anna    +49 171 2345678")


def test_amounts_are_shown_in_the_shops_currency(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "shop.db")
    assert main(["--db", db, "init", "--store", "001", "--till", "1"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "settings", "set", "shop.currency", "CHF"]) == 0
    capsys.readouterr()
    add = ["--db", db, "--json", "member", "add", "--first-name", "Ueli", "--last-name", "Meier"]
    assert main(add) == 0
    card = json.loads(capsys.readouterr().out)["card"]
    assert main(["--db", db, "sale", "--card", card, "--amount", "12.50"]) == 0
    assert main(["--db", db, "refund", "1", "--amount", "2.50"]) == 0
    assert main(["--db", db, "member", "show", card]) == 0
    out = capsys.readouterr().out
    assert "€" not in out
    assert "CHF12.50" in out and "CHF2.50" in out and "= CHF0.10" in out
