"""Which members are in a segment (``lapsed:90``, ``rfm:at-risk``…), for exports and the desk.

A *purchase* is a sale not wholly refunded, as in the reports. Every segment holds only active
members that are visible (not part of an unpublished import); the ids come back in the desk's
name order (last name, first name, id).
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from app.domain.segments import Segment, Shopper, parse_segment, rfm_members
from app.services.context import Context
from app.services.member_io import chunks
from app.store import queries
from app.store.jobs import VISIBLE_SQL

_ACTIVE = f"m.status = 'active' AND {VISIBLE_SQL}"
_ORDER = " ORDER BY m.last_key, m.first_key, m.id"
_PURCHASE = "s.refunded_cents < s.amount_cents"
YEAR_DAYS = 365


def read_segment(ctx: Context, text: str) -> Segment:
    """A segment as typed, checked against this program's tiers."""
    return parse_segment(text, tuple(t.name for t in ctx.program().tiers))


def _next_month(today: date) -> int:
    return 1 if today.month == 12 else today.month + 1


def _in_name_order(ctx: Context, ids: list[int]) -> list[int]:
    if not ids:
        return []
    found: list[tuple[str, str, int]] = []
    for part in chunks(ids):
        marks = ", ".join("?" * len(part))
        for r in queries.fetch_all(
            ctx.db,
            f"SELECT m.id, m.last_key, m.first_key FROM member m WHERE m.id IN ({marks}) "
            f"AND {_ACTIVE}",
            tuple(part),
        ):
            found.append((r[1] or "", r[2] or "", r[0]))
    return [member_id for _last, _first, member_id in sorted(found)]


def segment_member_ids(ctx: Context, segment: Segment) -> list[int]:
    """The ids of the segment's members, in name order."""
    reads = queries.DriverReads.of(ctx.db)
    now = ctx.now()
    if segment.kind == "new":
        since = reads.at(now - timedelta(days=segment.number))
        sql = f"SELECT m.id FROM member m WHERE {_ACTIVE} AND m.created_at >= ?{_ORDER}"
        return [r[0] for r in queries.fetch_all(ctx.db, sql, (since,))]
    if segment.kind == "lapsed":
        before = reads.at(now - timedelta(days=segment.number))
        sql = (
            f"SELECT m.id FROM member m WHERE {_ACTIVE} AND COALESCE((SELECT MAX(s.created_at) "
            f"FROM sale s WHERE s.member_id = m.id AND {_PURCHASE}), m.created_at) < ?{_ORDER}"
        )
        return [r[0] for r in queries.fetch_all(ctx.db, sql, (before,))]
    if segment.kind == "tier":
        sql = f"SELECT m.id FROM member m WHERE {_ACTIVE} AND m.tier = ?{_ORDER}"
        return [r[0] for r in queries.fetch_all(ctx.db, sql, (segment.value,))]
    if segment.kind == "birthday":
        zone = ZoneInfo(ctx.program().timezone) if ctx.program().timezone else None
        month = _next_month(now.astimezone(zone).date())
        month_sql = (
            "CAST(strftime('%m', m.birthday) AS INTEGER)"
            if ctx.db.is_sqlite
            else "EXTRACT(MONTH FROM m.birthday)"
        )
        sql = f"SELECT m.id FROM member m WHERE {_ACTIVE} AND {month_sql} = ?{_ORDER}"
        return [r[0] for r in queries.fetch_all(ctx.db, sql, (month,))]
    year_ago = reads.at(now - timedelta(days=YEAR_DAYS))
    if segment.kind == "top":
        sql = (
            "SELECT s.member_id, SUM(s.amount_cents - s.refunded_cents) AS spend FROM sale s "
            f"JOIN member m ON m.id = s.member_id WHERE {_PURCHASE} AND s.created_at >= ? "
            f"AND {_ACTIVE} GROUP BY s.member_id ORDER BY spend DESC, s.member_id LIMIT ?"
        )
        rows = queries.fetch_all(ctx.db, sql, (year_ago, segment.number))
        return _in_name_order(ctx, [r[0] for r in rows])
    return _in_name_order(ctx, rfm_members(shoppers(ctx), segment.value))


def shoppers(ctx: Context) -> list[Shopper]:
    """Every active member with a purchase: days since the last one, count and spend in 12
    months (the RFM population)."""
    reads = queries.DriverReads.of(ctx.db)
    now = ctx.now()
    year_ago = reads.at(now - timedelta(days=YEAR_DAYS))
    sql = (
        "SELECT s.member_id, MAX(s.created_at) AS last_at, "
        "SUM(CASE WHEN s.created_at >= ? THEN 1 ELSE 0 END) AS purchases, "
        "SUM(CASE WHEN s.created_at >= ? THEN s.amount_cents - s.refunded_cents ELSE 0 END) "
        f"AS spend FROM sale s JOIN member m ON m.id = s.member_id WHERE {_PURCHASE} "
        f"AND {_ACTIVE} GROUP BY s.member_id"
    )
    result = []
    for r in queries.fetch_all(ctx.db, sql, (year_ago, year_ago)):
        last = reads.moment(r[1])
        days = (now - last).days if last is not None else YEAR_DAYS * 100
        result.append(Shopper(r[0], max(0, days), int(r[2] or 0), int(r[3] or 0)))
    return result


__all__ = ["parse_segment", "read_segment", "segment_member_ids", "shoppers"]
