"""Points expiry: write off what the shop's expiry rule says has expired, as ledger rows."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from app.services.audit import record
from app.services.context import Context
from app.services.program import MemberFacts, expiry_for
from app.store.models import LedgerEntry, Member
from app.store.queries import DriverReads
from app.sync import events

_MEMBER = Member.__table__  # type: ignore[attr-defined]
_LEDGER = LedgerEntry.__table__  # type: ignore[attr-defined]
CHUNK = 500
# Members with points, in id order, a chunk at a time; each chunk locked and written at once.
_WITH_POINTS = (
    select(
        _MEMBER.c.id,
        _MEMBER.c.points_balance,
        _MEMBER.c.created_at,
        _MEMBER.c.last_visit_at,
        _MEMBER.c.home_store,
    )
    .where(_MEMBER.c.points_balance > 0, _MEMBER.c.id > bindparam("after"))
    .order_by(_MEMBER.c.id)
    .limit(CHUNK)
    .with_for_update()
)
_TAKE = (
    update(_MEMBER)
    .where(_MEMBER.c.id == bindparam("member_id"))
    .values(points_balance=_MEMBER.c.points_balance - bindparam("points"))
)


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
            for member_id, balance, created_at, last_visit, home_store in rows:
                if not expiry_written_here(ctx, home_store):
                    continue
                facts = MemberFacts(
                    member_id=member_id,
                    balance=balance,
                    created_at=created_at,
                    last_visit=last_visit,
                )
                due = expiry_for(reads, program, facts, now).due_now
                if not due:
                    continue
                entry = conn.execute(
                    insert(_LEDGER),
                    {
                        "member_id": member_id,
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
                written.append(int(entry.inserted_primary_key[0]))
                conn.execute(_TAKE, {"member_id": member_id, "points": due})
                members += 1
                total += due
            events.points_changed(session, ctx, written)  # the other shops write them off too
            if rows:
                after = rows[-1][0]
            if len(rows) < CHUNK:
                record(
                    session,
                    ctx,
                    "points.expire",
                    "program",
                    program.expiry_mode,
                    members=members,
                    points=total,
                )
                break
    return ExpiryReport(members, total, program.expiry_mode)
