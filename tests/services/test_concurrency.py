"""Two tills (two processes) on one SQLite file, checking out the same member at the same time."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path
from typing import Any

from app.services.adjustments import adjust_points
from app.services.context import Context
from app.services.health import check_database
from app.services.views import MemberView
from tests.services.dbstate import cached_balance, ledger_sum

ROUNDS = 15
EARN_AMOUNT = 1000  # earns 10 points
REDEEM_POINTS = 200  # redeemed on a sale of exactly its value: earns nothing
START_BALANCE = 600


def _till(db_path: str, card: str, till: int, barrier: Any, results: Any) -> None:
    """One till: alternately a sale that earns and a sale paid fully with points."""
    from app.domain.errors import NotEnoughPoints
    from app.i18n import set_language
    from app.services.checkout import checkout
    from app.services.context import Context
    from app.store.database import Database

    set_language("en_US")
    db = Database(db_path)
    ctx = Context(db, actor=f"till-{till}", till=till)
    earned = redeemed = refused = 0
    barrier.wait(timeout=60)
    try:
        for i in range(ROUNDS):
            if i % 3 == 0:
                checkout(ctx, card, EARN_AMOUNT)
                earned += 1
            else:
                try:
                    checkout(ctx, card, REDEEM_POINTS, redeem_points=REDEEM_POINTS)
                    redeemed += 1
                except NotEnoughPoints:
                    refused += 1
    finally:
        db.dispose()
        results.put((till, earned, redeemed, refused))


def test_two_processes_lose_no_update_and_never_overdraw(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    adjust_points(ctx, member.card, START_BALANCE, "opening balance")
    ctx.db.dispose()
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(2)
    results = spawn.Queue()
    tills = [
        spawn.Process(target=_till, args=(str(db_path), member.card, t, barrier, results))
        for t in (1, 2)
    ]
    for p in tills:
        p.start()
    outcome = [results.get(timeout=120) for _ in tills]
    for p in tills:
        p.join(timeout=60)
        assert p.exitcode == 0
    earned = sum(r[1] for r in outcome)
    redeemed = sum(r[2] for r in outcome)
    refused = sum(r[3] for r in outcome)
    assert earned + redeemed + refused == 2 * ROUNDS
    assert earned == 2 * (ROUNDS // 3)
    # Far more redemptions were asked for than the points allow: some must have been refused.
    assert refused > 0 and redeemed > 0

    balance = cached_balance(db_path, member.member_id)
    assert balance == ledger_sum(db_path, member.member_id)
    assert balance == START_BALANCE + earned * 10 - redeemed * REDEEM_POINTS
    assert balance >= 0
    conn = sqlite3.connect(db_path)
    try:
        sales = conn.execute("SELECT COUNT(*), COUNT(DISTINCT till) FROM sale").fetchone()
        running = 0
        for (points,) in conn.execute("SELECT points FROM ledger_entry ORDER BY id"):
            running += points
            assert running >= 0, "the ledger went below zero at some point"
    finally:
        conn.close()
    assert sales == (earned + redeemed, 2)
    assert check_database(ctx).ok
