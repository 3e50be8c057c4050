"""Roles, the permission table, badge codes, PIN format and lock times (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.cards import validate_card_number
from app.domain.errors import InvalidCardNumber, InvalidInput
from app.domain.roles import (
    BADGE_MAX,
    PERMISSIONS,
    Action,
    Role,
    allows,
    badge_code,
    check_pin_format,
    lock_seconds,
    minimum_role,
    parse_badge,
    parse_role,
    role_rank,
    staff_name_key,
)


def test_the_default_table_of_issue_13() -> None:
    cashier = {"lookup", "sell", "redeem", "coupon", "stamp", "enroll", "print_card"}
    assert {a.value for a in PERMISSIONS[Role.CASHIER]} == cashier | {"refund_small"}
    manager_only = {
        "refund",
        "adjust",
        "edit_profile",
        "merge",
        "replace_card",
        "export_member",
        "erase",
        "conflicts",
        "audit",
    }
    assert {a.value for a in PERMISSIONS[Role.MANAGER] - PERMISSIONS[Role.CASHIER]} == manager_only
    assert PERMISSIONS[Role.OWNER] == frozenset(Action)
    owner_only = {"program", "settings", "staff", "bulk_export", "bulk_import"}
    owner_only |= {"coupon_batch", "reports"}
    assert {a.value for a in Action if minimum_role(a) is Role.OWNER} == owner_only


@pytest.mark.parametrize("action", list(Action))
def test_each_role_may_do_what_the_one_below_may(action: Action) -> None:
    allowed = [allows(role, action) for role in (Role.CASHIER, Role.MANAGER, Role.OWNER)]
    assert allowed == sorted(allowed)  # False before True: never taken away higher up
    assert allows(minimum_role(action), action)
    assert role_rank(Role.CASHIER) < role_rank(Role.MANAGER) < role_rank(Role.OWNER)


def test_roles_are_typed_in_any_case() -> None:
    assert parse_role(" Manager ") is Role.MANAGER
    with pytest.raises(InvalidInput, match="Unknown role"):
        parse_role("boss")


@given(st.integers(min_value=1, max_value=BADGE_MAX))
def test_a_badge_code_reads_back_and_is_never_a_card(number: int) -> None:
    code = badge_code(number)
    assert code.startswith("STF") and len(code) == 12
    assert parse_badge(code) == number
    assert parse_badge(code.lower()) == number
    with pytest.raises(InvalidCardNumber):
        validate_card_number(code)


@pytest.mark.parametrize(
    "text",
    ["", "STF", "STF00100001", "STF0010000170", "XTF001000017", "STF00100001x", "2900100000017"],
)
def test_what_is_not_a_badge(text: str) -> None:
    assert parse_badge(text) is None


def test_one_wrong_digit_of_a_badge_is_caught() -> None:
    code = badge_code(100_001)
    wrong = code[:-2] + str((int(code[-2]) + 1) % 10) + code[-1]
    assert parse_badge(wrong) is None
    with pytest.raises(InvalidInput):
        badge_code(0)


@pytest.mark.parametrize("pin", ["1234", "00000000", "5678"])
def test_good_pins(pin: str) -> None:
    assert check_pin_format(pin) == pin


@pytest.mark.parametrize("pin", ["123", "123456789", "12 4", "abcd", "１２３４", ""])
def test_bad_pins(pin: str) -> None:
    with pytest.raises(InvalidInput, match="4 to 8 digits"):
        check_pin_format(pin)


def test_locks_double_from_a_minute_to_a_quarter_hour() -> None:
    assert [lock_seconds(n) for n in range(7)] == [0, 60, 120, 240, 480, 900, 900]
    assert lock_seconds(10_000) == 900


def test_a_name_is_found_whatever_its_case_and_spaces() -> None:
    assert staff_name_key("  Anna   Maria ") == staff_name_key("anna maria")
