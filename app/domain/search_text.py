"""What a typed search word may mean: the key columns and prefixes it is looked up in.

A word is looked up as typed (folded) in the names and the email; with an umlaut typed, also
transliterated (``müller`` finds Mueller); holding ``ae``/``oe``/``ue``, also in the names'
transliterated keys (``mueller`` finds Müller); with a dot, also as the start of an email's
domain (``example.org``); after an ``@``, only there (``@example.org``). Commas separate words
like spaces, so the desk's own ``Hoffmann, Hannah`` finds her.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.domain.profile import UMLAUT_DIGRAPHS, fold, fold_german

_SEPARATORS = re.compile(r"[\s,;]+")
NAME_COLUMNS = ("last_key", "first_key", "email_key")
ALT_COLUMNS = ("last_alt", "first_alt")
DOMAIN_COLUMN = "email_domain"
# The end of a phone number is searched from this many digits on.
MIN_PHONE_END = 4


@dataclass(frozen=True)
class Probe:
    """A prefix to look up in one key column."""

    column: str
    prefix: str


@dataclass(frozen=True)
class SearchWord:
    """One typed word and every prefix it is looked up with; a member matches the word when
    one of them starts the member's key in that column."""

    typed: str
    probes: tuple[Probe, ...]

    @property
    def length(self) -> int:
        """How many letters the word has to search with (the longest prefix)."""
        return max((len(p.prefix) for p in self.probes), default=0)


def split_words(text: str) -> list[str]:
    """The words of ``text``, split at spaces, commas and semicolons."""
    return [w for w in _SEPARATORS.split(text.strip()) if w]


def search_word(word: str) -> SearchWord:
    """The probes of one typed word (no spaces or commas in it)."""
    if word.startswith("@"):
        domain = fold(word[1:])
        return SearchWord(word, (Probe(DOMAIN_COLUMN, domain),) if domain else ())
    plain = fold(word)
    probes = [Probe(col, plain) for col in NAME_COLUMNS]
    german = fold_german(word)
    if german != plain:
        probes += [Probe(col, german) for col in NAME_COLUMNS]
    if any(pair in plain for pair in UMLAUT_DIGRAPHS):
        probes += [Probe(col, plain) for col in ALT_COLUMNS]
    if "." in plain and "@" not in plain:
        probes.append(Probe(DOMAIN_COLUMN, plain))
    return SearchWord(word, tuple(probes))


def search_words(text: str) -> list[SearchWord]:
    """The words of a typed search, each with its probes; words with nothing to look for
    (a lone ``@``) are left out."""
    words = (search_word(w) for w in split_words(text))
    return [w for w in words if w.probes]
