"""Language and locale: gettext catalogs (read from the shipped .po files) and Babel formatting.

The language comes from ``LOYALTY_LANG`` (``de``, ``en``, ``de_AT`` ...), else the system
locale, else English. Every text a person reads goes through :func:`_`.
"""

from __future__ import annotations

import gettext
import locale as _locale
import os
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.numbers import format_currency, format_decimal

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
SUPPORTED = ("en", "de")
# A bare language gets the territory a small shop using it most likely sits in.
DEFAULT_TERRITORY = {"en": "en_US", "de": "de_DE"}

_state: dict[str, object] = {}


def _system_locale() -> str | None:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return value
    try:
        loc = _locale.getlocale()[0]
    except ValueError:
        loc = None
    return loc


def resolve_locale(requested: str | None = None) -> Locale:
    """Pick the Babel locale: explicit request, then LOYALTY_LANG, then the system, then en."""
    for candidate in (requested, os.environ.get("LOYALTY_LANG"), _system_locale()):
        if not candidate:
            continue
        tag = candidate.split(".")[0].split("@")[0].replace("-", "_")
        try:
            parsed = Locale.parse(tag)
        except (ValueError, UnknownLocaleError):
            continue
        if parsed.language not in SUPPORTED:
            continue
        if parsed.territory is None:
            parsed = Locale.parse(DEFAULT_TERRITORY[parsed.language])
        return parsed
    return Locale.parse(DEFAULT_TERRITORY["en"])


@cache
def _catalog(language: str) -> gettext.NullTranslations:
    """Build translations from the shipped .po file (no compiled .mo files in the repository)."""
    po_path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return gettext.NullTranslations()
    from io import BytesIO

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    buf = BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def set_language(requested: str | None = None) -> Locale:
    """Switch the language for everything that follows; returns the chosen locale."""
    loc = resolve_locale(requested)
    _state["locale"] = loc
    _state["translations"] = _catalog(loc.language)
    return loc


def current_locale() -> Locale:
    loc = _state.get("locale")
    if loc is None:
        loc = set_language()
    assert isinstance(loc, Locale)
    return loc


def _translations() -> gettext.NullTranslations:
    if "translations" not in _state:
        set_language()
    tr = _state["translations"]
    assert isinstance(tr, gettext.NullTranslations)
    return tr


def _(message: str) -> str:
    """Translate a message into the current language."""
    return _translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message with a number in it."""
    return _translations().ngettext(singular, plural, n)


def format_money(cents: int, currency: str = "EUR") -> str:
    """Format integer minor units for people: ``12,50 €`` in German, ``€12.50`` in English."""
    return format_currency(Decimal(cents).scaleb(-2), currency, locale=current_locale())


def format_points(points: int) -> str:
    """A points figure with the locale's grouping (``12.345`` / ``12,345``)."""
    return format_decimal(points, locale=current_locale())


def format_day(value: date | datetime | None) -> str:
    """A day for people; a timestamp is first moved to the till's local time zone."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone().date()
    return _babel_date(value, format="medium", locale=current_locale())


def format_timestamp(value: datetime | None) -> str:
    if value is None:
        return "—"
    local = value.astimezone()
    return _babel_datetime(local, format="short", tzinfo=local.tzinfo, locale=current_locale())
