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
from typing import Literal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.dates import get_day_names
from babel.numbers import format_currency, format_decimal
from babel.numbers import format_percent as _babel_percent

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
def _catalog(language: str, domain: str = DOMAIN) -> gettext.NullTranslations:
    """Build translations from the shipped .po file (no compiled .mo files in the repository)."""
    po_path = LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"
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
    _install_argparse(_catalog(loc.language, "argparse"))
    return loc


def _install_argparse(translations: gettext.NullTranslations) -> None:
    """Python's argparse looks its texts (``usage:``, ``the following arguments are
    required``, ``invalid choice``, the help headings) up through the module-level names it
    imported from gettext; they are pointed at our catalog for its domain ``argparse``."""
    import argparse

    argparse._ = translations.gettext  # type: ignore[attr-defined]
    argparse.ngettext = translations.ngettext  # type: ignore[attr-defined]


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


def format_percent(value: Decimal | int | float, *, decimals: int = 0, signed: bool = False) -> str:
    """A percentage (``value`` 10 for 10 %) in the locale's way: ``-10 %`` in German,
    ``-10%`` in English; up to ``decimals`` places, with a ``+`` when ``signed``."""
    loc = current_locale()
    pattern = loc.percent_formats[None].pattern
    if decimals:
        pattern = pattern.replace("0", "0." + "#" * decimals, 1)
    if signed:
        pattern = f"+{pattern};-{pattern}"
    return _babel_percent(Decimal(str(value)) / 100, format=pattern, locale=loc)


WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""How weekdays are stored and always understood (Monday = 0)."""


def weekday_names(width: Literal["abbreviated", "wide"] = "abbreviated") -> list[str]:
    """The weekdays in the current language, Monday first (``Mo.``…``So.`` in German)."""
    names = get_day_names(width, locale=current_locale())
    return [str(names[day]) for day in range(7)]


def weekday_short(day: int) -> str:
    """A weekday as shown and typed: ``Sa`` in German, ``sat`` in English."""
    if current_locale().language == "en":
        return WEEKDAY_CODES[day]
    return weekday_names()[day].rstrip(".")


def weekday_number(text: str) -> int | None:
    """A typed weekday: the English code (``sat``, ``saturday``) in every language, or the
    current language's short or full name (``sa``, ``Sa.``, ``Samstag``); else None."""
    word = text.strip().lower().rstrip(".")
    if len(word) >= 3 and word[:3] in WEEKDAY_CODES:
        return WEEKDAY_CODES.index(word[:3])
    short = [name.lower().rstrip(".") for name in weekday_names()]
    full = [name.lower() for name in weekday_names("wide")]
    for day in range(7):
        if word and (word == short[day] or (len(word) >= 3 and full[day].startswith(word))):
            return day
    return None


def format_input_date(value: date) -> str:
    """A date as a person types it into a field: ``07.09.1953`` in German, ``1953-09-07`` in
    English (the ISO form is understood in every language)."""
    if current_locale().language == "de":
        return value.strftime("%d.%m.%Y")
    return value.isoformat()


def parse_input_date(text: str) -> date:
    """A typed date: ``2026-12-24`` or ``24.12.2026`` (as the Germans write it) in every
    language; ValueError otherwise. Two-digit years are refused (a birthday in 1953 or 2053?)."""
    raw = text.strip()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        pass
    try:
        return datetime.strptime(raw, "%d.%m.%Y").date()
    except ValueError:
        raise ValueError(raw) from None


def date_example() -> str:
    """How to type a date, for messages and placeholders: ``24.12.2026`` / ``2026-12-24``."""
    return format_input_date(date(2026, 12, 24))
