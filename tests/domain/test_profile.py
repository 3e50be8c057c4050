"""The member's fields as one list, and a search typed as a phone number."""

from __future__ import annotations

from dataclasses import fields
from datetime import date

import pytest

from app.domain.profile import (
    PROFILE_FIELDS,
    Profile,
    parse_birthday,
    phone_query,
    profile_values,
)
from app.domain.program import member_tier


def test_the_profile_fields_are_the_fields_of_a_profile() -> None:
    assert sorted(PROFILE_FIELDS) == sorted(f.name for f in fields(Profile))
    values = profile_values(Profile("Anna", "Müller", salutation="ms", notes="x"))
    assert list(values) == list(PROFILE_FIELDS)
    assert values["first_name"] == "Anna" and values["notes"] == "x"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0171 234", ("0171234", False)),
        ("+49 171", ("49171", True)),
        ("0049 171", ("49171", True)),
        ("(0171) 23-4", ("0171234", False)),
        ("00", ("", True)),
        ("Anna 0171", None),
        ("  ", None),
    ],
)
def test_phone_queries(text: str, expected: tuple[str, bool] | None) -> None:
    assert phone_query(text) == expected


def test_a_member_tier_is_trimmed_and_at_most_forty_characters() -> None:
    assert member_tier("  Gold   plus ") == "Gold plus"
    assert member_tier(" ") is None
    assert member_tier("x" * 40) == "x" * 40
    with pytest.raises(ValueError, match="too long"):
        member_tier("x" * 41)


@pytest.mark.parametrize("text", ["31.02.1990", "1990-02-31", "29.02.1990", "31/04/1990"])
def test_an_impossible_date_says_it_does_not_exist(text: str) -> None:
    with pytest.raises(ValueError, match=f"^{text} does not exist: check the day and the month$"):
        parse_birthday(text, date(2026, 12, 6))


def test_a_date_in_no_known_format_gets_the_format_message() -> None:
    with pytest.raises(ValueError, match=r"YYYY-MM-DD or DD\.MM\.YYYY"):
        parse_birthday("Feb 3rd 1990", date(2026, 12, 6))
    assert parse_birthday("29.02.1992", date(2026, 12, 6)) == date(1992, 2, 29)
