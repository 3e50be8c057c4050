"""EAN-13 card numbers in the GS1 in-store range: generation, validation, scan-field routing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import ean

from app.domain.cards import (
    MAX_SERIAL,
    CardLayout,
    looks_like_card,
    make_card_number,
    serial_of,
    validate_card_number,
)
from app.domain.errors import InvalidCardNumber

layouts = st.builds(
    CardLayout,
    prefix=st.integers(min_value=20, max_value=29).map(str),
    store_code=st.integers(min_value=0, max_value=999).map(lambda n: f"{n:03d}"),
)
serials = st.integers(min_value=1, max_value=MAX_SERIAL)


def test_first_card_of_the_default_layout() -> None:
    number = make_card_number(CardLayout(), 1)
    assert number == "2900100000017"
    assert validate_card_number(number) == number


@settings(max_examples=200, deadline=None)
@given(layout=layouts, serial=serials)
def test_generated_numbers_always_validate(layout: CardLayout, serial: int) -> None:
    number = make_card_number(layout, serial)
    assert len(number) == 13
    assert number.startswith(layout.prefix + layout.store_code)
    assert serial_of(number) == serial
    assert validate_card_number(number) == number
    assert ean.is_valid(number)
    assert looks_like_card(number, layout.prefix)


@settings(max_examples=200, deadline=None)
@given(
    layout=layouts,
    serial=serials,
    position=st.integers(min_value=0, max_value=12),
    delta=st.integers(min_value=1, max_value=9),
)
def test_any_single_digit_change_is_caught_by_the_check_digit(
    layout: CardLayout, serial: int, position: int, delta: int
) -> None:
    number = make_card_number(layout, serial)
    changed = str((int(number[position]) + delta) % 10)
    typo = number[:position] + changed + number[position + 1 :]
    with pytest.raises(InvalidCardNumber) as err:
        validate_card_number(typo)
    assert err.value.message == (
        f"Wrong check digit in {typo}: scan again or type the number carefully"
    )


def test_spaces_and_dashes_around_a_number_are_accepted() -> None:
    assert validate_card_number(" 29 001-0000001 7 ") == "2900100000017"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Scan a card or type its 13 digits"),
        ("   ", "Scan a card or type its 13 digits"),
        ("290010000001", "A card number has 13 digits; “290010000001” has 12"),
        ("29001000000171", "A card number has 13 digits; “29001000000171” has 14"),
        ("29 001", "A card number has 13 digits; “29001” has 5"),
        ("abc", "“abc” is not a card number: a card number has only digits"),
        ("290010000001x", "“290010000001x” is not a card number: a card number has only digits"),
        ("²" * 13, "“" + "²" * 13 + "” is not a card number"),
    ],
)
def test_invalid_numbers_get_a_readable_message(text: str, message: str) -> None:
    with pytest.raises(InvalidCardNumber) as err:
        validate_card_number(text)
    assert err.value.message == message


@pytest.mark.parametrize(
    ("prefix", "store"),
    [("19", "001"), ("30", "001"), ("2", "001"), ("ab", "001"), ("29", "01"), ("29", "0a1")],
)
def test_layout_refuses_prefixes_outside_the_in_store_range(prefix: str, store: str) -> None:
    with pytest.raises(InvalidCardNumber) as err:
        CardLayout(prefix=prefix, store_code=store)
    assert err.value.message in (
        "The card prefix must be two digits from 20 to 29",
        "The store code must be three digits",
    )


@pytest.mark.parametrize("serial", [0, -1, MAX_SERIAL + 1])
def test_serial_out_of_range(serial: int) -> None:
    with pytest.raises(InvalidCardNumber) as err:
        make_card_number(CardLayout(), serial)
    assert err.value.message == "No card numbers left for this store"


def test_store_code_keeps_numbers_of_two_shops_apart() -> None:
    a = make_card_number(CardLayout(store_code="001"), 5)
    b = make_card_number(CardLayout(store_code="002"), 5)
    assert a != b
    assert serial_of(a) == serial_of(b) == 5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2900100000017", True),
        ("29 001 0000001 7", True),
        ("2900100000018", True),  # a wrong check digit is still meant as a card
        ("1234567890123", True),  # thirteen digits always are
        ("29001000", True),  # misread card: gets a length message, not a search
        ("29001000000171", True),
        ("290010", False),  # too short even for a misread card
        ("290010000001712", False),
        ("0171 23", False),  # phone numbers are searches
        ("0171 2345678", False),
        ("01712345678", False),
        ("+49 171 2345678", False),
        ("+49 1712 345 6789", False),
        ("anna", False),
        ("anna mü", False),
        ("", False),
    ],
)
def test_looks_like_card(text: str, expected: bool) -> None:
    assert looks_like_card(text, "29") is expected


def test_looks_like_card_follows_the_shops_prefix() -> None:
    assert looks_like_card("24001000", "24")
    assert not looks_like_card("24001000", "29")


@settings(max_examples=100, deadline=None)
@given(number=st.from_regex(r"\A0[1-9][0-9]{2,9}\Z"))
def test_national_phone_numbers_are_never_cards(number: str) -> None:
    assert not looks_like_card(number, "29")
    assert not looks_like_card(f"{number[:4]} {number[4:]}", "29")
