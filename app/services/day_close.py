"""The day's close (`loyalty report day` and its screen): one shop's day per till and per cashier.

Every figure is an aggregate over the shop's rows of one local day (``shop.timezone``), grouped
by till and by the acting person in one SQL pass per table; Python only adds the groups up.
Points' money value is what they are worth at the till (``program.redeem_points_per_unit``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, select

from app.domain import report as rep
from app.services.context import Context
from app.services.reports import today
from app.store.tables import AUDIT, CARD, COUPON_REDEMPTION, LEDGER, REFUND, SALE, STAMP


@dataclass(frozen=True)
class CloseFigures:
    """One group's day: sales with members, points, coupons, refunds, adjustments, enrolments."""

    sales: int = 0
    sales_cents: int = 0
    paid_cents: int = 0
    points_issued: int = 0
    points_issued_cents: int = 0
    points_redeemed: int = 0
    points_redeemed_cents: int = 0
    coupons_used: int = 0
    coupon_discount_cents: int = 0
    refunds: int = 0
    refunded_cents: int = 0
    adjustments: int = 0
    points_adjusted: int = 0
    enrolments: int = 0
    stamp_rewards: int = 0

    def __add__(self, other: CloseFigures) -> CloseFigures:
        return CloseFigures(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )


@dataclass(frozen=True)
class Adjustment:
    """One manual points adjustment of the day, with who made it."""

    at: datetime
    """In the shop's local time."""
    till: int
    staff: str
    card: str
    points: int
    reason: str


@dataclass(frozen=True)
class DayClose:
    """The shop's day: totals, per till, per cashier, and each adjustment."""

    day: date
    store: str
    till: int | None
    currency: str
    total: CloseFigures
    tills: tuple[tuple[int, CloseFigures], ...]
    staff: tuple[tuple[str, CloseFigures], ...]
    adjustments: tuple[Adjustment, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The README's JSON layout of `loyalty report day --json`."""
        return {
            "date": self.day.isoformat(),
            "store": self.store,
            "till": self.till,
            "currency": self.currency,
            "total": asdict(self.total),
            "tills": [{"till": till, **asdict(f)} for till, f in self.tills],
            "staff": [{"staff": name, **asdict(f)} for name, f in self.staff],
            "adjustments": [
                {**asdict(a), "at": a.at.isoformat(timespec="seconds")} for a in self.adjustments
            ],
        }


Key = tuple[int, str]


def _window(ctx: Context, day: date) -> tuple[datetime, datetime]:
    zone = ctx.program().timezone
    return rep.day_start(day, zone), rep.day_start(day + timedelta(days=1), zone)


def _grouped(
    conn: Connection, table: Any, columns: list[Any], where: list[Any]
) -> dict[Key, tuple[int, ...]]:
    query = select(table.c.till, table.c.actor, *columns).where(*where)
    rows = conn.execute(query.group_by(table.c.till, table.c.actor))
    return {(int(r[0]), str(r[1] or "")): tuple(int(v or 0) for v in r[2:]) for r in rows}


def _in_day(table: Any, store: str, till: int | None, start: datetime, end: datetime) -> list[Any]:
    where = [table.c.store_code == store, table.c.created_at >= start, table.c.created_at < end]
    if till is not None:
        where.append(table.c.till == till)
    return where


def _figures(
    conn: Connection, store: str, till: int | None, start: datetime, end: datetime
) -> dict[Key, dict[str, int]]:
    """Each (till, person)'s raw counts of the day (points not yet valued in money)."""
    out: dict[Key, dict[str, int]] = {}

    def put(found: dict[Key, tuple[int, ...]], names: Iterable[str]) -> None:
        keys = list(names)
        for key, values in found.items():
            out.setdefault(key, {}).update(zip(keys, values, strict=True))

    s = SALE
    put(
        _grouped(
            conn,
            s,
            [
                func.count(),
                func.sum(s.c.amount_cents),
                func.sum(s.c.to_pay_cents),
                func.sum(s.c.points_redeemed),
                func.sum(s.c.redeem_value_cents),
            ],
            _in_day(s, store, till, start, end),
        ),
        ("sales", "sales_cents", "paid_cents", "points_redeemed", "points_redeemed_cents"),
    )
    issued = and_(LEDGER.c.points > 0, LEDGER.c.kind.not_in(sorted(rep.NOT_ISSUED_KINDS)))
    put(
        _grouped(
            conn,
            LEDGER,
            [func.sum(LEDGER.c.points)],
            [*_in_day(LEDGER, store, till, start, end), issued],
        ),
        ("points_issued",),
    )
    put(
        _grouped(
            conn,
            LEDGER,
            [func.count(), func.sum(LEDGER.c.points)],
            [*_in_day(LEDGER, store, till, start, end), LEDGER.c.kind == "adjustment"],
        ),
        ("adjustments", "points_adjusted"),
    )
    c = COUPON_REDEMPTION
    put(
        _grouped(
            conn,
            c,
            [func.count(), func.sum(c.c.discount_cents)],
            [*_in_day(c, store, till, start, end), c.c.undone_at.is_(None)],
        ),
        ("coupons_used", "coupon_discount_cents"),
    )
    put(
        _grouped(
            conn,
            REFUND,
            [func.count(), func.sum(REFUND.c.money_back_cents)],
            _in_day(REFUND, store, till, start, end),
        ),
        ("refunds", "refunded_cents"),
    )
    put(
        _grouped(
            conn,
            STAMP,
            [func.count()],
            [*_in_day(STAMP, store, till, start, end), STAMP.c.kind == "reward"],
        ),
        ("stamp_rewards",),
    )
    return out


def _enrolments(
    conn: Connection, till: int | None, start: datetime, end: datetime
) -> dict[Key, int]:
    # Enrolments are this database's own audit rows (an enrolment at another shop arrives by
    # sync and has none here). The audit row names the person; the till is the one this
    # database serves, unless the row says otherwise.
    query = (
        select(AUDIT.c.actor, func.count())
        .where(AUDIT.c.action == "member.enroll", AUDIT.c.at >= start, AUDIT.c.at < end)
        .group_by(AUDIT.c.actor)
    )
    return {(till or 0, str(actor or "")): int(n) for actor, n in conn.execute(query)}


def _adjustments(
    ctx: Context, conn: Connection, till: int | None, start: datetime, end: datetime
) -> tuple[Adjustment, ...]:
    card = (
        select(func.min(CARD.c.number))
        .where(CARD.c.member_id == LEDGER.c.member_id)
        .scalar_subquery()
    )
    query = (
        select(
            LEDGER.c.created_at,
            LEDGER.c.till,
            LEDGER.c.actor,
            card,
            LEDGER.c.points,
            LEDGER.c.reason,
        )
        .where(*_in_day(LEDGER, ctx.store_code, till, start, end), LEDGER.c.kind == "adjustment")
        .order_by(LEDGER.c.created_at, LEDGER.c.id)
    )
    program = ctx.program()
    return tuple(
        Adjustment(
            at=program.local(at),
            till=int(t),
            staff=str(who or ""),
            card=str(number or ""),
            points=p,
            reason=why,
        )
        for at, t, who, number, p, why in conn.execute(query)
    )


def day_close(ctx: Context, day: date | None = None, till: int | None = None) -> DayClose:
    """The shop's day (default: today), all tills or one."""
    day = day or today(ctx)
    start, end = _window(ctx, day)
    store = ctx.store_code
    rules = ctx.rules()
    with ctx.db.reading() as session:
        conn = session.connection()
        raw = _figures(conn, store, till, start, end)
        for key, count in _enrolments(conn, till, start, end).items():
            enrolled_at = (ctx.till if till is None else till, key[1])
            raw.setdefault(enrolled_at, {})["enrolments"] = count
        adjustments = _adjustments(ctx, conn, till, start, end)
    per_key = {
        key: replace(
            CloseFigures(**values),
            points_issued_cents=rules.points_value_cents(values.get("points_issued", 0)),
        )
        for key, values in raw.items()
    }
    tills: dict[int, CloseFigures] = {}
    staff: dict[str, CloseFigures] = {}
    for (t, who), figures in per_key.items():
        tills[t] = tills.get(t, CloseFigures()) + figures
        staff[who] = staff.get(who, CloseFigures()) + figures
    total = sum(per_key.values(), CloseFigures())
    return DayClose(
        day=day,
        store=store,
        till=till,
        currency=rules.currency,
        total=total,
        tills=tuple(sorted(tills.items())),
        staff=tuple(sorted(staff.items(), key=lambda item: item[0].casefold())),
        adjustments=adjustments,
    )
