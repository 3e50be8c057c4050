"""Parsing amounts and points as people type them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.errors import InvalidInput
from app.domain.money import parse_amount, parse_points
from app.i18n import format_money

MAX = 1_000_000


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("12.50", 1250),
        ("12,50", 1250),
        ("12.5", 1250),
        ("1.234,56", 123456),
        ("1,234.56", 123456),
        ("1 234,56", 123456),
        ("€ 7", 700),
        ("7 €", 700),
        ("EUR 3", 300),
        ("0,05", 5),
        ("  42  ", 4200),
        ("+3", 300),
        ("10000", 1_000_000),
    ],
)
def test_parse_amount_accepts_what_people_type(text: str, cents: int) -> None:
    assert parse_amount(text, max_cents=MAX) == cents


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-5", "The amount cannot be negative"),
        ("-0,50", "The amount cannot be negative"),
        ("0", "The amount must be more than zero"),
        ("0,00", "The amount must be more than zero"),
        ("", "Enter an amount, for example 12.50"),
        ("   ", "Enter an amount, for example 12.50"),
        ("€", "Enter an amount, for example 12.50"),
        ("abc", "“abc” is not an amount"),
        ("1e3", "“1e3” is not an amount"),
        ("12..5", "“12..5” is not an amount"),
        ("1,2,3", "“1,2,3” is not an amount"),
        ("NaN", "“NaN” is not an amount"),
        ("12.345", "“12.345” is not an amount: use at most two decimals, like 12.50 or 12,50"),
        ("0.001", "“0.001” is not an amount: use at most two decimals, like 12.50 or 12,50"),
        # Ambiguous: a German thousand or three decimals; refused rather than guessed.
        ("1.234", "“1.234” is not an amount: use at most two decimals, like 12.50 or 12,50"),
    ],
)
def test_parse_amount_refuses_with_a_readable_message(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_amount(text, max_cents=MAX)
    assert err.value.message == message


def test_parse_amount_above_the_maximum_names_both_amounts() -> None:
    with pytest.raises(InvalidInput) as err:
        parse_amount("10000,01", max_cents=MAX)
    assert err.value.message == "€10,000.01 is more than the largest allowed sale (€10,000.00)"


def test_parse_amount_zero_allowed_on_request() -> None:
    assert parse_amount("0", max_cents=MAX, allow_zero=True) == 0


@settings(max_examples=150, deadline=None)
@given(
    cents=st.integers(min_value=1, max_value=MAX),
    comma=st.booleans(),
)
def test_parse_amount_round_trips_any_two_decimal_amount(cents: int, comma: bool) -> None:
    text = f"{cents // 100}.{cents % 100:02d}"
    if comma:
        text = text.replace(".", ",")
    assert parse_amount(text, max_cents=MAX) == cents


@settings(max_examples=100, deadline=None)
@given(cents=st.integers(min_value=1, max_value=10**9))
def test_parse_amount_reads_german_grouping(cents: int) -> None:
    euros = f"{cents // 100:,}".replace(",", ".")
    assert parse_amount(f"{euros},{cents % 100:02d}", max_cents=10**9) == cents


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=12))
def test_parse_amount_never_crashes_and_never_goes_out_of_range(text: str) -> None:
    try:
        cents = parse_amount(text, max_cents=MAX)
    except InvalidInput as exc:
        assert exc.message
    else:
        assert 0 < cents <= MAX


def test_parse_amount_message_uses_the_money_format() -> None:
    with pytest.raises(InvalidInput) as err:
        parse_amount("20", max_cents=1000)
    assert format_money(1000) in err.value.message


@pytest.mark.parametrize(
    ("text", "points"),
    [("", 0), ("  ", 0), ("250", 250), ("+5", 5), ("1 000", 1000), ("100000000", 100_000_000)],
)
def test_parse_points_accepts_whole_numbers(text: str, points: int) -> None:
    assert parse_points(text) == points


def test_parse_points_negative_only_when_allowed() -> None:
    assert parse_points("-50", allow_negative=True) == -50
    with pytest.raises(InvalidInput) as err:
        parse_points("-50")
    assert err.value.message == "Points cannot be negative"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.5", "Points are whole numbers, like 250"),
        ("abc", "Points are whole numbers, like 250"),
        ("²", "Points are whole numbers, like 250"),
        ("-", "Points are whole numbers, like 250"),
        ("100000001", "That is far too many points"),
    ],
)
def test_parse_points_refuses_with_a_readable_message(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_points(text, allow_negative=True)
    assert err.value.message == message


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=10))
def test_parse_points_never_crashes(text: str) -> None:
    try:
        value = parse_points(text, allow_negative=True)
    except InvalidInput as exc:
        assert exc.message
    else:
        assert abs(value) <= 100_000_000


@settings(max_examples=100, deadline=None)
@given(points=st.integers(min_value=-100_000_000, max_value=100_000_000))
def test_parse_points_round_trips(points: int) -> None:
    assert parse_points(str(points), allow_negative=True) == points
