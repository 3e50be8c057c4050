"""Bad numbers and text, alike on every option: huge figures, long input, invisible characters.

Each refusal is one line on stderr (never "Unexpected error"), quotes at most ~40 characters
of what was typed, and leaves every row of the database as it was (``Cli.refused``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_cli_commands import Cli

pytestmark = pytest.mark.migrated_db


@pytest.fixture
def cli(db_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    """The shop's database: a SQLite file, or a PostgreSQL URL in the postgresql variant."""
    return Cli(db_path, capsys)


@pytest.fixture
def anna(cli: Cli) -> dict[str, Any]:
    """Anna Müller with a sale of 200.00 (sale number 1)."""
    added = cli.json("member", "add", "--first-name", "Anna", "--last-name", "Müller")
    cli.json("sale", "--card", added["card"], "--amount", "200")
    return added


HUGE = "999999999999999999999999999"  # 27 digits
LONG = "x" * 500
CARD = "{card}"


def _args(argv: list[str], card: str) -> list[str]:
    return [a.replace(CARD, card) for a in argv]


HUGE_NUMBERS = [
    (["sale", "--card", CARD, "--amount", HUGE], "That amount is too large"),
    (["sale", "--card", CARD, "--amount", "10", "--redeem", HUGE], "far too many points"),
    (["refund", HUGE], "There is no sale number"),
    (["refund", "1", "--amount", HUGE], "That amount is too large"),
    (["adjust", CARD, "--points", HUGE, "--reason", "x"], "far too many points"),
    (["tier", "add", "Gold", "--min-spend", HUGE, "--multiplier", "2"], "amount is too large"),
    (["tier", "add", "Gold", "--min-spend", "1", "--multiplier", "1e309"], "from 1 to 100"),
    (["tier", "add", "Gold", "--min-spend", "1", "--multiplier", HUGE], "from 1 to 100"),
    (
        [
            "tier",
            "add",
            "Gold",
            "--min-spend",
            "1",
            "--multiplier",
            "2",
            "--discount-percent",
            HUGE,
        ],
        "0 to 100 percent",
    ),
    (["campaign", "add", "Happy", "--multiplier", "1e309"], "from 1 to 100"),
    (["campaign", "add", "Happy", "--multiplier", "2", "--hours", f"1-{HUGE}"], "hour range"),
    (["coupon", "create", "--code", "BIG1", "--amount", HUGE], "That amount is too large"),
    (["coupon", "create", "--code", "BIG1", "--points", HUGE], "far too many points"),
    (["coupon", "create", "--code", "BIG1", "--percent", HUGE], "from 1 to 100"),
    (
        ["coupon", "create", "--code", "BIG1", "--points", "5", "--max-uses", HUGE],
        "uses is too large",
    ),
    (
        ["coupon", "create", "--code", "BIG1", "--points", "5", "--per-member", HUGE],
        "uses is too large",
    ),
    (["coupon", "create", "--code", "BIG1", "--points", "5", "--min-spend", HUGE], "too large"),
    (["coupon", "batch", "--count", HUGE, "--points", "5"], "from 1 to 10,000"),
    (["members", "list", "--limit", "99999999999999999999"], "between 1 and 1000"),
    (["member", "find", "Anna", "--limit", "99999999999999999999"], "from 1 to 1000"),
    (["card", "print", "--all-new", "--limit", "99999999999999999999"], "--limit"),
    (["stamps", "add", "Coffee", "--stamps", HUGE, "--reward", "coffee"], "from 2 to 100"),
    (["init", "--store", "001", "--till", HUGE], "from 1 to 999"),
    (["sync", "conflicts", "--resolve", HUGE, "--note", "x"], "There is no conflict number"),
    (["settings", "set", "program.max_sale_cents", HUGE], "not a valid value"),
    (["settings", "set", "program.earn_points_per_unit", "1e309"], "not a valid value"),
    (["demo", "--members", HUGE, "--no-open"], "from 0 to 100,000"),
    (["bench", "--members", HUGE], "from 1 to 100,000,000"),
]


@pytest.mark.parametrize(
    ("argv", "match"),
    HUGE_NUMBERS,
    ids=[" ".join(a[:3]) + " " + a[-1][:9] for a, _m in HUGE_NUMBERS],
)
def test_a_huge_number_gets_one_line_and_changes_nothing(
    cli: Cli, anna: dict[str, Any], argv: list[str], match: str
) -> None:
    err = cli.refused(*_args(argv, anna["card"]), match=match)
    assert "Unexpected error" not in err
    assert HUGE not in err or len(HUGE) <= 40  # a figure is quoted at most in full up to 40


LONG_INPUTS = [
    ["sale", "--card", CARD, "--amount", LONG],
    ["sale", "--card", LONG, "--amount", "10"],
    ["member", "show", LONG],
    ["member", "add", "--first-name", "Al", "--last-name", "Bo", "--email", LONG],
    ["member", "add", "--first-name", "Al", "--last-name", "Bo", "--phone", LONG],
    ["members", "list", "--sort", LONG],
    ["members", "list", "--limit", LONG],
    ["coupon", "create", "--code", LONG, "--points", "5"],
    ["coupon", "show", LONG],
    ["tier", "remove", "y" * 30],
    ["campaign", "add", "Happy", "--multiplier", LONG],
    ["campaign", "add", "Happy", "--multiplier", "2", "--weekdays", LONG],
    ["settings", "set", LONG, "1"],
    ["settings", "set", "shop.till", LONG],
    ["stamps", "remove", LONG],
    ["init", "--store", LONG, "--till", "1"],
    ["refund", LONG],
]


@pytest.mark.parametrize("argv", LONG_INPUTS, ids=[" ".join(a)[:30] for a in LONG_INPUTS])
def test_an_error_quotes_at_most_40_characters_of_the_input(
    cli: Cli, anna: dict[str, Any], argv: list[str]
) -> None:
    err = cli.refused(*_args(argv, anna["card"]), match="")
    assert "x" * 41 not in err and "y" * 41 not in err
    assert len(err) < 250, err


BAD_CHARACTERS = {
    "NUL": "\x00",
    "ESC": "\x1b[31m",
    "BEL": "\x07",
    "C1": "\x9b",
    "bidi override": "\u202e",
    "bidi isolate": "\u2066",
    "zero width space": "\u200b",
    "zero width joiner": "\u200d",
    "BOM": "\ufeff",
}


@pytest.mark.parametrize("char", BAD_CHARACTERS.values(), ids=BAD_CHARACTERS.keys())
def test_member_add_and_update_refuse_invisible_characters(
    cli: Cli, anna: dict[str, Any], char: str
) -> None:
    err = cli.refused(
        "member", "add", "--first-name", f"Ev{char}a", "--last-name", "Kraus", match="First name"
    )
    assert "invisible or control character" in err
    assert "\x1b" not in err and "\x00" not in err  # shown as U+XXXX, never sent to the terminal
    cli.refused("member", "update", anna["card"], "--last-name", f"M{char}", match="Last name")
    cli.refused("member", "update", anna["card"], "--notes", f"call{char}back", match="Notes")
    cli.refused("member", "update", anna["card"], "--tier", f"Go{char}ld", match="tier")


def test_a_note_keeps_its_line_breaks(cli: Cli, anna: dict[str, Any]) -> None:
    cli.json("member", "update", anna["card"], "--notes", "line one\nline two")
    exported = cli.json("member", "export", anna["card"])
    assert exported["member"]["notes"] == "line one\nline two"


@pytest.mark.parametrize("char", ["\x1b", "\u202e", "\u200b"], ids=["ESC", "bidi", "zero-width"])
def test_coupons_tiers_campaigns_stamps_settings_and_reasons_refuse_them(
    cli: Cli, anna: dict[str, Any], char: str
) -> None:
    cli.refused("coupon", "create", "--code", "FREE1", "--item", f"cof{char}fee", match="item")
    cli.refused(
        "tier", "add", f"Go{char}ld", "--min-spend", "100", "--multiplier", "2", match="name"
    )
    cli.refused("campaign", "add", f"Ha{char}ppy", "--multiplier", "2", match="name")
    cli.refused("stamps", "add", f"Cof{char}fee", "--stamps", "10", "--reward", "x", match="name")
    cli.refused("stamps", "add", "Coffee", "--stamps", "10", "--reward", f"a{char}", match="reward")
    cli.refused("settings", "set", "shop.name", f"Bäcker{char}ei", match="shop.name")
    cli.refused("adjust", anna["card"], "--points", "5", "--reason", f"ty{char}po", match="reason")


def test_argparse_refusals_quote_long_input_cut(cli: Cli) -> None:
    code, out, err = cli.run("members", "list", "--sort", "z" * 300)
    assert code != 0 and out == ""
    assert "z" * 41 not in err and "…" in err and len(err.splitlines()) == 1


def test_the_sale_still_takes_ordinary_amounts(
    cli: Cli, anna: dict[str, Any], tmp_path: Path
) -> None:
    sale = cli.json("sale", "--card", anna["card"], "--amount", "1.234,56")
    assert sale["amount_cents"] == 123456
