"""Finding members by name, email or phone: case- and accent-insensitive prefix search.

Every field is searched by word prefix on an index (``muller`` finds ``Müller``, ``0171 23``
finds ``+49 171 2345678``), so a search stays fast with a million members. A word is also
looked up the other ways a cashier types it (:mod:`app.domain.search_text`: ``mueller`` for
Müller, ``example.org`` for an email's domain); digits also match a phone number's end
(``9722233``). The rarest word drives index range scans; the other words must each match
some other key of the rows found, checked on the same index.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from app.domain.errors import InvalidInput
from app.domain.profile import digits_of, phone_query
from app.domain.search_text import MIN_PHONE_END, Probe, SearchWord, search_words
from app.i18n import _
from app.services.context import Context
from app.services.views import MemberSummary
from app.store import queries
from app.store.jobs import VISIBLE_SQL
from app.store.search_keys import phone_columns, upper_bound, word_conditions

MIN_LENGTH = 2
# Choosing which word drives a search counts at most this many keys per probe.
_COUNT_CAP = 1_000
# Ties on the searched column (many "Wagner") are broken in the final sort order, so that the
# LIMIT keeps the first members by name, not whichever rows the index returned first.
_NAME_ORDER = "m.last_key, m.first_key, m.id"
_SELECT = (
    "SELECT m.id AS member_id, c.number AS card, m.first_name, m.last_name, m.email, m.phone, "
    "m.postcode, m.points_balance AS points, m.last_key, m.first_key FROM member m "
    "LEFT JOIN card c ON c.member_id = m.id AND c.status = 'active' "
    f"WHERE m.status = 'active' AND {VISIBLE_SQL} AND "
)
_BY_NAME = attrgetter("last_key", "first_key", "member_id")
Plan = tuple[str, tuple[Any, ...]]


def _order(col: str) -> str:
    # Each order is exactly one index's (migrations 0004, 0018), so a plan stops after LIMIT
    # rows instead of sorting its whole range. (first_key twice would be the same order, but
    # SQLite would not see it and sort every "Anna" of a million members.)
    if col == "last_key":
        return _NAME_ORDER
    if col == "first_key":
        return "m.first_key, m.last_key, m.id"
    return f"m.{col}, {_NAME_ORDER}"


def _range_plan(probe: Probe, extra_sql: str = "", extra: tuple[Any, ...] = ()) -> Plan:
    col = probe.column
    return (
        f"m.{col} >= ? AND m.{col} < ?{extra_sql} ORDER BY {_order(col)} LIMIT ?",
        (probe.prefix, upper_bound(probe.prefix), *extra),
    )


def _phone_plans(digits: str, international: bool) -> list[Plan]:
    probes = [Probe(col, digits) for col in phone_columns(international)]
    if not international and len(digits) >= MIN_PHONE_END:
        probes.append(Probe("phone_reversed", digits[::-1]))
    return [_range_plan(p) for p in probes]


def _drive_cost(ctx: Context, word: SearchWord, enough: int | None = None) -> int:
    """How many keys ``word`` matches (each probe counted up to a cap): the rows a search
    driven by it reads. Counted on the indexes alone, so cheap even for a common name; the
    counting stops once the total reaches ``enough`` (another word is known to cost that)."""
    total = 0
    for probe in word.probes:
        if enough is not None and total >= enough:
            break
        col = probe.column
        row = queries.fetch_one(
            ctx.db,
            f"SELECT count(*) AS matches FROM (SELECT 1 FROM member WHERE {col} >= ? AND {col} < ? "
            f"LIMIT {_COUNT_CAP}) AS r",
            (probe.prefix, upper_bound(probe.prefix)),
        )
        total += row.matches if row else 0
    return total


def _drive_word(ctx: Context, words: list[SearchWord]) -> SearchWord:
    # The longest word is not the rarest: in "Sophie Schmidt-Lüdenscheid" it is, in "Sophie Lü"
    # it is not, and the drive's range is what a plan may have to read to the end.
    if len(words) == 1:
        return words[0]
    # Longest first: a later (shorter) word must cost less to drive, so its count can stop
    # at the best cost so far.
    best, best_cost = None, 0
    for word in sorted(words, key=lambda w: -w.length):
        cost = _drive_cost(ctx, word, best_cost if best is not None else None)
        if best is None or cost < best_cost:
            best, best_cost = word, cost
    assert best is not None
    return best


def _text_plans(words: list[SearchWord], drive: SearchWord) -> list[Plan]:
    extra_sql, extra = word_conditions(w for w in words if w is not drive)
    return [_range_plan(probe, extra_sql, tuple(extra)) for probe in drive.probes]


def find_members(ctx: Context, text: str, *, limit: int = 20) -> list[MemberSummary]:
    """Members matching every word of ``text``, sorted by last and first name."""
    # SQL reads LIMIT -1 as "no limit" and the slice below as "all but the last".
    limit = max(limit, 0)
    query = (text or "").strip()
    phone = phone_query(query)
    if phone is not None:
        if len(digits_of(query)) < 3:
            raise InvalidInput(_("Type at least three digits of a phone number"))
        plans = _phone_plans(*phone)
    else:
        words = search_words(query)
        if not words or max(w.length for w in words) < MIN_LENGTH:
            raise InvalidInput(_("Type at least two letters of a name, an email or a phone"))
        plans = _text_plans(words, _drive_word(ctx, words))
    found: dict[int, queries.Record] = {}
    for where, params in plans:
        for row in queries.fetch_all(ctx.db, _SELECT + where, (*params, limit)):
            found.setdefault(row.member_id, row)
    return [MemberSummary.of(r) for r in sorted(found.values(), key=_BY_NAME)[:limit]]
