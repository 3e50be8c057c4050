"""`loyalty tier`, `loyalty campaign`, `loyalty points expire`, referrals and `sale --json`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cli.test_cli_commands import Cli, cli, scalar  # noqa: F401  (the fixture)

# The database the commands open is a migrated copy (see db_path): the first `loyalty` call
# does not migrate it again in every test.
pytestmark = pytest.mark.migrated_db


@pytest.fixture
def card(cli: Cli) -> str:  # noqa: F811
    added = cli.json("member", "add", "--first-name", "Anna", "--last-name", "Müller")
    return str(added["card"])


def test_tiers_are_added_listed_and_removed(cli: Cli) -> None:  # noqa: F811
    gold = cli.json(
        "tier", "add", "Gold", "--min-spend", "300", "--multiplier", "2", "--discount-percent", "10"
    )
    assert gold == {
        "name": "Gold",
        "min_spend_cents": 30_000,
        "multiplier": 200,
        "discount_percent": 10,
        "multiplier_text": "x2",
    }
    out = cli.ok("tier", "add", "Silver", "--min-spend", "100,00", "--multiplier", "1.5")
    assert "Silver: from €100.00, points x1.5" in out
    listed = cli.json("tier", "list")
    assert [t["name"] for t in listed["tiers"]] == ["Silver", "Gold"]
    assert listed["period"] == "12months"
    text = cli.ok("tier", "list")
    assert "Gold: from €300.00, points x2, 10% member discount" in text
    anna = cli.json("member", "add", "--first-name", "Anna", "--last-name", "Müller")["card"]
    cli.ok("sale", "--card", anna, "--amount", "262")
    shown = cli.json("member", "show", anna)
    assert (shown["tier"], shown["next_tier"], shown["to_next_tier_cents"]) == (
        "Silver",
        "Gold",
        3_800,
    )
    assert "Tier: Silver · €38.00 to Gold" in cli.ok("member", "show", anna)
    assert cli.json("tier", "remove", "silver")["name"] == "Silver"
    assert [t["name"] for t in cli.json("tier", "list")["tiers"]] == ["Gold"]


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (("tier", "add", "Gold", "--min-spend", "abc", "--multiplier", "2"), "not an amount"),
        (("tier", "add", "Gold", "--min-spend", "10", "--multiplier", "0.5"), "multiplier"),
        (
            (
                "tier",
                "add",
                "Gold",
                "--min-spend",
                "10",
                "--multiplier",
                "2",
                "--discount-percent",
                "120",
            ),
            "percent",
        ),
        (("tier", "add", " ", "--min-spend", "10", "--multiplier", "2"), "name"),
        (("tier", "remove", "Platinum"), "no tier"),
        (("campaign", "add", "X", "--multiplier", "2", "--weekdays", "funday"), "weekday"),
        (("campaign", "add", "X", "--multiplier", "2", "--hours", "9"), "hour range"),
        (("campaign", "add", "X", "--multiplier", "2", "--from", "2026-13-01"), "date"),
        (
            (
                "campaign",
                "add",
                "X",
                "--multiplier",
                "2",
                "--from",
                "2026-12-02",
                "--until",
                "2026-12-01",
            ),
            "ends before",
        ),
        (("campaign", "remove", "Nope"), "no campaign"),
        (
            ("member", "add", "--first-name", "A", "--last-name", "B", "--referred-by", "123"),
            "card",
        ),
    ],
)
def test_bad_program_input_is_one_line_and_changes_nothing(
    cli: Cli,  # noqa: F811
    card: str,
    argv: tuple[str, ...],
    match: str,
) -> None:
    cli.refused(*argv, match=match)


def test_campaigns_are_added_listed_and_removed(cli: Cli) -> None:  # noqa: F811
    added = cli.json(
        "campaign",
        "add",
        "Double Tuesday",
        "--multiplier",
        "2",
        "--weekdays",
        "tue",
        "--hours",
        "14-17",
        "--from",
        "2026-12-01",
        "--until",
        "2026-12-31",
    )
    assert added == {
        "name": "Double Tuesday",
        "multiplier": 200,
        "from": "2026-12-01",
        "until": "2026-12-31",
        "weekdays": ["tue"],
        "hours": "14-17",
    }
    listed = cli.json("campaign", "list")["campaigns"]
    assert [c["name"] for c in listed] == ["Double Tuesday"]
    assert "active_now" in listed[0]
    assert "Double Tuesday: x2" in cli.ok("campaign", "list")
    cli.json("campaign", "remove", "double tuesday")
    assert cli.json("campaign", "list")["campaigns"] == []


def test_sale_json_lists_every_rule_that_applied(cli: Cli, card: str) -> None:  # noqa: F811
    cli.ok("campaign", "add", "Always", "--multiplier", "3")
    sale: dict[str, Any] = cli.json("sale", "--card", card, "--amount", "12.50")
    assert sale["applied"] == [
        {"code": "base", "label": "base", "points": 12, "discount_cents": 0},
        {"code": "campaign", "label": "Always x3", "points": 24, "discount_cents": 0},
    ]
    assert sale["points_earned"] == 36
    assert "Rules: +12 base · +24 Always x3" in cli.ok("sale", "--card", card, "--amount", "12.50")


def test_referral_bonus_for_both_at_the_first_purchase(cli: Cli, card: str) -> None:  # noqa: F811
    cli.ok("settings", "set", "program.referral_bonus", "200")
    friend = cli.json(
        "member", "add", "--first-name", "Nora", "--last-name", "Neu", "--referred-by", card
    )["card"]
    sale = cli.json("sale", "--card", friend, "--amount", "10")
    assert [r["code"] for r in sale["applied"]] == ["base", "referral"]
    assert cli.json("member", "show", card)["points"] == 200


def test_points_expire_writes_ledger_rows(cli: Cli, card: str) -> None:  # noqa: F811
    assert cli.json("points", "expire") == {"members": 0, "points": 0, "mode": "never"}
    cli.ok("sale", "--card", card, "--amount", "10")
    cli.ok("settings", "set", "program.expiry", "inactive")
    cli.ok("settings", "set", "program.expiry_months", "1")
    # Nothing is old enough yet (the sale was just now).
    assert cli.json("points", "expire")["points"] == 0
    assert "0 points expired for 0 members" in cli.ok("points", "expire")
    cli.refused("settings", "set", "program.expiry", "sometimes", match="not a valid value")
