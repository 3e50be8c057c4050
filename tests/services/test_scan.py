"""What a scan at the counter is, decided by the scan service on a real database: a card, a
coupon, a search or a refusal, in the order the README gives."""

from __future__ import annotations

import pytest

from app.domain.cards import make_card_number
from app.domain.coupons import Coupon
from app.domain.profile import MemberDraft
from app.services.context import Context
from app.services.coupons import create_coupon
from app.services.members import enroll_member
from app.services.scan import (
    CardScan,
    CouponScan,
    ScanRefused,
    SearchScan,
    classify_scan,
    is_scan_in_figures,
    is_valid_card,
)
from app.services.views import MemberView
from app.store.errors import DatabaseError


def test_a_valid_card_number_is_the_members_card(ctx: Context, member: MemberView) -> None:
    result = classify_scan(ctx, f" {member.card} ")
    assert isinstance(result, CardScan)
    assert result.member.member_id == member.member_id
    assert result.member.last_name == "Müller"


def test_a_valid_card_number_is_a_card_even_when_a_coupon_has_that_code(
    ctx: Context, member: MemberView
) -> None:
    create_coupon(ctx, Coupon(member.card, "percent", 10))
    result = classify_scan(ctx, member.card)
    assert isinstance(result, CardScan)
    assert result.member.member_id == member.member_id


def test_an_unknown_card_is_refused_with_the_cashiers_message(ctx: Context) -> None:
    number = make_card_number(ctx.layout(), 9999)
    assert classify_scan(ctx, number) == ScanRefused(
        f"Unknown card {number}: enroll the customer (F2) or search by name"
    )


def test_the_code_of_an_existing_coupon_is_a_coupon(ctx: Context, member: MemberView) -> None:
    create_coupon(ctx, Coupon("SUMMER10", "percent", 10))
    # Whatever the case typed; the code is passed on as typed (the checkout normalizes it).
    assert classify_scan(ctx, " summer10 ") == CouponScan("summer10")
    assert classify_scan(ctx, "SUMMER10", member_at_till=True) == CouponScan("SUMMER10")


def test_a_coupon_of_card_like_digits_is_a_coupon_before_a_misread_card(
    ctx: Context,
) -> None:
    # Eight digits with the shop's prefix would otherwise be a misread card.
    create_coupon(ctx, Coupon("29001234", "points", 50))
    assert classify_scan(ctx, "29001234") == CouponScan("29001234")


def test_card_like_digits_are_a_misread_card(ctx: Context, member: MemberView) -> None:
    short = member.card[:12]
    assert classify_scan(ctx, short) == ScanRefused(
        f"A card number has 13 digits; “{short}” has 12"
    )
    wrong_check_digit = member.card[:12] + str((int(member.card[12]) + 1) % 10)
    result = classify_scan(ctx, wrong_check_digit)
    assert isinstance(result, ScanRefused)
    assert "check digit" in result.message


def test_a_name_an_email_or_part_of_a_phone_is_a_search(ctx: Context, member: MemberView) -> None:
    jonas = enroll_member(ctx, MemberDraft(first_name="Jonas", last_name="Müller"))
    result = classify_scan(ctx, "muller")
    assert isinstance(result, SearchScan)
    assert result.text == "muller"
    assert [m.member_id for m in result.found] == [member.member_id, jonas.member_id]
    for text in ("anna.mueller@example", "0171 23"):
        found = classify_scan(ctx, text)
        assert isinstance(found, SearchScan)
        assert [m.member_id for m in found.found] == [member.member_id]


def test_a_search_that_finds_nobody_is_refused(ctx: Context, member: MemberView) -> None:
    assert classify_scan(ctx, "Schneider") == ScanRefused(
        "No member found for “Schneider”: check the spelling or enroll (F2)"
    )
    assert classify_scan(ctx, "a") == ScanRefused(
        "Type at least two letters of a name, an email or a phone"
    )


def test_code_like_text_with_a_member_at_the_till_is_an_unknown_coupon(
    ctx: Context, member: MemberView
) -> None:
    assert classify_scan(ctx, "winter5", member_at_till=True) == ScanRefused(
        "Unknown coupon WINTER5 (and no member found by that name)"
    )
    # Without a member, the same text is a search that found nobody.
    assert classify_scan(ctx, "winter5") == ScanRefused(
        "No member found for “winter5”: check the spelling or enroll (F2)"
    )


def test_a_failing_database_is_an_error_not_a_refused_scan(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        session.connection().exec_driver_sql("DROP TABLE coupon_redemption")
        session.connection().exec_driver_sql("DROP TABLE coupon")
    with pytest.raises(DatabaseError):
        classify_scan(ctx, "SUMMER10")


def test_valid_and_scanned_cards(ctx: Context, member: MemberView) -> None:
    assert is_valid_card(member.card)
    assert not is_valid_card(member.card[:12])
    assert not is_valid_card("SUMMER10")
    # In a figure field, a whole card number is a scan; an amount is an amount.
    assert is_scan_in_figures(ctx, f"{member.card} ", burst=False)
    assert not is_scan_in_figures(ctx, member.card[:12], burst=False)
    assert not is_scan_in_figures(ctx, "12.50", burst=False)
    assert not is_scan_in_figures(ctx, "SUMMER10", burst=False)
    # Typed faster than a person types, card-like digits are a scan too (a misread card).
    assert is_scan_in_figures(ctx, member.card[:12], burst=True)
    assert not is_scan_in_figures(ctx, "12.50", burst=True)
    assert not is_scan_in_figures(ctx, "125", burst=True)


def test_a_product_barcode_is_named_not_looked_up_as_a_card(ctx: Context) -> None:
    result = classify_scan(ctx, "4006381333931")
    assert isinstance(result, ScanRefused)
    assert result.message == "4006381333931 is a product barcode, not a member card"


def test_a_valid_number_with_the_card_prefix_is_still_an_unknown_card(ctx: Context) -> None:
    result = classify_scan(ctx, "2900100999991")
    assert isinstance(result, ScanRefused)
    assert "Unknown card 2900100999991" in result.message


@pytest.mark.parametrize("badge", ["STF000000123", "stf00000012"])
def test_a_staff_badge_is_never_a_member_nor_a_search(ctx: Context, badge: str) -> None:
    enroll_member(ctx, MemberDraft(first_name="Stf", last_name="Badge", email="stf@example.org"))
    create_coupon(ctx, Coupon(badge.upper(), "percent", 10))
    result = classify_scan(ctx, badge, member_at_till=True)
    assert result == ScanRefused("That is a staff badge, not a member card")
