"""Random sequences of sales with coupons and refunds: a single-use coupon is never used twice,
uses never exceed the maximum in total or per member, and the ledger stays sound."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.domain.coupons import Coupon
from app.domain.errors import LoyaltyError
from app.domain.profile import MemberDraft
from app.services.checkout import checkout
from app.services.context import Context
from app.services.coupons import create_batch, create_coupon
from app.services.members import enroll_member
from app.services.refunds import refund_sale
from app.store.database import Database
from tests.conftest import Clock, copy_sqlite_template

SHARED = [
    Coupon("ONCE", "amount", 300, max_uses=1),
    Coupon("TWICE", "percent", 10, max_uses=2, per_member=1),
    Coupon("BONUS", "points", 40, per_member=2),
    Coupon("BIG", "amount", 1000, min_spend_cents=5000, max_uses=3),
]
TABLES = ("sale", "ledger_entry", "coupon_redemption", "member", "refund")

sale = st.tuples(
    st.just("sale"), st.integers(0, 2), st.integers(1, 9_000), st.integers(0, 5), st.just(0)
)
refund = st.tuples(
    st.just("refund"),
    st.integers(0, 20),
    st.one_of(st.none(), st.none(), st.integers(1, 9_000)),
    st.just(0),
    st.just(0),
)
operations = st.lists(st.one_of(sale, sale, refund), min_size=1, max_size=30)


def _rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in TABLES}
    finally:
        conn.close()


def _check(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        for code, max_uses, standing in conn.execute(
            "SELECT c.code, c.max_uses, COUNT(r.id) FROM coupon c "
            "LEFT JOIN coupon_redemption r ON r.coupon_id = c.id AND r.undone_at IS NULL "
            "GROUP BY c.id"
        ):
            assert max_uses is None or standing <= max_uses, code
        for code, per_member, uses in conn.execute(
            "SELECT c.code, c.per_member, COUNT(*) FROM coupon c JOIN coupon_redemption r "
            "ON r.coupon_id = c.id AND r.undone_at IS NULL GROUP BY c.id, r.member_id"
        ):
            assert per_member is None or uses <= per_member, code
        # A use is undone only by refunding its whole sale, and a sale refunded in full keeps
        # no standing use.
        for undone, amount, refunded, code, sale_code in conn.execute(
            "SELECT r.undone_at, s.amount_cents, s.refunded_cents, r.code, s.coupon_code "
            "FROM coupon_redemption r JOIN sale s ON s.id = r.sale_id"
        ):
            assert code == sale_code
            assert (undone is not None) == (refunded == amount)
        # Every sale with a coupon has exactly one redemption row.
        assert (
            conn.execute(
                "SELECT COUNT(*) FROM sale s WHERE s.coupon_code IS NOT NULL AND (SELECT "
                "COUNT(*) FROM coupon_redemption r WHERE r.sale_id = s.id) != 1"
            ).fetchone()[0]
            == 0
        )
        for member_id, cached in conn.execute("SELECT id, points_balance FROM member"):
            ledger = conn.execute(
                "SELECT COALESCE(SUM(points), 0) FROM ledger_entry WHERE member_id = ?",
                (member_id,),
            ).fetchone()[0]
            assert cached == ledger and cached >= 0
    finally:
        conn.close()


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(ops=operations)
def test_coupons_are_never_used_beyond_their_limits(
    ops: list[tuple[str, int, int | None, int, int]],
    sqlite_template: Path,
) -> None:
    folder = Path(tempfile.mkdtemp(prefix="loyalty-coupon-prop-"))
    path = folder / "loyalty.db"
    # A copy of the schema migrated once per session: each example starts from an empty
    # database without paying for the migrations again.
    copy_sqlite_template(sqlite_template, path)
    db = Database(str(path))
    try:
        ctx = Context(db, clock=Clock(), actor="prop", till=1)
        cards = [
            enroll_member(ctx, MemberDraft(first_name=first, last_name="Koch")).card
            for first in ("Ines", "Karl", "Lena")
        ]
        for rule in SHARED:
            create_coupon(ctx, rule)
        (voucher,) = create_batch(ctx, 1, Coupon("X", "amount", 200)).codes
        codes = [c.code for c in SHARED] + [voucher]
        sales: list[int] = []
        for kind, a, b, c, _unused in ops:
            before = _rows(path)
            try:
                if kind == "sale":
                    assert b is not None
                    code = codes[c] if c < len(codes) else None
                    sales.append(checkout(ctx, cards[a], b, coupon=code).sale_id)
                elif kind == "refund" and sales:
                    refund_sale(ctx, sales[a % len(sales)], b)
                else:
                    continue
                event(f"{kind} done")
            except LoyaltyError:
                event(f"{kind} refused")
                assert _rows(path) == before
            _check(path)
    finally:
        db.dispose()
        shutil.rmtree(folder, ignore_errors=True)
