"""`loyalty bench` runs on a small database: every figure is there and the data is consistent.

No timing is asserted (speed is what the command prints); only that the figures are plausible.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from app.bench import measure as bench
from app.bench import run_bench
from app.cli import main
from app.domain.cards import validate_card_number
from app.domain.errors import InvalidInput
from app.domain.profile import Profile, search_keys
from app.services.context import Context
from app.services.health import check_database
from app.services.lookup import lookup_card
from app.services.search import find_members
from app.store.database import Database

FIGURES = (
    "members",
    "build_s",
    "lookup_p50_us",
    "lookup_p99_us",
    "raw_lookup_p50_us",
    "lookup_ratio",
    "search_p99_ms",
    "checkout_p99_ms",
    "startup_ms",
    "scan_to_panel_ms",
    "rss_mb",
    "program_lookup_p50_us",
    "program_lookup_p99_us",
    "program_lookup_p99_cpu_us",
    "program_checkout_p50_ms",
    "program_checkout_p99_ms",
    "report_month_ms",
    "report_year_ms",
    "report_day_ms",
)


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    path = tmp_path_factory.mktemp("bench") / "bench.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LOYALTY_LANG", "en_US")
        # Fewer repetitions than a real run keep the suite quick; every figure is still made.
        mp.setattr(bench, "STARTUPS", 2)
        mp.setattr(bench, "SCANS", 5)
        results = run_bench(members=300, keep=str(path), progress=False)
    return results, path


def test_every_figure_is_reported_with_a_plausible_value(kept: tuple[dict, Path]) -> None:
    results, path = kept
    assert set(FIGURES) <= set(results)
    assert results["members"] == 300
    for key in FIGURES[1:]:
        assert isinstance(results[key], int | float) and results[key] > 0, key
    assert results["lookup_p50_us"] <= results["lookup_p99_us"]
    assert results["program_lookup_p50_us"] <= results["program_lookup_p99_us"]
    assert results["lookup_ratio"] == pytest.approx(
        results["lookup_p50_us"] / results["raw_lookup_p50_us"], rel=0.05
    )
    assert 10 < results["rss_mb"] < 10_000
    assert results["db"] == str(path)


def test_the_kept_database_is_consistent_and_realistic(kept: tuple[dict, Path]) -> None:
    results, path = kept
    ctx = Context(Database(str(path)))
    try:
        report = check_database(ctx)
        assert report.ok, report.mismatches
        assert report.members == 300
        assert report.ledger_entries >= results["ledger_entries"] > 0
        # The sales of the run (checkouts) come on top of the built histories.
        conn = sqlite3.connect(path)
        sales = conn.execute("SELECT count(*) FROM sale").fetchone()[0]
        assert sales >= results["sales"] > 0
        rows = conn.execute(
            "SELECT m.first_name, m.last_name, m.email, m.phone, m.first_key, m.last_key, "
            "m.email_key, m.phone_national, m.phone_international, c.number "
            "FROM member m JOIN card c ON c.member_id = m.id AND c.status = 'active'"
        ).fetchall()
        assert len(rows) == 300
        assert any(not r[0].isascii() or not r[1].isascii() for r in rows)  # umlauts and accents
        for first, last, email, phone, *keys, number in rows:
            assert phone is None or (phone.startswith("+49") and phone[1:].isdigit())
            expected = search_keys(Profile(first, last, email=email, phone=phone), "DE")
            assert tuple(keys) == (
                expected.first_key,
                expected.last_key,
                expected.email_key,
                expected.phone_national,
                expected.phone_international,
            )
            assert validate_card_number(number) == number
        first, last, *_rest, number = rows[0]
        view = lookup_card(ctx, number)
        assert (view.first_name, view.last_name) == (first, last)
        assert any(m.card == number for m in find_members(ctx, f"{first} {last}", limit=300))
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        conn.close()
    finally:
        ctx.db.dispose()


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    path.write_bytes(b"the shop's data")
    with pytest.raises(InvalidInput, match="already exists"):
        run_bench(members=10, keep=str(path), progress=False)
    assert path.read_bytes() == b"the shop's data"


def test_the_cli_prints_one_json_object(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench, "STARTUPS", 1)
    monkeypatch.setattr(bench, "SCANS", 2)
    assert main(["bench", "--members", "300", "--json"]) == 0
    out = capsys.readouterr().out
    results = json.loads(out)
    assert isinstance(results, dict)
    assert set(FIGURES) <= set(results)
    assert results["members"] == 300
    assert "db" not in results
