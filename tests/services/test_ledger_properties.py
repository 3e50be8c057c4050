"""Random sequences of sales, refunds and adjustments on a real database keep the ledger sound."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.domain.errors import LoyaltyError
from app.domain.profile import MemberDraft
from app.services.adjustments import adjust_points
from app.services.checkout import checkout
from app.services.context import Context
from app.services.members import enroll_member
from app.services.refunds import refund_sale
from app.services.settings import write_setting
from app.store.database import Database
from tests.conftest import Clock, copy_sqlite_template
from tests.services.dbstate import snapshot

sale = st.tuples(
    st.just("sale"),
    st.integers(1, 30_000),
    st.one_of(st.just(0), st.integers(0, 3_000)),
    st.integers(0, 1),
)
refund = st.tuples(
    st.just("refund"),
    st.integers(0, 10),
    st.one_of(st.none(), st.integers(-100, 30_000)),
    st.integers(0, 1),
)
adjust = st.tuples(st.just("adjust"), st.integers(-2_000, 2_000), st.just(0), st.integers(0, 1))
# The owner changes the earning and redeeming rates between sales: refunds must still unwind
# exactly what each sale took under the rates of its day.
rules = st.tuples(st.just("rules"), st.integers(1, 20), st.integers(1, 500), st.just(0))
operations = st.lists(st.one_of(sale, sale, refund, adjust, rules), min_size=1, max_size=25)


def _check_invariants(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        for member_id, cached in conn.execute("SELECT id, points_balance FROM member"):
            ledger = conn.execute(
                "SELECT COALESCE(SUM(points), 0) FROM ledger_entry WHERE member_id = ?",
                (member_id,),
            ).fetchone()[0]
            assert cached == ledger
            assert cached >= 0
        rows = conn.execute(
            "SELECT s.id, s.amount_cents, s.to_pay_cents, s.refunded_cents, s.points_earned, "
            "s.points_redeemed, COALESCE(SUM(r.amount_cents), 0), "
            "COALESCE(SUM(r.money_back_cents), 0), COALESCE(SUM(r.points_reversed), 0), "
            "COALESCE(SUM(r.points_not_recovered), 0), COALESCE(SUM(r.points_returned), 0) "
            "FROM sale s LEFT JOIN refund r ON r.sale_id = s.id GROUP BY s.id"
        ).fetchall()
        for _id, amount, to_pay, refunded, earned, redeemed, r_amount, back, rev, lost, ret in rows:
            assert 0 <= refunded <= amount
            assert r_amount == refunded
            assert 0 <= back <= to_pay
            assert 0 <= rev + lost <= earned
            assert 0 <= ret <= redeemed
            if refunded == amount:
                assert back == to_pay and rev + lost == earned and ret == redeemed
    finally:
        conn.close()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(ops=operations)
def test_random_histories_keep_balance_equal_to_ledger(
    ops: list[tuple[str, int, int, int]],
    sqlite_template: Path,
) -> None:
    folder = Path(tempfile.mkdtemp(prefix="loyalty-prop-"))
    path = folder / "loyalty.db"
    # A copy of the schema migrated once per session: each example starts from an empty
    # database without paying for the migrations again.
    copy_sqlite_template(sqlite_template, path)
    db = Database(str(path))
    try:
        ctx = Context(db, clock=Clock(), actor="prop", till=1)
        cards = [
            enroll_member(ctx, MemberDraft(first_name=first, last_name="Koch")).card
            for first in ("Ines", "Karl")
        ]
        sales: list[int] = []
        for kind, a, b, who in ops:
            before = snapshot(path)
            try:
                if kind == "sale":
                    sales.append(checkout(ctx, cards[who], a, redeem_points=b).sale_id)
                elif kind == "refund" and sales:
                    refund_sale(ctx, sales[a % len(sales)], b)
                elif kind == "adjust":
                    adjust_points(ctx, cards[who], a, "property test")
                elif kind == "rules":
                    write_setting(db, "program.earn_points_per_unit", a)
                    write_setting(db, "program.redeem_points_per_unit", b)
                    ctx.forget_settings()
                else:
                    continue
                event(f"{kind} done")
            except LoyaltyError:
                event(f"{kind} refused")
                # A refused operation must leave every row as it was.
                assert snapshot(path) == before
            _check_invariants(path)
    finally:
        db.dispose()
        shutil.rmtree(folder, ignore_errors=True)
