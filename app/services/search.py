"""Finding members by name, email or phone: case- and accent-insensitive prefix search.

Every field is searched by word prefix on an index (``muller`` finds ``Müller``, ``0171 23``
finds ``+49 171 2345678``), so a search stays fast with a million members. The longest word of
the query drives an index range scan; the other words must each prefix some other field.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from app.domain.errors import InvalidInput
from app.domain.profile import digits_of, fold, phone_query
from app.i18n import _
from app.services.context import Context
from app.services.views import MemberSummary
from app.store import queries
from app.store.jobs import VISIBLE_SQL
from app.store.search_keys import other_words, phone_columns, upper_bound

MIN_LENGTH = 2
_TEXT_COLUMNS = ("last_key", "first_key", "email_key")
# Choosing which word drives a search counts at most this many keys per column.
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


def _order(col: str) -> str:
    # Each order is exactly one index's (migration 0004), so a plan stops after LIMIT rows
    # instead of sorting its whole range. (first_key twice would be the same order, but SQLite
    # would not see it and sort every "Anna" of a million members.)
    if col == "last_key":
        return _NAME_ORDER
    if col == "first_key":
        return "m.first_key, m.last_key, m.id"
    return f"m.{col}, {_NAME_ORDER}"


def _phone_queries(digits: str, international: bool) -> list[tuple[str, tuple[Any, ...]]]:
    return [
        (
            f"m.{col} >= ? AND m.{col} < ? ORDER BY {_order(col)} LIMIT ?",
            (digits, upper_bound(digits)),
        )
        for col in phone_columns(international)
    ]


def _drive_cost(ctx: Context, word: str) -> int:
    """How many keys start with ``word`` (each column counted up to a cap): the rows a search
    driven by it reads. Counted on the indexes alone, so cheap even for a common name."""
    total = 0
    for col in _TEXT_COLUMNS:
        row = queries.fetch_one(
            ctx.db,
            f"SELECT count(*) AS matches FROM (SELECT 1 FROM member WHERE {col} >= ? AND {col} < ? "
            f"LIMIT {_COUNT_CAP}) AS r",
            (word, upper_bound(word)),
        )
        total += row.matches if row else 0
    return total


def _drive_word(ctx: Context, words: list[str]) -> str:
    # The longest word is not the rarest: in "Sophie Schmidt-Lüdenscheid" it is, in "Sophie Lü"
    # it is not, and the drive's range is what a plan may have to read to the end.
    if len(words) == 1:
        return words[0]
    return min(words, key=lambda w: (_drive_cost(ctx, w), -len(w)))


def _text_queries(words: list[str], drive: str) -> list[tuple[str, tuple[Any, ...]]]:
    extra_sql, extra = other_words(w for w in words if w is not drive)
    return [
        (
            f"m.{col} >= ? AND m.{col} < ?{extra_sql} ORDER BY {_order(col)} LIMIT ?",
            (drive, upper_bound(drive), *extra),
        )
        for col in _TEXT_COLUMNS
    ]


def find_members(ctx: Context, text: str, *, limit: int = 20) -> list[MemberSummary]:
    """Members matching every word of ``text``, sorted by last and first name."""
    # SQL reads LIMIT -1 as "no limit" and the slice below as "all but the last".
    limit = max(limit, 0)
    query = (text or "").strip()
    phone = phone_query(query)
    if phone is not None:
        if len(digits_of(query)) < 3:
            raise InvalidInput(_("Type at least three digits of a phone number"))
        plans = _phone_queries(*phone)
    else:
        words = fold(query).split()
        if not words or max(len(w) for w in words) < MIN_LENGTH:
            raise InvalidInput(_("Type at least two letters of a name, an email or a phone"))
        plans = _text_queries(words, _drive_word(ctx, words))
    found: dict[int, queries.Record] = {}
    for where, params in plans:
        for row in queries.fetch_all(ctx.db, _SELECT + where, (*params, limit)):
            found.setdefault(row.member_id, row)
    return [MemberSummary.of(r) for r in sorted(found.values(), key=_BY_NAME)[:limit]]
