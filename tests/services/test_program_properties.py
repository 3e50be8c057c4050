"""Random histories under the owner's program: tiers come and go, time passes, points expire.

Sales, refunds, tier changes, campaigns, bonuses and expiry runs in random order on a real SQLite
file: the balance always equals the ledger sum, never goes negative, and a refund never gives
back more than its sale took.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.domain.errors import LoyaltyError
from app.domain.profile import MemberDraft
from app.services.checkout import checkout
from app.services.context import Context
from app.services.expiry import expire_points
from app.services.members import enroll_member
from app.services.program_rules import add_tier, remove_tier
from app.services.refunds import refund_sale
from app.services.settings import write_setting
from app.store.database import Database
from tests.conftest import Clock, copy_sqlite_template
from tests.services.dbstate import snapshot
from tests.services.test_ledger_properties import _check_invariants

sale = st.tuples(
    st.just("sale"),
    st.integers(1, 40_000),
    st.one_of(st.just(0), st.integers(0, 3_000)),
    st.integers(0, 2),
)
refund = st.tuples(
    st.just("refund"),
    st.integers(0, 10),
    st.one_of(st.none(), st.integers(1, 40_000)),
    st.integers(0, 2),
)
tier = st.tuples(
    st.just("tier"),
    st.sampled_from([0, 5_000, 20_000, 60_000]),
    st.integers(100, 400),
    st.integers(0, 30),
)
untier = st.tuples(st.just("untier"), st.integers(0, 3), st.just(0), st.just(0))
wait = st.tuples(st.just("wait"), st.integers(1, 200), st.just(0), st.just(0))
expire = st.tuples(st.just("expire"), st.just(0), st.just(0), st.just(0))
operations = st.lists(
    st.one_of(sale, sale, sale, refund, tier, untier, wait, expire), min_size=1, max_size=30
)
NAMES = ("Bronze", "Silver", "Gold", "Platinum")


@pytest.mark.parametrize("mode", ["earned", "inactive"])
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(ops=operations)
def test_random_program_histories_keep_the_ledger_sound(
    mode: str, ops: list[tuple[str, int, int | None, int]], sqlite_template: Path
) -> None:
    folder = Path(tempfile.mkdtemp(prefix="loyalty-program-prop-"))
    path = folder / "loyalty.db"
    # A copy of the schema migrated once per session: each example starts from an empty
    # database without paying for the migrations again.
    copy_sqlite_template(sqlite_template, path)
    db = Database(str(path))
    try:
        clock = Clock()
        ctx = Context(db, clock=clock, actor="prop", till=1)
        for key, value in (
            ("program.expiry", mode),
            ("program.expiry_months", 3),
            ("program.birthday_points", 40),
            ("program.signup_bonus", 25),
            ("program.referral_bonus", 30),
            ("program.campaigns", [{"name": "Weekend", "multiplier": 200, "weekdays": ["sat"]}]),
        ):
            write_setting(db, key, value)
        ctx.forget_settings()
        first = enroll_member(
            ctx, MemberDraft(first_name="Ines", last_name="Koch", birthday="1980-11-21")
        )
        cards = [first.card]
        for name in ("Karl", "Lena"):
            cards.append(
                enroll_member(
                    ctx, MemberDraft(first_name=name, last_name="Koch"), referred_by=cards[0]
                ).card
            )
        sales: list[int] = []
        for kind, a, b, c in ops:
            before = snapshot(path)
            try:
                if kind == "sale":
                    sales.append(checkout(ctx, cards[c], a, redeem_points=b or 0).sale_id)
                elif kind == "refund" and sales:
                    refund_sale(ctx, sales[a % len(sales)], b)
                elif kind == "tier":
                    add_tier(ctx, NAMES[[0, 5_000, 20_000, 60_000].index(a)], a, b, c)
                elif kind == "untier":
                    remove_tier(ctx, NAMES[a])
                elif kind == "wait":
                    clock.now += timedelta(days=a)
                elif kind == "expire":
                    expire_points(ctx)
                else:
                    continue
                event(f"{kind} done")
            except LoyaltyError:
                event(f"{kind} refused")
                assert snapshot(path) == before
            _check_invariants(path)
    finally:
        db.dispose()
        shutil.rmtree(folder, ignore_errors=True)
