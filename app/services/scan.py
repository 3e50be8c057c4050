"""What a scan at the counter is: a member's card, a coupon code, a search, or a refusal.

A scanner and a cashier type into the same field, so one rule decides (README, "At the
counter"): a valid card number (13 digits with the right EAN-13 check digit) is always a card;
anything else shaped like a coupon code that names an existing coupon is a coupon; other
card-like digits are looked up as a card, so a misread card gets its own message; everything
else searches members by name, email or phone. Two things a scanner reads are named rather
than looked up as members: a staff badge (``STF`` and digits) and a product's barcode (a valid
EAN-13 outside the shop's card prefix that no card has).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.cards import CARD_LENGTH, looks_like_card, validate_card_number
from app.domain.coupons import looks_like_coupon
from app.domain.errors import LoyaltyError
from app.domain.roles import BADGE_PREFIX
from app.domain.text import quote_input
from app.i18n import _
from app.services.context import Context
from app.services.coupons import find_coupon
from app.services.lookup import lookup_card
from app.services.search import find_members
from app.services.views import MemberSummary, MemberView
from app.store.errors import DatabaseError


@dataclass(frozen=True)
class CardScan:
    """A member's card: the member, ready for a checkout."""

    member: MemberView


@dataclass(frozen=True)
class CouponScan:
    """The code of an existing coupon, as typed (whether this member may use it now is checked
    when it is put on the checkout)."""

    code: str


@dataclass(frozen=True)
class SearchScan:
    """A search that found members (at least one), for the cashier to pick from."""

    text: str
    found: tuple[MemberSummary, ...]


@dataclass(frozen=True)
class ScanRefused:
    """Nothing to show: the cashier's message (a misread or unknown card, no member found)."""

    message: str


ScanResult = CardScan | CouponScan | SearchScan | ScanRefused


def is_staff_badge(text: str) -> bool:
    """Whether scanned text is a staff badge's code (``STF`` followed by digits; a misread
    one too): never a member, never a search."""
    value = text.strip().upper()
    return value.startswith(BADGE_PREFIX) and value[len(BADGE_PREFIX) :].isdigit()


def is_valid_card(text: str) -> bool:
    """Whether the text is a well-formed card number (length, digits, check digit)."""
    try:
        validate_card_number(text)
    except LoyaltyError:
        return False
    return True


def is_scan_in_figures(ctx: Context, text: str, *, burst: bool) -> bool:
    """Whether text ended by Enter in a figure field (amount, points) is a scan, not a figure.

    A whole card number (13 digits) never is a figure, however it was typed. Digits typed
    faster than a person types (``burst``: a scanner) that could be a card are a scan too (a
    misread card gets its message from :func:`classify_scan`). A coupon code has letters or
    dashes, which no figure has: the field hands it on at its first letter.
    """
    value = text.strip()
    prefix = ctx.layout().prefix
    if len(value) == CARD_LENGTH and looks_like_card(value, prefix):
        return True
    return burst and looks_like_card(value, prefix)


def classify_scan(ctx: Context, text: str, *, member_at_till: bool = False) -> ScanResult:
    """What the scanned or typed text is, looked up: a card, a coupon, a search or a refusal.

    ``member_at_till``: a member is on the counter, so code-like text that is neither a coupon
    nor a name is most likely a mistyped coupon. A failing database raises
    :class:`~app.store.errors.DatabaseError` (the scan itself is not refused).
    """
    text = text.strip()
    if is_staff_badge(text):
        return ScanRefused(_("That is a staff badge, not a member card"))
    if not is_valid_card(text) and looks_like_coupon(text) and find_coupon(ctx, text):
        return CouponScan(text)
    try:
        if looks_like_card(text, ctx.layout().prefix):
            return CardScan(lookup_card(ctx, text))
        found = find_members(ctx, text)
    except DatabaseError:
        raise
    except LoyaltyError as exc:
        return ScanRefused(exc.message)
    if found:
        return SearchScan(text, tuple(found))
    if member_at_till and looks_like_coupon(text):
        return ScanRefused(
            _("Unknown coupon {code} (and no member found by that name)").format(
                code=quote_input(text.upper())
            )
        )
    return ScanRefused(
        _("No member found for “{text}”: check the spelling or enroll (F2)").format(
            text=quote_input(text)
        )
    )
