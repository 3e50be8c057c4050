"""`loyalty report summary` and the Reports screen: the program's figures for a period.

One SQL pass per family of figures (customers and purchases, money, points, members, coupons,
tiers), each an aggregate the database computes; Python only applies the README's formulas
(``app/domain/report.py``). Every figure can be restricted to one shop (``store``) and split by
shop, till or the sale's actor (``by``): then customers, purchases and points count only that
group's sales and ledger rows (a member's "first purchase" is their first one there).
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Select,
    and_,
    case,
    cast,
    exists,
    func,
    literal_column,
    select,
)

from app.domain import report as rep
from app.domain.errors import InvalidInput
from app.domain.report import Period
from app.i18n import _
from app.services.context import Context
from app.services.feedback import nps_figures
from app.store.tables import COUPON_REDEMPTION, LEDGER, MEMBER, REFUND, SALE

# How many slices of members the customers' pass runs in at once (at most the CPUs).
REPORT_THREADS = 2

GROUPINGS = ("store", "till", "staff")
# The column each grouping reads, by table: the sale's and the ledger row's shop, till, actor.
_GROUP_COLUMN = {"store": "store_code", "till": "till", "staff": "actor"}


@dataclass(frozen=True)
class Summary:
    """The figures of one period (and one group), under the README's JSON keys."""

    customers_start: int = 0
    customers_end: int = 0
    new_customers: int = 0
    crr: float | None = None
    lost_customers: int = 0
    churn: float | None = None
    purchases: int = 0
    purchasing_members: int = 0
    repeat_rate: float | None = None
    frequency: float | None = None
    aov_cents: int | None = None
    aov_first_cents: int | None = None
    aov_returning_cents: int | None = None
    returning_uplift: float | None = None
    revenue_cents: int = 0
    discount_cents: int = 0
    points_paid_cents: int = 0
    ltv_cents: int | None = None
    points_issued: int = 0
    points_redeemed: int = 0
    points_expired: int = 0
    points_adjusted: int = 0
    redemption_rate: float | None = None
    liability_points: int | None = None
    liability_cents: int | None = None
    enrolments: int | None = None
    referrals: int | None = None
    referrals_purchased: int | None = None
    coupons: list[dict[str, Any]] = field(default_factory=list)
    tiers: dict[str, int] | None = None
    nps: int | None = None
    nps_responses: int = 0


@dataclass(frozen=True)
class Report:
    """The summary of a period, and per group when split."""

    period: Period
    store: str | None
    by: str | None
    currency: str
    summary: Summary
    groups: tuple[tuple[str, Summary], ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "store": self.store,
            "by": self.by,
            "currency": self.currency,
            **asdict(self.summary),
        }
        if self.by is not None:
            data["groups"] = [{"group": key, **asdict(s)} for key, s in self.groups]
        return data


@dataclass(frozen=True)
class _Bounds:
    """The UTC moments the period's local days begin and end, and the windows around them."""

    start: datetime  # first moment of --from
    end: datetime  # first moment after --to
    before: datetime  # window of the customers on the day before --from
    last: datetime  # window of the customers on --to
    year: datetime  # the 365 days ending with --to (LTV's spend)
    year_ago: datetime  # window of the customers on --to minus 365 days
    year_ago_end: datetime
    lowest: datetime

    @classmethod
    def of(cls, period: Period, zone: str, active_days: int) -> _Bounds:
        def at(day: date) -> datetime:
            return rep.day_start(day, zone)

        year_ago = period.end - timedelta(days=365)
        moments = {
            "start": at(period.start),
            "end": at(period.end + timedelta(days=1)),
            "before": at(period.start - timedelta(days=active_days)),
            "last": at(period.end - timedelta(days=active_days - 1)),
            "year": at(period.end - timedelta(days=364)),
            "year_ago": at(year_ago - timedelta(days=active_days - 1)),
            "year_ago_end": at(year_ago + timedelta(days=1)),
        }
        return cls(**moments, lowest=min(moments.values()))


def today(ctx: Context) -> date:
    """The shop's local date now."""
    return ctx.program().local(ctx.now()).date()


def resolve_period(ctx: Context, start: str | None, end: str | None) -> Period:
    """``--from``/``--to`` as typed (default: last month in the shop's local dates)."""
    return rep.period_from(start, end, today(ctx))


def _group_col(table: Any, by: str | None) -> ColumnElement[Any]:
    # Without a split every row is in the one group "" (a constant, so no GROUP BY needs it).
    if by is None:
        return literal_column("''").label("grp")
    return table.c[_GROUP_COLUMN[by]].label("grp")


def _where_store(table: Any, store: str | None) -> list[ColumnElement[bool]]:
    return [table.c.store_code == store] if store is not None else []


def _is_purchase(table: Any) -> ColumnElement[bool]:
    # Wholly refunded sales are no purchases (a partly refunded one still is).
    return table.c.refunded_cents < table.c.amount_cents


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def _customers(
    conn: Connection,
    b: _Bounds,
    store: str | None,
    by: str | None,
    members: tuple[int, int] | None = None,
) -> dict[str, dict[str, int]]:
    """Customers, purchases and baskets per group: one pass over the sales by member.

    ``members``: only the member ids from the first up to before the second (a slice).
    """
    s = SALE.c
    in_slice = [] if members is None else [s.member_id >= members[0], s.member_id < members[1]]
    grp = _group_col(SALE, by)
    at = s.created_at
    # Qualifying spend as the tiers count it: money paid less the money refunded.
    spend = s.to_pay_cents - (cast(s.to_pay_cents, BigInteger) * s.refunded_cents) // s.amount_cents
    in_period = at >= b.start
    per_member = (
        select(
            s.member_id,
            grp,
            func.max(_flag(and_(at >= b.before, at < b.start))).label("in_s"),
            func.max(_flag(at >= b.last)).label("in_e"),
            func.max(_flag(and_(at >= b.year_ago, at < b.year_ago_end))).label("in_y"),
            func.max(_flag(at >= b.year)).label("in_sp"),
            func.sum(case((at >= b.year, spend), else_=0)).label("spend"),
            func.sum(_flag(in_period)).label("n"),
            func.sum(case((in_period, s.amount_cents), else_=0)).label("amount"),
            func.min(at).label("first_seen"),
        )
        .where(
            *in_slice, at >= b.lowest, at < b.end, _is_purchase(SALE), *_where_store(SALE, store)
        )
        .group_by(s.member_id, *([grp] if by else []))
        .subquery("m")
    )
    m = per_member.c
    earlier = SALE.alias("earlier")
    e = earlier.c
    group_match = [e[_GROUP_COLUMN[by]] == m.grp] if by else []
    # A member whose first purchase in the scanned window lies in the period is new unless they
    # bought before the window: one probe of ix_sale_member_created each.
    is_new = and_(
        m.first_seen >= b.start,
        ~exists().where(
            e.member_id == m.member_id,
            e.created_at < b.lowest,
            _is_purchase(earlier),
            *_where_store(earlier, store),
            *group_match,
        ),
    )
    flagged = select(*per_member.c, _flag(is_new).label("is_new")).subquery("f")
    f = flagged.c
    first = SALE.alias("first")
    fc = first.c
    first_amount = (
        select(fc.amount_cents)
        .where(
            fc.member_id == f.member_id,
            fc.created_at == f.first_seen,
            _is_purchase(first),
            *_where_store(first, store),
            *([fc[_GROUP_COLUMN[by]] == f.grp] if by else []),
        )
        .order_by(fc.id)
        .limit(1)
        .scalar_subquery()
    )
    query: Select[Any] = select(
        f.grp if by else literal_column("''").label("grp"),
        func.sum(f.in_s).label("customers_start"),
        func.sum(f.in_e).label("customers_end"),
        func.sum(f.in_s * (1 - f.in_e)).label("lost"),
        func.sum(f.in_y).label("year_ago"),
        func.sum(f.in_y * (1 - f.in_e)).label("lost_year"),
        func.sum(f.in_sp).label("year_customers"),
        func.sum(f.spend).label("year_spend"),
        func.sum(f.is_new).label("new"),
        func.sum(f.n).label("purchases"),
        func.sum(_flag(f.n > 0)).label("purchasing"),
        func.sum(_flag(f.n > 1)).label("repeaters"),
        func.sum(f.amount).label("amount"),
        func.sum(case((f.is_new == 1, first_amount), else_=0)).label("first_amount"),
    ).group_by(*([f.grp] if by else []))
    return {str(row.grp): _ints(row._mapping) for row in conn.execute(query)}


def _member_slices(conn: Connection, parts: int) -> list[tuple[int, int]]:
    """``parts`` ranges of member ids of about equal size (ids are dense)."""
    top = int(conn.execute(select(func.coalesce(func.max(MEMBER.c.id), 0))).scalar_one()) + 1
    step = max(1, -(-top // parts))
    return [(low, min(low + step, top)) for low in range(0, top, step)]


def _customers_in_parallel(
    ctx: Context, b: _Bounds, store: str | None, by: str | None
) -> Future[dict[str, dict[str, int]]]:
    """:func:`_customers` in slices of members, each on its own connection and thread.

    The per-member pass is most of a report's time and the database does it without Python
    (the driver lets go of the GIL): two cores take half as long. Every figure it returns is
    a sum over members, so the slices' figures add up to the whole.
    """
    parts = max(1, min(REPORT_THREADS, os.cpu_count() or 1))

    def one(members: tuple[int, int] | None) -> dict[str, dict[str, int]]:
        with ctx.db.reading() as session:
            return _customers(session.connection(), b, store, by, members)

    def run() -> dict[str, dict[str, int]]:
        with ctx.db.reading() as session:
            slices = _member_slices(session.connection(), parts)
        if len(slices) <= 1:
            return one(None)
        with ThreadPoolExecutor(max_workers=len(slices)) as pool:
            results = list(pool.map(one, slices))
        total: dict[str, dict[str, int]] = {}
        for result in results:
            for key, figures in result.items():
                into = total.setdefault(key, {})
                for name, value in figures.items():
                    into[name] = into.get(name, 0) + value
        return total

    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(run)
    pool.shutdown(wait=False)
    return future


def _ints(mapping: Any) -> dict[str, int]:
    return {k: int(v or 0) for k, v in mapping.items() if k != "grp"}


def _money(
    conn: Connection, b: _Bounds, store: str | None, by: str | None
) -> dict[str, dict[str, int]]:
    """Money paid, discounts and points paid of the period's sales; money refunded in it."""
    s = SALE.c
    grp = _group_col(SALE, by)
    paid = (
        select(
            grp,
            func.sum(s.to_pay_cents).label("paid"),
            func.sum(s.discount_cents).label("discount"),
            func.sum(s.redeem_value_cents).label("points_paid"),
        )
        .where(s.created_at >= b.start, s.created_at < b.end, *_where_store(SALE, store))
        .group_by(*([grp] if by else []))
    )
    out: dict[str, dict[str, int]] = {}
    for row in conn.execute(paid):
        out.setdefault(str(row.grp), {}).update(_ints(row._mapping))
    r = REFUND.c
    rgrp = _group_col(REFUND, by)
    refunded = (
        select(rgrp, func.sum(r.money_back_cents).label("refunded"))
        .where(r.created_at >= b.start, r.created_at < b.end, *_where_store(REFUND, store))
        .group_by(*([rgrp] if by else []))
    )
    for back in conn.execute(refunded):
        out.setdefault(str(back.grp), {}).update(_ints(back._mapping))
    return out


def _points(
    conn: Connection, b: _Bounds, store: str | None, by: str | None
) -> dict[str, dict[str, tuple[int, int]]]:
    """The period's ledger points per kind, positive and negative rows apart."""
    c = LEDGER.c
    grp = _group_col(LEDGER, by)
    query = (
        select(
            grp,
            c.kind,
            func.sum(case((c.points > 0, c.points), else_=0)).label("plus"),
            func.sum(case((c.points < 0, c.points), else_=0)).label("minus"),
        )
        .where(c.created_at >= b.start, c.created_at < b.end, *_where_store(LEDGER, store))
        .group_by(*([grp] if by else []), c.kind)
    )
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for row in conn.execute(query):
        out.setdefault(str(row.grp), {})[row.kind] = (int(row.plus or 0), int(row.minus or 0))
    return out


def _liability(conn: Connection, b: _Bounds, store: str | None) -> int:
    """The sum of balances at the end of --to: today's balances less the points booked since."""
    if store is not None:
        # A shop's part of the balances: the points booked there (the balance is their sum).
        c = LEDGER.c
        query = select(func.coalesce(func.sum(c.points), 0)).where(
            c.created_at < b.end, c.store_code == store
        )
        return int(conn.execute(query).scalar_one())
    now = conn.execute(select(func.coalesce(func.sum(MEMBER.c.points_balance), 0))).scalar_one()
    c = LEDGER.c
    since = conn.execute(
        select(func.coalesce(func.sum(c.points), 0)).where(c.created_at >= b.end)
    ).scalar_one()
    return int(now) - int(since)


def _members(conn: Connection, b: _Bounds, store: str | None) -> dict[str, int]:
    """Enrolments, referrals and referred members who bought by the end of the period."""
    mc = MEMBER.c
    bought = exists().where(
        SALE.c.member_id == mc.id, SALE.c.created_at < b.end, _is_purchase(SALE)
    )
    referred = mc.referred_by.is_not(None)
    query = select(
        func.count().label("enrolments"),
        func.sum(_flag(referred)).label("referrals"),
        func.sum(case((referred, _flag(bought)), else_=0)).label("referrals_purchased"),
    ).where(
        mc.created_at >= b.start,
        mc.created_at < b.end,
        mc.merged_into.is_(None),
        *([mc.home_store == store] if store is not None else []),
    )
    row = conn.execute(query).one()
    return _ints(row._mapping)


def _coupons(conn: Connection, b: _Bounds, store: str | None) -> list[dict[str, Any]]:
    """Per code: the period's uses (not undone by a whole refund) and their discount."""
    c = COUPON_REDEMPTION.c
    query = (
        select(c.code, func.count().label("uses"), func.sum(c.discount_cents).label("discount"))
        .where(
            c.created_at >= b.start,
            c.created_at < b.end,
            c.undone_at.is_(None),
            *_where_store(COUPON_REDEMPTION, store),
        )
        .group_by(c.code)
        .order_by(c.code)
    )
    return [
        {"code": row.code, "uses": int(row.uses), "discount_cents": int(row.discount or 0)}
        for row in conn.execute(query)
    ]


def _tiers(conn: Connection, names: list[str]) -> dict[str, int]:
    """Members per tier now (the tier a member holds is kept up to date at each sale)."""
    mc = MEMBER.c
    query = (
        select(mc.tier, func.count().label("members"))
        .where(mc.tier.is_not(None), mc.merged_into.is_(None))
        .group_by(mc.tier)
    )
    counts = {str(row.tier): int(row.members) for row in conn.execute(query)}
    return {name: counts.get(name, 0) for name in names} | counts


def _summary(
    customers: dict[str, int],
    money: dict[str, int],
    points: dict[str, tuple[int, int]],
) -> Summary:
    """The formulas over one group's counts."""
    c = customers
    s, e, n = c.get("customers_start", 0), c.get("customers_end", 0), c.get("new", 0)
    purchases, amount, first_amount = (
        c.get("purchases", 0),
        c.get("amount", 0),
        c.get("first_amount", 0),
    )
    purchasing = c.get("purchasing", 0)
    figures = rep.points_by_kind(points)
    return Summary(
        customers_start=s,
        customers_end=e,
        new_customers=n,
        crr=rep.crr(e, n, s),
        lost_customers=c.get("lost", 0),
        churn=rep.rate(c.get("lost", 0), s),
        purchases=purchases,
        purchasing_members=purchasing,
        repeat_rate=rep.rate(c.get("repeaters", 0), purchasing),
        frequency=rep.rate(purchases, purchasing),
        aov_cents=rep.mean_cents(amount, purchases),
        aov_first_cents=rep.mean_cents(first_amount, n),
        aov_returning_cents=rep.mean_cents(amount - first_amount, purchases - n),
        returning_uplift=rep.uplift(amount - first_amount, purchases - n, first_amount, n),
        revenue_cents=money.get("paid", 0) - money.get("refunded", 0),
        discount_cents=money.get("discount", 0),
        points_paid_cents=money.get("points_paid", 0),
        ltv_cents=rep.ltv_cents(
            c.get("year_spend", 0),
            c.get("year_customers", 0),
            c.get("lost_year", 0),
            c.get("year_ago", 0),
        ),
        points_issued=figures["points_issued"],
        points_redeemed=figures["points_redeemed"],
        points_expired=figures["points_expired"],
        points_adjusted=figures["points_adjusted"],
        redemption_rate=rep.rate(figures["points_redeemed"], figures["points_issued"]),
    )


def report_summary(
    ctx: Context, period: Period, *, store: str | None = None, by: str | None = None
) -> Report:
    """The period's figures, for one shop or all, split by shop, till or staff if asked."""
    if by is not None and by not in GROUPINGS:
        raise InvalidInput(_("Group by one of: store, till, staff"))
    program = ctx.program()
    rules = ctx.rules()
    active_days = int(ctx.settings().get("report.active_days", rep.ACTIVE_DAYS))
    bounds = _Bounds.of(period, program.timezone, active_days)
    # The customers' pass runs beside the other families (each on its own connection).
    customers_total = _customers_in_parallel(ctx, bounds, store, None)
    with ctx.db.reading() as session:
        conn = session.connection()
        money_total = _money(conn, bounds, store, None).get("", {})
        points_total = _points(conn, bounds, store, None).get("", {})
        total = _summary(customers_total.result().get("", {}), money_total, points_total)
        liability = _liability(conn, bounds, store)
        summary = Summary(
            **{
                **asdict(total),
                "liability_points": liability,
                "liability_cents": rep.points_value_cents(liability, rules.redeem_points_per_unit),
                **_members(conn, bounds, store),
                "coupons": _coupons(conn, bounds, store),
                "tiers": _tiers(conn, [t.name for t in program.tiers]),
                **nps_figures(conn, bounds.start, bounds.end, store),
            }
        )
        groups: tuple[tuple[str, Summary], ...] = ()
        if by is not None:
            by_group = _customers_in_parallel(ctx, bounds, store, by)
            money = _money(conn, bounds, store, by)
            points = _points(conn, bounds, store, by)
            customers = by_group.result()
            keys = sorted(set(customers) | set(money) | set(points), key=_group_order)
            groups = tuple(
                (
                    key,
                    _summary(customers.get(key, {}), money.get(key, {}), points.get(key, {})),
                )
                for key in keys
            )
    return Report(period, store, by, rules.currency, summary, groups)


def _group_order(key: str) -> tuple[int, str]:
    # Tills are numbers: 2 before 10.
    return (int(key), "") if key.isdigit() else (1 << 30, key)
