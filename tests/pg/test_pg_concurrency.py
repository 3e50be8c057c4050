"""Two tills (two processes) on one member at the same moment, on PostgreSQL and on one SQLite file.

No update may be lost and points never overdrawn: the cached balance equals the ledger sum, the
ledger read in the order the sales were serialised never dips below zero, and the balance is
exactly what the sales that went through add up to.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app.services.adjustments import adjust_points
from app.services.context import Context
from app.services.health import check_database
from app.services.members import enroll_member
from app.store.database import Database
from tests.pg import pgserver
from tests.pg.tills import (
    EARN_AMOUNT,
    REDEEM_POINTS,
    checkout_till,
    enroll_till,
    replace_till,
)

TILLS = 2
ROUNDS = 24
START_BALANCE = 600
TIMEOUT = 180


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """One database two tills share: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield str(tmp_path / "shared.db")
    else:
        with pgserver.fresh_schema(pgserver.require_base_url()) as url:
            yield url


@pytest.fixture
def shared_ctx(shared_url: str, clock: Any) -> Iterator[Context]:
    db = Database(shared_url)
    yield Context(db, clock=clock, actor="owner", till=9)
    db.dispose()


def _run(target: Any, args_per_till: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(len(args_per_till))
    results = spawn.Queue()
    procs = [spawn.Process(target=target, args=(*args, barrier, results)) for args in args_per_till]
    for p in procs:
        p.start()
    try:
        out = [results.get(timeout=TIMEOUT) for _ in procs]
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():  # pragma: no cover - only when a till hangs
                p.kill()
    assert [p.exitcode for p in procs] == [0] * len(procs)
    return sorted(out)


def _ledger(db: Database, member_id: int) -> list[tuple[int, str]]:
    with db.reading() as session:
        return [
            (int(r[0]), str(r[1]))
            for r in session.execute(
                text("SELECT points, kind FROM ledger_entry WHERE member_id = :m ORDER BY id"),
                {"m": member_id},
            )
        ]


def test_two_tills_checking_out_one_member_lose_no_update_and_never_overdraw(
    shared_url: str, shared_ctx: Context
) -> None:
    from app.domain.profile import MemberDraft

    member = enroll_member(shared_ctx, MemberDraft(first_name="Anna", last_name="Müller"))
    adjust_points(shared_ctx, member.card, START_BALANCE, "opening balance")
    results = _run(
        checkout_till, [(shared_url, member.card, till, ROUNDS) for till in range(1, TILLS + 1)]
    )
    assert [r[4] for r in results] == [""] * TILLS, results
    earned = sum(r[1] for r in results)
    redeemed = sum(r[2] for r in results)
    refused = sum(r[3] for r in results)
    assert earned + redeemed + refused == TILLS * ROUNDS
    # More points were asked for than there ever were: some redemptions had to be refused.
    assert refused > 0 and redeemed > 0

    db = shared_ctx.db
    points_per_sale = EARN_AMOUNT // 100
    expected = START_BALANCE + earned * points_per_sale - redeemed * REDEEM_POINTS
    with db.reading() as session:
        balance = session.execute(
            text("SELECT points_balance FROM member WHERE id = :m"), {"m": member.member_id}
        ).scalar()
        sales = session.execute(text("SELECT count(*) FROM sale")).scalar()
    ledger = _ledger(db, member.member_id)
    assert sales == earned + redeemed
    assert balance == expected == sum(p for p, _kind in ledger)
    running = 0
    for points, _kind in ledger:  # in id order, which the member's row lock serialised
        running += points
        assert running >= 0
    assert check_database(shared_ctx).ok


def test_two_tills_enrolling_at_once_never_hand_out_one_card_number_twice(
    shared_url: str, shared_ctx: Context
) -> None:
    count = 12
    results = _run(enroll_till, [(shared_url, till, count) for till in range(TILLS)])
    assert [r[2] for r in results] == [""] * TILLS, results
    cards = [card for r in results for card in r[1]]
    assert len(cards) == len(set(cards)) == TILLS * count
    assert sorted(int(c[5:12]) for c in cards) == list(range(1, TILLS * count + 1))


def test_one_card_replaced_at_two_tills_at_once_is_replaced_once(
    shared_url: str, shared_ctx: Context
) -> None:
    from app.domain.profile import MemberDraft

    member = enroll_member(shared_ctx, MemberDraft(first_name="Anna", last_name="Müller"))
    results = _run(replace_till, [(shared_url, member.card, till) for till in range(TILLS)])
    outcomes = sorted(r[1].split(" ", 1)[0] for r in results)
    assert outcomes == ["new", "refused"], results
    with shared_ctx.db.reading() as session:
        active = session.execute(
            text("SELECT number FROM card WHERE member_id = :m AND status = 'active'"),
            {"m": member.member_id},
        ).all()
    assert len(active) == 1
