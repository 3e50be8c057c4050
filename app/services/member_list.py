"""The members list of the owner's desk: filter, sort and page through all members.

It pages with keyset paging (``after_key``) on an index per sort order, so the first page and
every following page cost the same at a million members as at a hundred.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any

from app.domain.errors import InvalidInput
from app.domain.profile import phone_query
from app.domain.search_text import MIN_PHONE_END, Probe, SearchWord, search_words
from app.domain.segments import looks_like_segment
from app.i18n import _
from app.services.context import Context
from app.services.views import MemberSummary
from app.store import queries
from app.store.jobs import VISIBLE_SQL
from app.store.search_keys import phone_columns, upper_bound, word_conditions

SORTS = ("name", "points", "newest")
_PAGE_SELECT = (
    "SELECT m.id AS member_id, (SELECT c.number FROM card c WHERE c.member_id = m.id "
    "AND c.status = 'active' ORDER BY c.issued_at DESC LIMIT 1) AS card, m.first_name, "
    "m.last_name, m.email, m.phone, m.postcode, m.points_balance AS points, m.last_key, "
    "m.first_key, m.created_at FROM member m"
)
# sort -> (comparison for "after", ORDER BY, the columns of a row that make its page key)
_SORT_SQL = {
    "name": (
        "(m.last_key, m.first_key, m.id) > (?, ?, ?)",
        "m.last_key, m.first_key, m.id",
        ("last_key", "first_key", "member_id"),
    ),
    "points": (
        "(m.points_balance, m.id) < (?, ?)",
        "m.points_balance DESC, m.id DESC",
        ("points", "member_id"),
    ),
    "newest": (
        "(m.created_at, m.id) < (?, ?)",
        "m.created_at DESC, m.id DESC",
        ("created_at", "member_id"),
    ),
}


@dataclass(frozen=True)
class MemberPage:
    """One page of the members list; pass ``next_key`` as ``after_key`` for the next page."""

    members: tuple[MemberSummary, ...]
    next_key: tuple[Any, ...] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "members": [m.to_json() for m in self.members],
            "next_key": list(self.next_key) if self.next_key is not None else None,
        }


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


@dataclass(frozen=True)
class _Filter:
    """A parsed filter: the prefixes of the word that drives index range scans (each in its
    key column) and the other words (each must match a name or the email of a found row)."""

    probes: tuple[Probe, ...]
    others: tuple[SearchWord, ...]


def _parse_filter(text: str) -> _Filter | None:
    """The filter as the counter's search reads it (:mod:`app.domain.search_text`): other
    German spellings, "Last, First", an email's domain, a phone number's start or end."""
    phone = phone_query(text)
    if phone is not None:
        digits, international = phone
        if not digits:
            return None
        probes = [Probe(col, digits) for col in phone_columns(international)]
        if not international and len(digits) >= MIN_PHONE_END:
            probes.append(Probe("phone_reversed", digits[::-1]))
        return _Filter(tuple(probes), ())
    words = search_words(text)
    if not words:
        return None
    drive = max(words, key=attrgetter("length"))
    return _Filter(drive.probes, tuple(w for w in words if w is not drive))


# Up to this many matches in a column, its index range is read and sorted (cheap); beyond,
# matches are dense and walking the sort order's index finds a page of them sooner.
DENSE = 5000


def _matches_at_least(
    ctx: Context, column: str, params: list[Any], extra_sql: str, count: int
) -> bool:
    row = queries.fetch_one(
        ctx.db,
        f"SELECT COUNT(*) AS matches FROM (SELECT 1 FROM member m WHERE m.{column} >= ? "
        f"AND m.{column} < ?{extra_sql} LIMIT ?) capped",
        (*params, count),
    )
    return row is not None and row.matches >= count


def _filtered_rows(
    ctx: Context,
    flt: _Filter,
    sort: str,
    after_key: tuple[Any, ...] | list[Any] | None,
    limit: int,
) -> list[queries.Record]:
    """The first ``limit`` matching rows after ``after_key``: one ordered stream per column.

    Each stream either reads its column's index range (few matches) or walks the sort
    order's index testing the column (many matches); the streams are merged in sort order.
    """
    after_sql, order_sql, key_columns = _SORT_SQL[sort]
    extra_sql, extra = word_conditions(flt.others)
    found: dict[int, queries.Record] = {}
    for probe in flt.probes:
        column, low, high = probe.column, probe.prefix, upper_bound(probe.prefix)
        on_sort_index = sort == "name" and column == "last_key"
        params: list[Any] = [low, high, *extra]
        if on_sort_index or not _matches_at_least(ctx, column, params, extra_sql, DENSE):
            target = f"m.{column}"
        else:
            # An expression cannot use the column's index: the planner walks the sort index.
            target = f"(m.{column} || '')"
        sql = (
            f"{_PAGE_SELECT} WHERE m.status = 'active' AND {VISIBLE_SQL} "
            f"AND {target} >= ? AND {target} < ?{extra_sql}"
        )
        if after_key is not None:
            sql += f" AND {after_sql}"
            params += list(after_key)
        sql += f" ORDER BY {order_sql} LIMIT ?"
        params.append(limit)
        for row in queries.fetch_all(ctx.db, sql, tuple(params)):
            found.setdefault(row.member_id, row)
    descending = sort != "name"
    rows = sorted(found.values(), key=attrgetter(*key_columns), reverse=descending)
    return rows[:limit]


def list_members(
    ctx: Context,
    filter_text: str = "",
    sort: str = "name",
    after_key: tuple[Any, ...] | list[Any] | None = None,
    limit: int = 50,
) -> MemberPage:
    """One page of active members, optionally filtered, in ``sort`` order.

    Without a filter the page walks the sort order's index from ``after_key``; with a filter
    each searched column is read by index range or by walking the sort index, whichever is
    cheaper, so no page reads the whole table.
    """
    if sort not in SORTS:
        raise InvalidInput(_("Sort by one of: {sorts}").format(sorts=", ".join(SORTS)))
    if not 1 <= limit <= 1000:
        raise InvalidInput(_("A page has between 1 and 1000 members"))
    if looks_like_segment(filter_text or ""):
        return _segment_page(ctx, filter_text, after_key, limit)
    after_sql, order_sql, key_columns = _SORT_SQL[sort]
    if after_key is not None and len(after_key) != len(key_columns):
        raise InvalidInput(_("This page key does not fit the sort order"))
    flt = _parse_filter(filter_text or "")
    if flt is not None:
        rows = _filtered_rows(ctx, flt, sort, after_key, limit + 1)
    else:
        sql = f"{_PAGE_SELECT} WHERE m.status = 'active' AND {VISIBLE_SQL}"
        params: list[Any] = []
        if after_key is not None:
            sql += f" AND {after_sql}"
            params += list(after_key)
        sql += f" ORDER BY {order_sql} LIMIT ?"
        params.append(limit + 1)
        rows = queries.fetch_all(ctx.db, sql, tuple(params))
    more = len(rows) > limit
    rows = rows[:limit]
    members = tuple(MemberSummary.of(r) for r in rows)
    # Plain JSON on every database: PostgreSQL's driver returns timestamps as datetimes (an ISO
    # string given back as after_key compares as the timestamp it names).
    next_key = (
        tuple(_plain(getattr(rows[-1], name)) for name in key_columns) if more and rows else None
    )
    return MemberPage(members=members, next_key=next_key)


def _segment_page(
    ctx: Context, text: str, after_key: tuple[Any, ...] | list[Any] | None, limit: int
) -> MemberPage:
    """A page of a segment's members (``lapsed:90`` typed in the filter), in name order.

    The page key is the position in the segment: a segment is computed whole (an RFM class
    ranks every buyer), then read a page at a time.
    """
    from app.services.segments import read_segment, segment_member_ids

    segment = read_segment(ctx, text)
    offset = 0
    if after_key is not None:
        if len(after_key) != 1 or not isinstance(after_key[0], int) or after_key[0] < 0:
            raise InvalidInput(_("This page key does not fit the sort order"))
        offset = after_key[0]
    ids = segment_member_ids(ctx, segment)
    part = ids[offset : offset + limit]
    found: dict[int, queries.Record] = {}
    if part:
        marks = ", ".join("?" * len(part))
        for row in queries.fetch_all(
            ctx.db, f"{_PAGE_SELECT} WHERE m.id IN ({marks})", tuple(part)
        ):
            found[row.member_id] = row
    members = tuple(MemberSummary.of(found[i]) for i in part if i in found)
    more = offset + limit < len(ids)
    return MemberPage(members=members, next_key=(offset + limit,) if more else None)
