"""Points expiry: write off what the shop's expiry rule says has expired, as ledger rows."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from app.services.audit import record
from app.services.bulk_jobs import PAUSE_S
from app.services.context import Context
from app.services.program import MemberFacts, expiry_for
from app.store.queries import DriverReads
from app.store.tables import LEDGER, MEMBER
from app.store.writes import inserted_id
from app.sync import events

CHUNK = 500
# Members with points, in id order, a chunk at a time; each chunk locked and written at once.
_WITH_POINTS = (
    select(
        MEMBER.c.id,
        MEMBER.c.points_balance,
        MEMBER.c.created_at,
        MEMBER.c.last_visit_at,
        MEMBER.c.home_store,
    )
    # Not the hidden rows of a running member import (their events are not out yet).
    .where(MEMBER.c.points_balance > 0, MEMBER.c.id > bindparam("after"), MEMBER.c.job_id.is_(None))
    .order_by(MEMBER.c.id)
    .limit(CHUNK)
    .with_for_update()
)
_TAKE = (
    update(MEMBER)
    .where(MEMBER.c.id == bindparam("member_id"))
    .values(points_balance=MEMBER.c.points_balance - bindparam("points"))
)
_INSERT_LEDGER = insert(LEDGER)


def expiry_written_here(ctx: Context, home_store: str) -> bool:
    """Whether this shop writes off the member's expired points.

    In a chain that syncs through files only the member's home shop does (the store that
    enrolled them): two shops offline would each write them off, and sync would apply both.
    Other shops still never let expired points be redeemed. One shop, or a chain on one
    shared database, writes them off itself.
    """
    return not ctx.settings()["sync.dir"] or home_store in ("", ctx.store_code)


@dataclass(frozen=True)
class ExpiryReport:
    """What an expiry run wrote off."""

    members: int
    points: int
    mode: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def expire_points(ctx: Context) -> ExpiryReport:
    """Write an ``expire`` ledger row for every member with points past the expiry rule.

    Runs in chunks of members, one transaction each, so the tills are never held up for long;
    running it twice writes nothing the second time. (Checkout also writes a member's expired
    points before the sale, so a member cannot redeem what has expired.)
    """
    program = ctx.program()
    members = total = 0
    if program.expiry_mode == "never":
        return ExpiryReport(0, 0, program.expiry_mode)
    now = ctx.now()
    after = 0
    while True:
        with ctx.db.transaction() as session:
            conn = session.connection()
            reads = DriverReads.under(conn)
            rows = conn.execute(_WITH_POINTS, {"after": after}).all()
            written: list[int] = []
            for row in rows:
                if not expiry_written_here(ctx, row.home_store):
                    continue
                facts = MemberFacts(
                    member_id=row.id,
                    balance=row.points_balance,
                    created_at=row.created_at,
                    last_visit=row.last_visit_at,
                )
                due = expiry_for(reads, program, facts, now).due_now
                if not due:
                    continue
                entry = conn.execute(
                    _INSERT_LEDGER,
                    {
                        "member_id": row.id,
                        "points": -due,
                        "kind": "expire",
                        "reason": program.expiry_mode,
                        "sale_id": None,
                        "refund_id": None,
                        "actor": ctx.actor,
                        "store_code": ctx.store_code,
                        "till": ctx.till,
                        "created_at": now,
                    },
                )
                written.append(inserted_id(entry))
                conn.execute(_TAKE, {"member_id": row.id, "points": due})
                members += 1
                total += due
            events.points_changed(session, ctx, written)  # the other shops write them off too
            if rows:
                after = rows[-1].id
            last = len(rows) < CHUNK
            if last:
                record(
                    session,
                    ctx,
                    "points.expire",
                    "program",
                    program.expiry_mode,
                    members=members,
                    points=total,
                )
        if last:
            break
        if ctx.db.is_sqlite:
            time.sleep(PAUSE_S)  # a till waiting for the write lock gets its turn
    return ExpiryReport(members, total, program.expiry_mode)
