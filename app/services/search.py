"""Finding members by name, email or phone: case- and accent-insensitive prefix search.

Every field is searched by word prefix on an index (``muller`` finds ``Müller``, ``0171 23``
finds ``+49 171 2345678``), so a search stays fast with a million members. The longest word of
the query drives an index range scan; the other words must each prefix some other field.
"""

from __future__ import annotations

from typing import Any

from app.domain.errors import InvalidInput
from app.domain.profile import digits_of, fold
from app.i18n import _
from app.services.context import Context
from app.services.views import MemberSummary
from app.store import queries

MIN_LENGTH = 2
_TEXT_COLUMNS = ("last_key", "first_key", "email_key")
_PHONE_PUNCTUATION = set(" +-/()")
# Choosing which word drives a search counts at most this many keys per column.
_COUNT_CAP = 1_000
# Ties on the searched column (many "Wagner") are broken in the final sort order, so that the
# LIMIT keeps the first members by name, not whichever rows the index returned first.
_NAME_ORDER = "m.last_key, m.first_key, m.id"
_SELECT = (
    "SELECT m.id, c.number, m.first_name, m.last_name, m.email, m.phone, m.postcode, "
    "m.points_balance, m.last_key, m.first_key FROM member m "
    "LEFT JOIN card c ON c.member_id = m.id AND c.status = 'active' "
    "WHERE m.status = 'active' AND "
)


def _upper_bound(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _order(col: str) -> str:
    # Each order is exactly one index's (migration 0004), so a plan stops after LIMIT rows
    # instead of sorting its whole range. (first_key twice would be the same order, but SQLite
    # would not see it and sort every "Anna" of a million members.)
    if col == "last_key":
        return _NAME_ORDER
    if col == "first_key":
        return "m.first_key, m.last_key, m.id"
    return f"m.{col}, {_NAME_ORDER}"


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _is_phone_query(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and all(ch.isdigit() or ch in _PHONE_PUNCTUATION for ch in stripped)


def _phone_queries(text: str) -> list[tuple[str, tuple[Any, ...]]]:
    digits = digits_of(text)
    international = text.strip().startswith(("+", "00"))
    if international:
        digits = digits[2:] if text.strip().startswith("00") else digits
        columns = ("phone_international",)
    else:
        columns = ("phone_national", "phone_international")
    return [
        (
            f"m.{col} >= ? AND m.{col} < ? ORDER BY {_order(col)} LIMIT ?",
            (digits, _upper_bound(digits)),
        )
        for col in columns
    ]


def _drive_cost(ctx: Context, word: str) -> int:
    """How many keys start with ``word`` (each column counted up to a cap): the rows a search
    driven by it reads. Counted on the indexes alone, so cheap even for a common name."""
    total = 0
    for col in _TEXT_COLUMNS:
        row = queries.fetch_one(
            ctx.db,
            f"SELECT count(*) FROM (SELECT 1 FROM member WHERE {col} >= ? AND {col} < ? "
            f"LIMIT {_COUNT_CAP}) AS r",
            (word, _upper_bound(word)),
        )
        total += row[0] if row else 0
    return total


def _drive_word(ctx: Context, words: list[str]) -> str:
    # The longest word is not the rarest: in "Sophie Schmidt-Lüdenscheid" it is, in "Sophie Lü"
    # it is not, and the drive's range is what a plan may have to read to the end.
    if len(words) == 1:
        return words[0]
    return min(words, key=lambda w: (_drive_cost(ctx, w), -len(w)))


def _text_queries(words: list[str], drive: str) -> list[tuple[str, tuple[Any, ...]]]:
    others = [w for w in words if w is not drive]
    extra_sql = ""
    extra: list[Any] = []
    for word in others:
        like = _escape_like(word) + "%"
        extra_sql += (
            " AND (m.first_key LIKE ? ESCAPE '\\' OR m.last_key LIKE ? ESCAPE '\\'"
            " OR m.email_key LIKE ? ESCAPE '\\')"
        )
        extra += [like, like, like]
    return [
        (
            f"m.{col} >= ? AND m.{col} < ?{extra_sql} ORDER BY {_order(col)} LIMIT ?",
            (drive, _upper_bound(drive), *extra),
        )
        for col in _TEXT_COLUMNS
    ]


def find_members(ctx: Context, text: str, *, limit: int = 20) -> list[MemberSummary]:
    """Members matching every word of ``text``, sorted by last and first name."""
    # SQL reads LIMIT -1 as "no limit" and the slice below as "all but the last".
    limit = max(limit, 0)
    query = (text or "").strip()
    if _is_phone_query(query):
        if len(digits_of(query)) < 3:
            raise InvalidInput(_("Type at least three digits of a phone number"))
        plans = _phone_queries(query)
    else:
        words = fold(query).split()
        if not words or max(len(w) for w in words) < MIN_LENGTH:
            raise InvalidInput(_("Type at least two letters of a name, an email or a phone"))
        plans = _text_queries(words, _drive_word(ctx, words))
    found: dict[int, tuple[Any, ...]] = {}
    for where, params in plans:
        for row in queries.fetch_all(ctx.db, _SELECT + where, (*params, limit)):
            found.setdefault(row[0], row)
    rows = sorted(found.values(), key=lambda r: (r[8], r[9], r[0]))[:limit]
    return [MemberSummary(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows]
