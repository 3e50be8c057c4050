"""How the program rules read the database at the till: one statement, on the indexes of
migration 0008, only for the rules that can apply, and expiry's earnings a page at a time.

The figures are checked against the domain's rules computed from the whole ledger, on SQLite
and PostgreSQL; what is read (statements, query plans) is checked on SQLite, whose driver
reports every statement it runs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from app.domain.profile import MemberDraft
from app.domain.program import plan_expiry
from app.services.checkout import checkout
from app.services.context import Context
from app.services.lookup import get_member
from app.services.members import enroll_member
from app.services.program import EXPIRY_HORIZON_DAYS, unspent_earnings
from app.services.program_rules import add_tier
from app.services.settings import write_setting
from app.services.views import MemberView
from app.store.queries import DriverReads
from tests.conftest import Clock
from tests.services.dbstate import cached_balance, connect, ledger_sum

BONUSES = ("signup", "profile", "referral", "birthday")


def _set(ctx: Context, key: str, value: object) -> None:
    write_setting(ctx.db, key, value, ctx.now())
    ctx.forget_settings()


@contextmanager
def _statements(ctx: Context) -> Iterator[list[str]]:
    """The SQL the hot-path reader runs meanwhile, with its parameters filled in."""
    seen: list[str] = []
    conn = ctx.db.raw()
    conn.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        conn.set_trace_callback(None)


def _plan(path: Path, statement: str) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {statement}")]
    finally:
        conn.close()


def _on(table: str, statements: list[str]) -> list[str]:
    return [s for s in statements if f"FROM {table} " in s]


def _complete(ctx: Context, birthday: str = "1990-11-22") -> MemberView:
    """A member with every profile field, whose birthday week is FIXED_NOW's."""
    return enroll_member(
        ctx,
        MemberDraft(
            first_name="Cleo",
            last_name="Voll",
            email="cleo@example.org",
            phone="+49 171 7654321",
            birthday=birthday,
            postcode="10115",
        ),
    )


def _earn_every_two_weeks(ctx: Context, clock: Clock, card: str, times: int) -> None:
    """``times`` sales of 10.00 (10 points each), 14 days apart; the clock ends 14 days on."""
    for _i in range(times):
        checkout(ctx, card, 1_000)
        clock.now += timedelta(days=14)


def _expiry_from_the_whole_ledger(path: Path | str, member_id: int, now: datetime) -> tuple:
    """What the domain's rule says expires, given every ledger row of the member."""
    conn = connect(path)
    try:
        rows = conn.execute(
            "SELECT created_at, points FROM ledger_entry WHERE member_id = ?", (member_id,)
        ).fetchall()
    finally:
        conn.close()
    entries = [
        (
            at.astimezone(UTC)
            if isinstance(at, datetime) and at.tzinfo
            else datetime.fromisoformat(str(at)).replace(tzinfo=UTC),
            points,
        )
        for at, points in rows
    ]
    balance = sum(points for _at, points in entries)
    plan = plan_expiry(
        "earned",
        12,
        entries=entries,
        balance=balance,
        last_purchase=None,
        now=now,
        horizon_days=EXPIRY_HORIZON_DAYS,
    )
    return plan.due_now + plan.soon, plan.soon_by


# --- what the figures are, on both databases ----------------------------------------------


def test_expiry_across_several_pages_of_earnings_matches_the_whole_ledger(
    ctx: Context, clock: Clock, db_path: Path
) -> None:
    _set(ctx, "program.expiry", "earned")
    _set(ctx, "program.expiry_months", 12)
    cleo = _complete(ctx)
    # 25 earnings over 48 weeks: the balance needs all of them (two pages of 20), and the
    # oldest two expire within the next 30 days.
    _earn_every_two_weeks(ctx, clock, cleo.card, 25)
    clock.now += timedelta(days=4)
    view = get_member(ctx, cleo.member_id)
    assert view.points == 250
    assert (view.points_expiring, view.points_expiring_by) == _expiry_from_the_whole_ledger(
        db_path, cleo.member_id, clock.now
    )
    assert view.points_expiring == 20
    # The sale writes off nothing yet and keeps the ledger and the balance equal.
    assert checkout(ctx, cleo.card, 1_000).points_expired == 0
    assert ledger_sum(db_path, cleo.member_id) == cached_balance(db_path, cleo.member_id)


def test_the_quick_check_never_hides_points_that_expire_at_a_month_s_end(
    ctx: Context, clock: Clock
) -> None:
    # Earned on 28 February at 23:00, one month of validity: they end on 28 March at 23:00.
    # From 1 March the horizon runs to 31 March, and "one month before 31 March" is 28
    # February at the horizon's hour (the day clamped), earlier than the earning: without
    # slack the quick check counted these points as safe.
    _set(ctx, "program.expiry", "earned")
    _set(ctx, "program.expiry_months", 1)
    clock.now = datetime(2026, 2, 28, 23, 0, tzinfo=UTC)
    cleo = _complete(ctx)
    checkout(ctx, cleo.card, 1_000)
    clock.now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    view = get_member(ctx, cleo.member_id)
    assert (view.points_expiring, view.points_expiring_by) == (10, date(2026, 3, 28))


# --- what is read (SQLite reports its statements) -----------------------------------------


@pytest.mark.sqlite_only
def test_the_panel_reads_the_program_in_one_statement_on_the_indexes(
    ctx: Context, clock: Clock, db_path: Path
) -> None:
    add_tier(ctx, "Silver", 10_000, 150)
    for key, value in (
        ("program.birthday_points", 50),
        ("program.signup_bonus", 100),
        ("program.profile_bonus", 20),
        ("program.expiry", "earned"),
    ):
        _set(ctx, key, value)
    cleo = _complete(ctx)
    checkout(ctx, cleo.card, 5_000)
    with _statements(ctx) as seen:
        view = get_member(ctx, cleo.member_id)
    assert view.birthday_points == 0  # given with the sale
    program = [s for s in seen if "ledger_entry" in s]
    assert len(program) == 1
    (statement,) = program
    assert "FROM sale " in statement  # the spend, in the same statement
    plan = _plan(db_path, statement)
    scans = [s for s in plan if s.startswith("SCAN") and s != "SCAN CONSTANT ROW"]
    assert scans == [] and not [step for step in plan if "TEMP B-TREE" in step]
    assert any("COVERING INDEX ix_ledger_member_bonus" in step for step in plan)
    assert any("COVERING INDEX ix_ledger_member_created" in step for step in plan)
    assert any("COVERING INDEX ix_sale_member_created" in step for step in plan)


@pytest.mark.sqlite_only
def test_a_rule_that_cannot_apply_to_the_member_reads_nothing(
    ctx: Context, member: MemberView
) -> None:
    checkout(ctx, member.card, 1_000)  # Anna has bought: no sign-up bonus to look for
    _set(ctx, "program.signup_bonus", 100)
    _set(ctx, "program.birthday_points", 50)  # her birthday is in April
    nora = enroll_member(ctx, MemberDraft(first_name="Nora", last_name="Neu"))
    checkout(ctx, nora.card, 1_000)
    _set(ctx, "program.profile_bonus", 20)  # Nora's profile is not complete
    _set(ctx, "program.expiry", "earned")
    ole = enroll_member(ctx, MemberDraft(first_name="Ole", last_name="Leer"))
    looked_for = {}
    for someone in (member, nora, ole):
        with _statements(ctx) as seen:
            get_member(ctx, someone.member_id)
        program = _on("ledger_entry", seen)
        assert len(program) <= 1
        looked_for[someone.first_name] = (
            [
                k
                for k in ("signup", "profile", "referral", "birthday")
                if f"kind = '{k}'" in program[0]
            ]
            if program
            else None
        )
    # Anna's complete profile can still earn its bonus, Ole has not bought yet: the sign-up
    # bonus; no birthday is near. Nora: only the expiry check; Ole has no points to expire.
    assert looked_for == {"Anna": ["profile"], "Nora": [], "Ole": ["signup"]}
    assert "points > 0" not in _on("ledger_entry", seen)[0]
    _set(ctx, "program.expiry", "never")
    with _statements(ctx) as seen:
        get_member(ctx, nora.member_id)
    assert _on("ledger_entry", seen) == []
    add_tier(ctx, "Silver", 10_000, 150)
    with _statements(ctx) as seen:
        get_member(ctx, nora.member_id)
    assert _on("ledger_entry", seen) == []
    assert len([s for s in seen if "SUM(to_pay_cents" in s]) == 1


@pytest.mark.sqlite_only
def test_expiry_reads_the_newest_earnings_a_page_at_a_time_until_the_balance_is_covered(
    ctx: Context, clock: Clock, db_path: Path
) -> None:
    _set(ctx, "program.expiry", "earned")
    cleo = _complete(ctx)
    _earn_every_two_weeks(ctx, clock, cleo.card, 25)
    reads = DriverReads.of(ctx.db)
    with _statements(ctx) as seen:
        entries = unspent_earnings(reads, cleo.member_id, 65, page=5)
    # 65 points are covered by the newest 7 earnings: two pages of 5, not all 25 rows.
    assert len(entries) == 10
    assert [e[1] for e in entries] == [10] * 10
    assert [at for at, _p in entries] == sorted((at for at, _p in entries), reverse=True)
    pages = _on("ledger_entry", seen)
    assert len(pages) == 2
    assert all("LIMIT 5" in page for page in pages)
    # Backwards along the index, which holds the rows in the order read: no sort, no table.
    assert _plan(db_path, pages[0]) == [
        "SEARCH ledger_entry USING COVERING INDEX ix_ledger_member_created (member_id=?)"
    ]
    # At the till: the whole balance needs every earning, 20 a page.
    clock.now += timedelta(days=4)
    with _statements(ctx) as seen:
        assert get_member(ctx, cleo.member_id).points_expiring == 20
    pages = [s for s in _on("ledger_entry", seen) if "ORDER BY created_at DESC" in s]
    assert [p.rsplit("OFFSET", 1)[1].strip() for p in pages] == ["0", "20"]


@pytest.mark.sqlite_only
def test_when_recent_earnings_cover_the_balance_no_earning_is_read(
    ctx: Context, clock: Clock
) -> None:
    _set(ctx, "program.expiry", "earned")
    cleo = _complete(ctx)
    _earn_every_two_weeks(ctx, clock, cleo.card, 25)
    # Spend all but the newest 30 points: what is left was earned in the last six weeks.
    checkout(ctx, cleo.card, 25_000, redeem_points=220)
    clock.now += timedelta(days=1)
    with _statements(ctx) as seen:
        view = get_member(ctx, cleo.member_id)
    assert view.points_expiring == 0
    assert [s for s in _on("ledger_entry", seen) if "ORDER BY created_at DESC" in s] == []
