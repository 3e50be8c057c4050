"""`loyalty bench --tills N`: tills checking out at once, on a SQLite file and on PostgreSQL.

Not timed: every figure is there, no checkout failed, and the balances equal the ledger after
the run. On PostgreSQL also: the database is built once and reused, and never written into when
it holds someone's members.
"""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.domain.profile import MemberDraft
from app.services.checkout import checkout
from app.services.context import Context
from app.services.health import check_database
from app.services.members import enroll_member
from app.store.database import Database

KEYS = (
    "members",
    "backend",
    "tills",
    "reused",
    "build_s",
    "duration_s",
    "sales",
    "checkout_p50_ms",
    "checkout_p99_ms",
    "sales_per_s",
    "errors",
    "error_kinds",
    "balances_match_ledger",
    "load_avg",
)


def _bench(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["bench", "--members", "300", "--tills", "2", *args, "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert isinstance(results, dict)
    return results


def _check_run(results: dict) -> None:
    assert set(KEYS) <= set(results)
    assert results["members"] == 300
    assert results["tills"] == 2
    assert results["errors"] == 0, results["error_kinds"]
    assert results["error_kinds"] == {}
    assert results["balances_match_ledger"] is True
    assert results["sales"] > 0
    assert 0 < results["checkout_p50_ms"] <= results["checkout_p99_ms"]
    assert results["sales_per_s"] > 0


def test_two_tills_on_a_sqlite_file(capsys: pytest.CaptureFixture[str]) -> None:
    results = _bench(capsys, "--duration", "1")
    _check_run(results)
    assert results["backend"] == "sqlite"
    assert results["reused"] is False
    assert "db" not in results  # a temporary file, removed


def test_a_fixed_number_of_sales_per_till(capsys: pytest.CaptureFixture[str]) -> None:
    results = _bench(capsys, "--sales", "4")
    _check_run(results)
    # A sale refused because the other till spent the points first is not an error.
    assert results["sales"] + results["refused"] == 8


def test_two_tills_on_postgresql_built_once_then_reused(
    capsys: pytest.CaptureFixture[str], pg_url: str
) -> None:
    first = _bench(capsys, "--db", pg_url, "--duration", "1")
    _check_run(first)
    assert first["backend"] == "postgresql"
    assert first["reused"] is False
    again = _bench(capsys, "--db", pg_url, "--duration", "1")
    _check_run(again)
    assert again["reused"] is True
    assert again["build_s"] == first["build_s"]  # the first build's record

    ctx = Context(Database(pg_url), actor="tester", till=3)
    try:
        report = check_database(ctx)
        assert report.ok, report.mismatches
        assert report.members == 300
        # The id sequences were moved past the copied rows: new members and sales fit in.
        newcomer = enroll_member(ctx, MemberDraft(first_name="Neu", last_name="Kundin"))
        assert newcomer.member_id == 301
        assert checkout(ctx, newcomer.card, 1_000).points_balance > 0
    finally:
        ctx.db.dispose()


def test_another_member_count_on_the_same_database_is_refused(
    capsys: pytest.CaptureFixture[str], pg_url: str
) -> None:
    _bench(capsys, "--db", pg_url, "--sales", "1")
    code = main(["bench", "--db", pg_url, "--members", "400", "--tills", "2", "--sales", "1"])
    assert code == 1
    err = capsys.readouterr().err
    assert "holds a benchmark database of 300 members, not 400" in err


def test_a_shops_database_is_never_written_into(
    capsys: pytest.CaptureFixture[str], pg_url: str
) -> None:
    db = Database(pg_url)
    try:
        enroll_member(Context(db), MemberDraft(first_name="Anna", last_name="Müller"))
    finally:
        db.dispose()
    code = main(["bench", "--db", pg_url, "--tills", "2", "--sales", "1"])
    assert code == 1
    assert "holds members that the benchmark did not write" in capsys.readouterr().err
    db = Database(pg_url)
    try:
        report = check_database(Context(db))
        assert report.ok and report.members == 1  # Anna alone, as she was
    finally:
        db.dispose()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"], "--db is for the tills"),
        (["--tills", "0"], "--tills takes 1 to 64 tills"),
        (["--tills", "2", "--duration", "0"], "--duration takes"),
        (["--tills", "2", "--sales", "0"], "--sales takes"),
    ],
)
def test_unusable_options_get_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["bench", "--members", "10", *args]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
