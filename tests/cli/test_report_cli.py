"""`loyalty report summary`: JSON with the issue's keys, CSV one row per group, a text table,
and one clear line for a wrong period."""

from __future__ import annotations

import csv
import io

import pytest

from tests.cli.test_cli_commands import Cli, cli  # noqa: F401  (the fixture)

pytestmark = pytest.mark.migrated_db

KEYS = [
    "customers_start",
    "customers_end",
    "new_customers",
    "crr",
    "lost_customers",
    "churn",
    "purchases",
    "purchasing_members",
    "repeat_rate",
    "frequency",
    "aov_cents",
    "aov_first_cents",
    "aov_returning_cents",
    "returning_uplift",
    "revenue_cents",
    "discount_cents",
    "points_paid_cents",
    "ltv_cents",
    "points_issued",
    "points_redeemed",
    "points_expired",
    "points_adjusted",
    "redemption_rate",
    "liability_points",
    "liability_cents",
    "enrolments",
    "referrals",
    "referrals_purchased",
    "coupons",
    "tiers",
    "nps",
    "nps_responses",
]

# The CLI's clock is the real one: a period in the past with sales made now would be empty, so
# these tests ask for a period that holds today.
WIDE = ("--from", "2000-01-01", "--to", "2999-12-31")


@pytest.fixture
def sold(cli: Cli) -> str:  # noqa: F811
    card = str(cli.json("member", "add", "--first-name", "Anna", "--last-name", "Müller")["card"])
    cli.ok("sale", "--card", card, "--amount", "20")
    cli.ok("sale", "--card", card, "--amount", "40")
    return card


def test_json_has_every_key_of_the_issue(cli: Cli, sold: str) -> None:  # noqa: F811
    data = cli.json("report", "summary", *WIDE)
    assert set(KEYS) <= set(data)
    assert (data["from"], data["to"], data["store"], data["by"]) == (
        "2000-01-01",
        "2999-12-31",
        None,
        None,
    )
    assert (data["purchases"], data["purchasing_members"], data["new_customers"]) == (2, 1, 1)
    assert (data["aov_cents"], data["aov_first_cents"], data["aov_returning_cents"]) == (
        3000,
        2000,
        4000,
    )
    assert data["returning_uplift"] == 1.0
    assert data["points_issued"] == 60
    assert data["liability_points"] == 60
    assert data["crr"] is None  # nobody was a customer the day before 2000-01-01
    assert (data["nps"], data["nps_responses"]) == (None, 0)
    assert "groups" not in data


def test_by_till_adds_groups_and_csv_has_one_row_per_group(cli: Cli, sold: str) -> None:  # noqa: F811
    data = cli.json("report", "summary", *WIDE, "--by", "till")
    assert [g["group"] for g in data["groups"]] == ["1"]
    assert data["groups"][0]["purchases"] == 2
    out = cli.ok("report", "summary", *WIDE, "--by", "staff", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 1
    assert rows[0]["purchases"] == "2"
    assert rows[0]["crr"] == ""  # null
    assert {"from", "to", "group", "revenue_cents", "churn"} <= set(rows[0])
    whole = list(csv.DictReader(io.StringIO(cli.ok("report", "summary", *WIDE, "--csv"))))
    assert len(whole) == 1 and whole[0]["group"] == "" and whole[0]["revenue_cents"] == "6000"


def test_text_is_a_table_with_money_and_rates(cli: Cli, sold: str) -> None:  # noqa: F811
    out = cli.ok("report", "summary", *WIDE, "--store", "001")
    assert "Loyalty report 2000-01-01 – 2999-12-31 · shop 001" in out
    lines = out.splitlines()
    assert any(line.startswith("Average basket") and line.endswith("€30.00") for line in lines)
    assert any(line.startswith("Returning vs first basket") and "+100%" in line for line in lines)
    assert any(line.startswith("Retention rate (CRR)") and line.endswith("—") for line in lines)


def test_the_default_period_is_last_month(cli: Cli) -> None:  # noqa: F811
    data = cli.json("report", "summary")
    assert data["from"].endswith("-01") and data["from"] < data["to"]
    assert data["purchases"] == 0


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (("--from", "2026-13-01"), "not a date like"),
        (("--from", "2026-10-31", "--to", "2026-10-01"), "starts (2026-10-31) after it ends"),
        (("--to", "yesterday"), "not a date like"),
        (("--store", "12"), "store"),
    ],
)
def test_a_wrong_period_is_one_line_and_exit_1(
    cli: Cli,  # noqa: F811
    argv: tuple[str, ...],
    match: str,
) -> None:
    err = cli.refused("report", "summary", *argv, match=match)
    assert err.startswith("Error:")


def test_json_and_csv_together_are_refused(cli: Cli) -> None:  # noqa: F811
    code, out, err = cli.run("report", "summary", "--json", "--csv")
    assert (code, out) == (1, "")
    assert "--json or --csv" in err
