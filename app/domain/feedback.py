"""Feedback scores and the Net Promoter Score (pure rules, README "Feedback").

A score is the answer to "How likely are you to recommend us?", a whole number from 0 to 10:
9–10 promoters, 7–8 passives, 0–6 detractors. NPS = % promoters − % detractors, an integer
from −100 to 100 (the exact difference rounded half away from zero), null without answers.
"""

from __future__ import annotations

import re
from fractions import Fraction

from app.domain.errors import InvalidInput
from app.domain.text import check_text, quote_input
from app.i18n import _

MAX_COMMENT = 500
PROMOTER_FROM = 9
DETRACTOR_UP_TO = 6

_SCORE = re.compile(r"^\s*(10|[0-9])\s*$")


def is_score(text: str) -> bool:
    """Whether ``text`` is a score as typed at the till (one or two keys: 0 to 10)."""
    return _SCORE.match(text) is not None


def parse_score(text: str | int) -> int:
    """A score 0–10, or a readable InvalidInput."""
    found = _SCORE.match(str(text))
    if found is None:
        raise InvalidInput(
            _("“{text}” is no score: give a whole number from 0 to 10").format(
                text=quote_input(text)
            )
        )
    return int(found.group(1))


def parse_comment(text: str | None) -> str:
    """A comment as stored: trimmed, at most 500 characters, no control characters."""
    comment = (text or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(_("A comment has at most {limit} characters").format(limit=MAX_COMMENT))
    return check_text(comment, _("The comment"), multiline=True)


def is_detractor(score: int) -> bool:
    return score <= DETRACTOR_UP_TO


def nps(promoters: int, detractors: int, responses: int) -> int | None:
    """% promoters − % detractors as an integer, None without responses."""
    if responses <= 0:
        return None
    exact = Fraction(100 * (promoters - detractors), responses)
    whole, rest = divmod(abs(exact), 1)
    value = int(whole) + (1 if rest >= Fraction(1, 2) else 0)
    return value if exact >= 0 else -value
