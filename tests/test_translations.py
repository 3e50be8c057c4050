"""Every text a person reads is translated into German, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import app
from app.i18n import _, format_day, format_money, format_points, resolve_locale, set_language

APP_DIR = Path(app.__file__).parent
PO_FILE = APP_DIR / "locale" / "de" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")


def source_messages() -> set[str]:
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(APP_DIR), method_map=[("**.py", "python")]
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_has_a_german_translation_with_the_same_placeholders() -> None:
    with PO_FILE.open("rb") as fh:
        catalog = read_po(fh, locale="de")
    missing, mismatched = [], []
    for msgid in sorted(source_messages()):
        entry = catalog.get(msgid)
        if entry is None or not entry.string or entry.fuzzy:
            missing.append(msgid)
        else:
            # A plural entry has one string per form; each keeps the placeholders.
            forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            wanted = sorted(PLACEHOLDER.findall(msgid))
            if any(sorted(PLACEHOLDER.findall(str(form))) != wanted for form in forms):
                mismatched.append(msgid)
    assert missing == [], f"untranslated: {missing}"
    assert mismatched == [], f"placeholders differ: {mismatched}"


def test_german_texts_and_formats(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOYALTY_LANG", "de")
    set_language()
    assert _("First name") == "Vorname"
    assert format_money(1250) == "12,50\xa0€"
    assert format_points(12345) == "12.345"
    from datetime import date

    assert format_day(date(2026, 3, 1)) == "01.03.2026"


def test_english_formats() -> None:
    set_language("en")
    assert format_money(1250) == "€12.50"
    assert format_points(12345) == "12,345"


def test_language_falls_back_to_the_system_locale_then_english(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LOYALTY_LANG", raising=False)
    monkeypatch.setenv("LC_ALL", "de_AT.UTF-8")
    assert str(resolve_locale()) == "de_AT"
    monkeypatch.setenv("LC_ALL", "C")
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert str(resolve_locale()) == "en_US"
