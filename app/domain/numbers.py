"""Whole numbers people type (counts, limits, points, record numbers) and their bounds.

Every figure typed at the counter, given on the command line, read from a member file or from
a sync file is bounded here or in :mod:`app.domain.money`, far below 64 bits: a 27-digit
figure gets one line saying it is too large, never a crash in the database driver or in
Babel's formatting.
"""

from __future__ import annotations

import re

from app.domain.errors import InvalidInput
from app.domain.text import quote_input
from app.i18n import _, format_points

MAX_POINTS = 100_000_000
"""Points in one entry (a redemption, an adjustment, an imported balance, a coupon's points)."""
MAX_RECORD_ID = 2**63 - 1
"""The largest sale, refund or conflict number a database can hold."""
MAX_COUNT = 1_000_000_000
"""Uses of a coupon and other counts without a smaller natural bound."""
MAX_DIGITS = 15
"""Digits of the largest figure any file may carry (sync, CSV); 10^15 cents is 10 trillion."""
_WHOLE = re.compile(r"^[+-]?[0-9]+$")


def parse_whole_number(text: str, *, low: int, high: int, too_large: str | None = None) -> int:
    """A whole number from ``low`` to ``high`` typed as ``text``, or a readable InvalidInput.

    ``too_large`` replaces the usual "from … to …" message when the number is above ``high``.
    """
    raw = str(text).strip().replace(" ", "")
    if not _WHOLE.match(raw):
        raise InvalidInput(_("“{text}” is not a whole number").format(text=quote_input(text)))
    # int() of thousands of digits is slow (and refused past 4,300): the length decides first.
    digits = raw.lstrip("+-").lstrip("0")
    value = int(raw) if len(digits) <= 30 else (-1 if raw.startswith("-") else 1) * 10**30
    if value > high and too_large is not None:
        raise InvalidInput(too_large)
    if not low <= value <= high:
        raise InvalidInput(
            _("Give a whole number from {low} to {high}").format(
                low=format_points(low), high=format_points(high)
            )
        )
    return value


def figure_too_large(value: int) -> bool:
    """Whether a figure from a file has more digits than any real amount or balance."""
    return abs(value) >= 10**MAX_DIGITS
