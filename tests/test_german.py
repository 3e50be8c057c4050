"""German everywhere a person reads or types: weekdays and dates as input, percent, plural
forms, the stored codes shown in words, and argparse's own texts on the CLI."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from app.cli import main
from app.domain.coupons import Coupon, coupon_label
from app.domain.errors import InvalidInput
from app.domain.profile import parse_birthday
from app.domain.program import format_weekdays, parse_day, parse_weekdays
from app.domain.report import parse_day as parse_report_day
from app.i18n import format_input_date, format_percent, ngettext, set_language
from app.services.context import Context
from app.services.views import MemberView
from app.tui.member_text import reason_label


@pytest.fixture
def german() -> None:
    set_language("de")


def test_weekdays_in_german_words_and_always_in_english_codes(german: None) -> None:
    assert parse_weekdays("sa,so") == (5, 6)
    assert parse_weekdays("Sa., So.") == (5, 6)
    assert parse_weekdays("samstag,sonntag") == (5, 6)
    assert parse_weekdays("sat,sun") == (5, 6)
    assert parse_weekdays("mo,di,mi,do,fr") == (0, 1, 2, 3, 4)
    assert format_weekdays([5, 6]) == "Sa,So"
    assert format_weekdays(["sat", "sun"]) == "Sa,So"
    with pytest.raises(
        InvalidInput, match="„xx“ ist kein Wochentag \\(Mo, Di, Mi, Do, Fr, Sa, So\\)"
    ):
        parse_weekdays("xx")


def test_english_weekdays_stay_english() -> None:
    assert parse_weekdays("sat,sun") == (5, 6)
    assert format_weekdays([5, 6]) == "sat,sun"
    with pytest.raises(InvalidInput, match="not a weekday"):
        parse_weekdays("so")


def test_dates_are_shown_and_typed_the_german_way(german: None) -> None:
    assert format_input_date(date(1953, 9, 7)) == "07.09.1953"
    assert parse_day("24.12.2026") == date(2026, 12, 24)
    assert parse_day("2026-12-24") == date(2026, 12, 24)
    assert parse_report_day("31.10.2026") == date(2026, 10, 31)
    assert parse_birthday("07.09.1953", date(2026, 1, 1)) == date(1953, 9, 7)
    with pytest.raises(InvalidInput, match=r"„24\.12\.26“ ist kein Datum wie 24\.12\.2026"):
        parse_day("24.12.26")


def test_english_dates_are_typed_as_iso_and_the_german_form_is_understood() -> None:
    assert format_input_date(date(1953, 9, 7)) == "1953-09-07"
    assert parse_day("24.12.2026") == date(2026, 12, 24)
    with pytest.raises(InvalidInput, match="is not a date like 2026-12-24"):
        parse_day("12/24/2026")


def test_percent_by_babel() -> None:
    assert format_percent(-10) == "-10%"
    set_language("de")
    assert format_percent(-10) == "-10\xa0%"
    assert format_percent(88.456, decimals=2) == "88,46\xa0%"
    assert format_percent(5, signed=True) == "+5\xa0%"
    assert coupon_label(Coupon(code="WELCOME10", kind="percent", value=10)) == "-10\xa0% WELCOME10"


def test_plural_forms_in_german(german: None) -> None:
    one = ngettext("{count} event exported", "{count} events exported", 1).format(count=1)
    two = ngettext("{count} event exported", "{count} events exported", 2).format(count=2)
    assert (one, two) == ("1 Ereignis exportiert", "2 Ereignisse exportiert")
    set_language("en_US")
    assert ngettext("{count} event exported", "{count} events exported", 1) == (
        "{count} event exported"
    )


def test_stored_codes_are_shown_in_words(german: None) -> None:
    assert reason_label("base") == "Basispunkte"
    assert reason_label("coupon WELCOME10") == "Gutschein WELCOME10"
    assert reason_label("referred 2900100000017") == "empfohlen: 2900100000017"
    assert reason_label("inactive") == "kein Besuch innerhalb der Verfallsfrist"
    assert reason_label("Kulanz nach Reklamation") == "Kulanz nach Reklamation"


def test_argparse_speaks_german(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("LOYALTY_LANG", "de")
    db = str(tmp_path / "shop.db")
    with pytest.raises(SystemExit):
        main(["--db", db, "stamps", "add", "Brot"])
    err = capsys.readouterr().err
    assert "diese Argumente fehlen: --stamps, --reward" in err
    with pytest.raises(SystemExit):
        main(["--db", db, "settings", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("Aufruf: loyalty settings")
    assert "Optionen:" in out and "diese Hilfe zeigen und beenden" in out
    with pytest.raises(SystemExit):
        main(["--db", db, "nosuchcommand"])
    assert "ungültige Wahl: 'nosuchcommand'" in capsys.readouterr().err
    # Back in English, argparse is English again.
    monkeypatch.setenv("LOYALTY_LANG", "en_US")
    with pytest.raises(SystemExit):
        main(["--db", db, "stamps", "add", "Brot"])
    assert "the following arguments are required" in capsys.readouterr().err


def test_one_member_exported_is_singular_in_both_languages(
    ctx: Context,
    member: MemberView,
    db_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = tmp_path / "members.csv"
    assert main(["--db", str(db_path), "members", "export", str(target)]) == 0
    assert capsys.readouterr().out.startswith("Exported 1 member to ")
    monkeypatch.setenv("LOYALTY_LANG", "de")
    assert main(["--db", str(db_path), "members", "export", str(target)]) == 0
    assert capsys.readouterr().out.startswith("1 Mitglied nach ")
