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
from tests.services.dbstate import cached_balance, connect, ledger_sum

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
    conn = connect(db_path)
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


def _refund_till(db_path: str, sale_id: int, amount: int, barrier: Any, results: Any) -> None:
    """One till refunding part of a sale; reports 'ok' or the refusal's class name."""
    from app.domain.errors import LoyaltyError
    from app.i18n import set_language
    from app.services.context import Context
    from app.services.refunds import refund_sale
    from app.store.database import Database

    set_language("en_US")
    db = Database(db_path)
    outcome = "crashed"
    try:
        barrier.wait(timeout=60)
        refund_sale(Context(db, actor="refund-till"), sale_id, amount)
        outcome = "ok"
    except LoyaltyError as exc:
        outcome = type(exc).__name__
    finally:
        db.dispose()
        results.put(outcome)


def test_two_tills_refunding_sixty_percent_of_one_sale_at_once_one_is_refused(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    from app.services.checkout import checkout

    sale = checkout(ctx, member.card, 10_000)
    ctx.db.dispose()
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(2)
    results = spawn.Queue()
    tills = [
        spawn.Process(
            target=_refund_till, args=(str(db_path), sale.sale_id, 6_000, barrier, results)
        )
        for _ in range(2)
    ]
    for p in tills:
        p.start()
    outcome = sorted(results.get(timeout=120) for _ in tills)
    for p in tills:
        p.join(timeout=60)
    assert outcome == ["RefundRefused", "ok"]
    conn = connect(db_path)
    try:
        refunded, refunds = conn.execute(
            "SELECT s.refunded_cents, (SELECT COUNT(*) FROM refund) FROM sale s WHERE s.id = ?",
            (sale.sale_id,),
        ).fetchone()
    finally:
        conn.close()
    assert (refunded, refunds) == (6_000, 1)
    assert cached_balance(db_path, member.member_id) == 40 == ledger_sum(db_path, member.member_id)


def _enroll_till(db_path: str, till: int, count: int, barrier: Any, results: Any) -> None:
    """One till enrolling ``count`` members as fast as it can; reports their card numbers."""
    from app.domain.profile import MemberDraft
    from app.i18n import set_language
    from app.services.context import Context
    from app.services.members import enroll_member
    from app.store.database import Database

    set_language("en_US")
    db = Database(db_path)
    cards: list[str] = []
    try:
        ctx = Context(db, actor=f"till-{till}", till=till)
        barrier.wait(timeout=60)
        for i in range(count):
            draft = MemberDraft(
                first_name="Till" + "abcdefghij"[i % 10], last_name=f"Nr{'x' * till}"
            )
            cards.append(enroll_member(ctx, draft).card)
    finally:
        db.dispose()
        results.put(cards)


def test_two_tills_enrolling_at_once_never_issue_the_same_card(db_path: Path, db: object) -> None:
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(2)
    results = spawn.Queue()
    tills = [
        spawn.Process(target=_enroll_till, args=(str(db_path), t, 12, barrier, results))
        for t in (1, 2)
    ]
    for p in tills:
        p.start()
    issued = [results.get(timeout=120) for _ in tills]
    for p in tills:
        p.join(timeout=60)
        assert p.exitcode == 0
    everything = issued[0] + issued[1]
    assert len(everything) == 24
    assert len(set(everything)) == 24
    serials = sorted(int(card[5:12]) for card in everything)
    assert serials == list(range(1, 25))


def _open(db_path: str, barrier: Any, results: Any) -> None:
    from app.store.database import Database

    outcome = "crashed"
    try:
        barrier.wait(timeout=60)
        Database(db_path).dispose()
        outcome = "ok"
    except Exception as exc:  # reported to the test, which shows it
        outcome = f"{type(exc).__name__}: {exc}"
    finally:
        results.put(outcome)


def test_two_tills_creating_the_same_new_file_at_once(tmp_path: Path) -> None:
    from app.store.migrate import HEAD

    path = tmp_path / "new.db"
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(2)
    results = spawn.Queue()
    tills = [spawn.Process(target=_open, args=(str(path), barrier, results)) for _ in range(2)]
    for p in tills:
        p.start()
    outcome = [results.get(timeout=120) for _ in tills]
    for p in tills:
        p.join(timeout=60)
    assert outcome == ["ok", "ok"]
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
    finally:
        conn.close()


def test_a_till_sees_what_another_till_wrote_at_the_next_scan(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    from app.services.checkout import checkout
    from app.services.lookup import lookup_card
    from app.store.database import Database

    assert lookup_card(ctx, member.card).points == 0  # this till's reader is now open
    other = Database(str(db_path))
    try:
        checkout(Context(other, actor="till-2", till=2), member.card, 4200)
    finally:
        other.dispose()
    view = lookup_card(ctx, member.card)
    assert view.points == 42
    assert len(view.recent_sales) == 1
