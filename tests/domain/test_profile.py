"""The member's fields as one list, and a search typed as a phone number."""

from __future__ import annotations

from dataclasses import fields

import pytest

from app.domain.profile import (
    PROFILE_FIELDS,
    Profile,
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
