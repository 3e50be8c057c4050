"""SQL for prefix searches on the member's folded search keys (``first_key``, ``last_key``,
``email_key``, the phone digits: see :func:`app.domain.profile.search_keys`)."""

from __future__ import annotations

from collections.abc import Iterable


def upper_bound(prefix: str) -> str:
    """The first text after all that start with ``prefix``: ``key >= prefix AND key <
    upper_bound(prefix)`` is a prefix match that an index reads as one range."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def escape_like(word: str) -> str:
    """``word`` as a literal in a ``LIKE ... ESCAPE '\\'`` pattern."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def other_words(words: Iterable[str]) -> tuple[str, list[str]]:
    """The condition that each word starts a name or the email of member ``m``, and its
    parameters: the words of a search besides the one whose index range drives it."""
    sql = ""
    params: list[str] = []
    for word in words:
        like = escape_like(word) + "%"
        sql += (
            " AND (m.first_key LIKE ? ESCAPE '\\' OR m.last_key LIKE ? ESCAPE '\\'"
            " OR m.email_key LIKE ? ESCAPE '\\')"
        )
        params += [like, like, like]
    return sql, params


def phone_columns(international: bool) -> tuple[str, ...]:
    """The key columns a phone search looks in: a number typed with its country code can
    only be an international one; one without may be either."""
    return ("phone_international",) if international else ("phone_national", "phone_international")
