"""CSV cells a spreadsheet would run as a formula: written with a leading ``'``, read back.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written
as ``'`` + the text (OWASP's "CSV injection" advice), so a name like ``=HYPERLINK(…)`` shows as
text in Excel or LibreOffice. Only text is escaped: numbers (points, cents, counts) are written
as numbers, so ``-120`` stays a negative number. A text that already starts with ``'`` before
such a character gets one more, so reading removes exactly one and an export re-imports as it
was.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_RISKY = re.compile(r"^'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"^'+[=+\-@\t\r]")


def escape_cell(value: Any) -> Any:
    """``value`` as it is written to a CSV cell (text that looks like a formula gets ``'``)."""
    if isinstance(value, str) and _RISKY.match(value):
        return "'" + value
    return value


def escape_row(values: Iterable[Any]) -> list[Any]:
    return [escape_cell(v) for v in values]


def unescape_cell(text: str) -> str:
    """The text a cell written by :func:`escape_cell` held."""
    return text[1:] if _ESCAPED.match(text) else text
