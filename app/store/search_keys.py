"""SQL for prefix searches on the member's folded search keys (``first_key``, ``last_key``,
``email_key``, the phone digits: see :func:`app.domain.profile.search_keys`)."""

from __future__ import annotations

from collections.abc import Iterable

from app.domain.search_text import DOMAIN_COLUMN, Probe, SearchWord


def upper_bound(prefix: str) -> str:
    """The first text after all that start with ``prefix``: ``key >= prefix AND key <
    upper_bound(prefix)`` is a prefix match that an index reads as one range."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def escape_like(word: str) -> str:
    """``word`` as a literal in a ``LIKE ... ESCAPE '\\'`` pattern."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _probe_condition(probe: Probe) -> tuple[str, str]:
    # The domain is checked on the email key, which every search index carries: the other
    # words of a search are then checked without reading the member rows.
    if probe.column == DOMAIN_COLUMN:
        return "m.email_key LIKE ? ESCAPE '\\'", "%@" + escape_like(probe.prefix) + "%"
    return f"m.{probe.column} LIKE ? ESCAPE '\\'", escape_like(probe.prefix) + "%"


def word_conditions(words: Iterable[SearchWord]) -> tuple[str, list[str]]:
    """The condition that member ``m`` matches each of ``words`` (one of its probes), and its
    parameters: the words of a search besides the one whose index range drives it."""
    sql = ""
    params: list[str] = []
    for word in words:
        parts = []
        for probe in word.probes:
            part, param = _probe_condition(probe)
            parts.append(part)
            params.append(param)
        sql += " AND (" + " OR ".join(parts) + ")"
    return sql, params


def phone_columns(international: bool) -> tuple[str, ...]:
    """The key columns a phone search looks in: a number typed with its country code can
    only be an international one; one without may be either."""
    return ("phone_international",) if international else ("phone_national", "phone_international")
