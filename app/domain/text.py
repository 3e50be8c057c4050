"""Text people type: the characters a stored text may hold, and quoting input in a message.

Names, notes, coupon items, tier and campaign names and the shop's settings end up on the
screen, on receipts, in CSV files and in other shops' databases. Characters that cannot be
seen there are refused when the text is typed (or imported), one rule for every field:

- control characters (C0 such as NUL, BEL, ESC; DEL; C1): they move the cursor, ring the
  bell or switch a terminal's or printer's mode. A note may hold line breaks and tabs.
- bidi overrides, embeddings, isolates and marks (U+202A–U+202E, U+2066–U+2069, U+200E,
  U+200F, U+061C): they reorder what is shown, so "Anna" can display as something else.
- zero-width characters (U+200B–U+200D, U+2060, U+FEFF) and the line and paragraph
  separators (U+2028, U+2029): two names that look the same would differ.

An error message quotes at most :data:`QUOTE_MAX` characters of what was typed, and shows the
characters above as ``U+XXXX``, so a pasted page or an escape sequence never floods or
drives the terminal that shows the message.
"""

from __future__ import annotations

import re

from app.domain.errors import InvalidInput
from app.i18n import _

QUOTE_MAX = 40
_INVISIBLE = "\u061c\u200b-\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff"
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}]")
# A note's line breaks and tabs are meaningful; every other character above is refused there too.
_UNSAFE_MULTILINE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_INVISIBLE}]")


class UnsafeText(InvalidInput):
    """A text holding a character that cannot be shown safely (see the module's docstring)."""


def unsafe_character(text: str, *, multiline: bool = False) -> str | None:
    """The first character of ``text`` that a stored text may not hold, or None."""
    found = (_UNSAFE_MULTILINE if multiline else _UNSAFE).search(text)
    return found.group() if found else None


def code_point(char: str) -> str:
    """``U+001B``: how a message names a character that cannot be shown."""
    return f"U+{ord(char):04X}"


def unsafe_text_message(field: str, char: str) -> str:
    """The message for a field holding ``char``, naming the field and the character."""
    return _("{field} contains an invisible or control character ({char}): type it again").format(
        field=field, char=code_point(char)
    )


def check_text(text: str, field: str, *, multiline: bool = False) -> str:
    """``text`` unchanged, or :class:`UnsafeText` naming ``field`` (already translated)."""
    char = unsafe_character(text, multiline=multiline)
    if char is not None:
        raise UnsafeText(unsafe_text_message(field, char))
    return text


def clean_text(text: str, *, multiline: bool = False) -> str:
    """``text`` without the characters a stored text may not hold (for data from elsewhere)."""
    return (_UNSAFE_MULTILINE if multiline else _UNSAFE).sub("", text)


def quote_input(text: object) -> str:
    """What a person typed, fit to quote in a message: at most 40 characters, cut with "…",
    invisible and control characters shown as ``U+XXXX``."""
    raw = str(text).strip()
    cut = len(raw) > QUOTE_MAX
    shown = _UNSAFE.sub(lambda m: f"<{code_point(m.group())}>", raw[:QUOTE_MAX])
    return shown + "…" if cut else shown
