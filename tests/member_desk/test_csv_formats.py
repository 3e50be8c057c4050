"""The pure part of member CSV files: decoding, separators, formats, consent, birthdays."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.domain.csv_formats import (
    GENERIC_COLUMNS,
    OSPOS_COLUMNS,
    SQUARE_COLUMNS,
    RawRow,
    check_row,
    decode,
    detect_delimiter,
    detect_format,
    parse_consent,
    parse_timestamp,
    read_file,
)
from app.domain.errors import InvalidInput, ValidationFailed

TODAY = date(2026, 11, 20)


def test_decode_each_encoding() -> None:
    assert decode("Müller".encode()) == ("Müller", "utf-8")
    assert decode("Müller".encode("utf-8-sig")) == ("Müller", "utf-8-sig")
    assert decode("Müller €".encode("cp1252")) == ("Müller €", "cp1252")


def test_delimiters() -> None:
    assert detect_delimiter("card,first_name,last_name") == ","
    assert detect_delimiter("card;first_name;last_name") == ";"
    assert detect_delimiter("card\tfirst_name\tlast_name") == "\t"
    assert detect_delimiter("first_name") == ","


def test_the_generic_header_is_the_documented_file_format() -> None:
    # GENERIC_COLUMNS is built from the member's field names: renaming a field must not
    # change a file format that shops and scripts read.
    assert ",".join(GENERIC_COLUMNS) == (
        "card,salutation,first_name,last_name,email,phone,birthday,postcode,consent,consent_at,"
        "points,tier,notes"
    )


def test_formats_from_the_header() -> None:
    assert detect_format(list(GENERIC_COLUMNS)) == "generic"
    assert detect_format(["\ufefffirst_name", "last_name"]) == "generic"
    assert detect_format(list(OSPOS_COLUMNS)) == "ospos"
    assert detect_format(list(SQUARE_COLUMNS)) == "square"
    with pytest.raises(InvalidInput):
        detect_format(["Name", "Vorname", "Kartennummer"])


def test_tab_separated_generic_file() -> None:
    parsed = read_file(b"first_name\tlast_name\tpoints\nAnna\tMeier\t12\n")
    assert (parsed.format, parsed.delimiter) == ("generic", "\t")
    assert parsed.rows == [RawRow(line=2, first_name="Anna", last_name="Meier", points="12")]


@pytest.mark.parametrize(
    ("text", "value"),
    [("yes", True), ("Ja", True), ("1", True), ("Subscribed", True), ("", False),
     ("no", False), ("Unsubscribed", False), ("Not subscribed", False)],
)  # fmt: skip
def test_consent_words(text: str, value: bool) -> None:
    assert parse_consent(text) is value


def test_consent_at_and_bad_values() -> None:
    assert parse_timestamp("2024-03-01T09:30:00Z") == datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_consent("maybe")
    with pytest.raises(ValueError):
        parse_timestamp("yesterday")


def test_square_birthdays() -> None:
    header = ",".join(SQUARE_COLUMNS) + "\n"
    rows = [
        ",Ann,Lee,,,,,,,,,,1998-09-21,,,,,,,,,",
        ",Bo,Lee,,,,,,,,,,0000-09-21,,,,,,,,,",
        ",Cy,Lee,,,,,,,,,,9/21/1998,,,,,,,,,",
        ",Di,Lee,,,,,,,,,,1998-09-21T00:00:00-00:00,,,,,,,,,",
    ]
    parsed = read_file((header + "\n".join(rows) + "\n").encode())
    assert [r.birthday for r in parsed.rows] == ["1998-09-21", "", "1998-09-21", "1998-09-21"]
    assert parsed.rows[1].notes == "Birthday (no year): 09-21"


def test_check_row_lists_every_bad_field() -> None:
    raw = RawRow(line=7, card="29001", first_name="", last_name="X", points="abc", tier="t" * 41)
    with pytest.raises(ValidationFailed) as caught:
        check_row(raw, today=TODAY, region="DE")
    assert set(caught.value.errors) == {"card", "first_name", "points", "tier"}


def test_check_row_normalises() -> None:
    row = check_row(
        RawRow(line=2, first_name=" Anna ", last_name="Meier", phone="0171 2345678",
               consent="ja", points="1 200", email="A@B.DE"),
        today=TODAY,
        region="DE",
    )  # fmt: skip
    assert row.profile.first_name == "Anna"
    assert row.profile.phone == "+491712345678" and row.phone_national == "01712345678"
    assert row.profile.marketing_consent and row.points == 1200
    assert row.profile.email == "A@b.de"
