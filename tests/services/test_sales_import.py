"""`loyalty sales import`: history rows become purchases in the reports and the tiers; all or
nothing with line-numbered reasons; receipts imported once; points booked when given."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from app.domain.profile import MemberDraft
from app.domain.report import Period
from app.services.context import Context
from app.services.health import check_database
from app.services.lookup import get_member
from app.services.members import enroll_member
from app.services.program_rules import add_tier
from app.services.reports import report_summary
from app.services.sales_import import import_sales_csv
from app.services.settings import write_setting
from app.services.views import MemberView
from app.store.tables import LEDGER, SALE, SYNC_EVENT


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "sales.csv"
    path.write_bytes(text.encode(encoding))
    return path


def count(ctx: Context, table) -> int:  # type: ignore[no-untyped-def]
    with ctx.db.reading() as session:
        return len(session.connection().execute(table.select()).all())


def test_history_counts_as_purchases_and_moves_the_tier(
    ctx: Context, member: MemberView, tmp_path: Path
) -> None:
    write_setting(ctx.db, "shop.timezone", "Europe/Berlin", ctx.now())
    ctx.forget_settings()
    add_tier(ctx, "Gold", 200_00, 150)
    path = write(
        tmp_path,
        "card;date;amount;receipt\n"
        f"{member.card};2026-01-15;120,00;A-1\n"
        f"{member.card};2026-03-01 18:45;95,50;A-2\n"
        f"{member.card};2025-06-01;10,00;A-3\n",
    )
    report = import_sales_csv(ctx, path)
    assert (report.rows, report.imported, report.members, report.applied) == (3, 3, 1, True)
    assert report.delimiter == ";" and report.amount_cents == 225_50
    # No points columns: no points move (the balance came with the member import).
    fresh = get_member(ctx, member.member_id)
    assert fresh.points == 0
    assert fresh.tier == "Gold"  # 215.50 in the 12 months before 2026-11-20
    assert fresh.last_visit == datetime(2026, 3, 1, 17, 45, tzinfo=UTC)
    summary = report_summary(ctx, Period(date(2026, 1, 1), date(2026, 3, 31))).summary
    assert (summary.purchases, summary.revenue_cents, summary.new_customers) == (2, 215_50, 0)
    with ctx.db.reading() as session:
        till, actor, receipt = (
            session.connection()
            .execute(
                SALE.select()
                .with_only_columns(SALE.c.till, SALE.c.actor, SALE.c.request_id)
                .order_by(SALE.c.id)
            )
            .first()
        )
    assert (till, actor, receipt) == (0, "import", "A-1")
    assert count(ctx, SYNC_EVENT) >= 3  # one sale event each, for the other shops
    assert check_database(ctx).ok


def test_points_columns_book_ledger_rows_and_balances(
    ctx: Context, member: MemberView, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "card,date,amount,points_earned,points_redeemed\n"
        f"{member.card},2026-02-01,50.00,50,\n"
        f"{member.card},2026-02-02,20.00,10,30\n",
    )
    report = import_sales_csv(ctx, path)
    assert (report.points_earned, report.points_redeemed) == (60, 30)
    assert get_member(ctx, member.member_id).points == 30
    assert count(ctx, LEDGER) == 3
    assert check_database(ctx).ok


def test_receipts_are_imported_once(ctx: Context, member: MemberView, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"card,date,amount,receipt\n{member.card},2026-02-01,5,R1\n{member.card},2026-02-01,5,R1\n",
    )
    first = import_sales_csv(ctx, path)
    assert first.imported == 1
    assert [(s.line, s.reason) for s in first.skipped] == [(3, "receipt R1 is already on line 2")]
    again = import_sales_csv(ctx, path)
    assert again.imported == 0 and [s.line for s in again.skipped] == [2, 3]
    assert count(ctx, SALE) == 1


def test_any_invalid_row_refuses_the_whole_file(
    ctx: Context, member: MemberView, tmp_path: Path
) -> None:
    other = enroll_member(ctx, MemberDraft(first_name="Max", last_name="Roth"))
    path = write(
        tmp_path,
        "card,date,amount,store,points_redeemed\n"
        f"{member.card},2026-02-01,5,,\n"
        f"{member.card},2026-02-30,5,,\n"
        "2900100000000,2026-02-01,5,,\n"
        f"{other.card},2026-02-01,x,,\n"
        f"{other.card},2026-02-01,5,12,\n"
        f"{other.card},2026-02-01,5,,10\n",
    )
    report = import_sales_csv(ctx, path)
    assert report.refused and not report.applied
    reasons = {i.line: i.reason for i in report.invalid}
    assert sorted(reasons) == [3, 4, 5, 6, 7]
    assert "not a day of the calendar" in reasons[3]
    assert "belongs to no member" in reasons[4]
    assert "not an amount" in reasons[5]
    assert "store code" in reasons[6]
    assert "below 0 points" in reasons[7]
    assert count(ctx, SALE) == 0 and count(ctx, LEDGER) == 0


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "empty"),
        ("card,amount\n2900100000024,5\n", "missing: date"),
        ("card,date,amount,card\n", "twice"),
    ],
)
def test_a_wrong_file_is_one_message(ctx: Context, tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(Exception, match=match):
        import_sales_csv(ctx, write(tmp_path, text))


def test_a_dry_run_stores_nothing(ctx: Context, member: MemberView, tmp_path: Path) -> None:
    path = write(tmp_path, f"card,date,amount\n{member.card},2026-02-01,5\n", "utf-16")
    report = import_sales_csv(ctx, path, dry_run=True)
    assert (report.imported, report.applied, report.encoding) == (1, False, "utf-16-le")
    assert count(ctx, SALE) == 0
