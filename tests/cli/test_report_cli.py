"""`loyalty report summary`: JSON with the issue's keys, CSV one row per group, a text table,
and one clear line for a wrong period."""

from __future__ import annotations

import csv
import io
from pathlib import Path

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


def test_report_day_json_text_and_csv(cli: Cli, sold: str) -> None:  # noqa: F811
    data = cli.json("report", "day")
    assert (data["store"], data["till"], data["currency"]) == ("001", None, "EUR")
    assert (data["total"]["sales"], data["total"]["sales_cents"]) == (2, 60_00)
    assert data["total"]["points_issued"] == 60
    assert [t["till"] for t in data["tills"]] == [1]
    assert len(data["staff"]) == 1 and data["staff"][0]["sales"] == 2
    out = cli.ok("report", "day", "--till", "1")
    assert "Day's close" in out and "· till 1" in out
    assert any(
        line.startswith("  Sales with members") and "€60.00" in line for line in out.splitlines()
    )
    rows = list(csv.DictReader(io.StringIO(cli.ok("report", "day", "--csv"))))
    assert [r["group"] for r in rows] == ["total", "till", "staff"]
    assert rows[0]["sales_cents"] == "6000"
    assert cli.json("report", "day", "--date", "2001-01-01")["total"]["sales"] == 0


def test_report_day_prints_an_escpos_receipt(cli: Cli, sold: str, tmp_path: Path) -> None:  # noqa: F811
    printer = tmp_path / "printer.bin"
    cli.ok("settings", "set", "printer.kind", "file")
    cli.ok("settings", "set", "printer.target", str(printer))
    out = cli.ok("report", "day", "--print")
    assert f"file:{printer}" in out
    job = printer.read_bytes()
    assert job.startswith(b"\x1b@")  # initialise: no bold or code page left from the last job
    assert b"Day's close" in job and b"Sales with members" in job
    assert job.endswith(b"\x1dV\x00")  # and the paper is cut


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (("--date", "2026-02-30"), "2026-02-30"),
        (("--till", "0"), "till"),
        (("--json", "--csv"), "--json, --csv and --print"),
        (("--print",), "No receipt printer is set up"),
    ],
)
def test_report_day_refuses_bad_input_in_one_line(
    cli: Cli,  # noqa: F811
    argv: tuple[str, ...],
    match: str,
) -> None:
    code, out, err = cli.run("report", "day", *argv)
    assert code != 0 and out == ""
    assert match in err and "Traceback" not in err


def test_feedback_and_the_feedback_report(cli: Cli, sold: str) -> None:  # noqa: F811
    out = cli.ok("feedback", sold, "--score", "3", "--comment", "Zu lange gewartet")
    assert f"Feedback recorded: 3 for card {sold}" in out
    data = cli.json("feedback", sold, "--score", "10")
    assert (data["score"], data["card"], data["comment"]) == (10, sold, "")
    report = cli.json("report", "feedback", *WIDE)
    assert (report["nps"], report["nps_responses"]) == (0, 2)
    [detractor] = report["detractors"]
    assert (detractor["card"], detractor["score"], detractor["comment"]) == (
        sold,
        3,
        "Zu lange gewartet",
    )
    text = cli.ok("report", "feedback", *WIDE)
    assert "NPS +0 from 2 answers" in text and "“Zu lange gewartet”" in text
    assert cli.json("report", "summary", *WIDE)["nps_responses"] == 2


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (("--score", "11"), "no score"),
        (("--score", "x"), "no score"),
        (("--score", "5", "--comment", "a" * 501), "at most 500"),
        (("--score", "5", "--sale", "999"), "not this member's"),
    ],
)
def test_bad_feedback_is_one_line_and_records_nothing(
    cli: Cli,  # noqa: F811
    sold: str,
    argv: tuple[str, ...],
    match: str,
) -> None:
    code, _out, err = cli.run("feedback", sold, *argv)
    assert code != 0 and match in err and "Traceback" not in err
    assert cli.json("report", "feedback", *WIDE)["nps_responses"] == 0


def test_sales_import_cli(cli: Cli, sold: str, tmp_path: Path) -> None:  # noqa: F811
    good = tmp_path / "history.csv"
    good.write_text(f"card,date,amount,receipt\n{sold},2025-05-01,30.00,X1\n", encoding="utf-8")
    dry = cli.ok("sales", "import", str(good), "--dry-run")
    assert "Dry run: would import 1 sale of 1 members" in dry
    data = cli.json("sales", "import", str(good))
    assert (data["imported"], data["applied"], data["amount_cents"]) == (1, True, 30_00)
    again = cli.ok("sales", "import", str(good))
    assert "Line 2: skipped: receipt X1 was imported before" in again
    year = cli.json("report", "summary", "--from", "2025-01-01", "--to", "2025-12-31")
    assert (year["purchases"], year["revenue_cents"]) == (1, 30_00)
    bad = tmp_path / "bad.csv"
    bad.write_text(f"card,date,amount\n{sold},2025-13-01,5\n", encoding="utf-8")
    code, out, err = cli.run("sales", "import", str(bad))
    assert code == 1 and "Line 2: invalid:" in out
    assert "1 invalid row: nothing imported" in err
    code, _out, err = cli.run("sales", "import", str(tmp_path / "missing.csv"))
    assert code == 1 and "No such file" in err
