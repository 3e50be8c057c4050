"""Every kind of sync conflict reads as a sentence for the owner (CLI and TUI show it)."""

from __future__ import annotations

import pytest

from app.services.chain.conflicts import describe_conflict


@pytest.mark.parametrize(
    ("kind", "detail", "text"),
    [
        (
            "negative_balance",
            {"name": "Anna Müller", "balance": -1300},
            "Anna Müller: the balance fell to -1,300 points after redemptions in two shops",
        ),
        (
            "coupon_overused",
            {"code": "WELCOME-7Q", "uses": 2, "limit": 1},
            "Coupon WELCOME-7Q was used 2 times, 1 allowed",
        ),
        (
            "coupon_code",
            {"code": "SUMMER10"},
            "Coupon code SUMMER10 was created in two shops for two different coupons",
        ),
        (
            "over_refund",
            {"sale": "0f3a9c1e-aaaa", "amount_cents": 10_00, "refunded_cents": 15_00},
            "Sale 0f3a9c1e was refunded €15.00 of €10.00",
        ),
        (
            "card_collision",
            {"card": "2900100000017"},
            "Card 2900100000017 belongs to two different members",
        ),
        ("merge_cycle", {"other": "x"}, "Two shops merged the same members in opposite directions"),
        (
            "bad_setting",
            {"key": "program.tiers", "reason": "not a list"},
            "Another shop's setting program.tiers was refused: not a list",
        ),
        (
            "profile_edit",
            {"name": "Ben Weber", "kept_store": "002", "lost_values": {"phone": "+49 30 1234"}},
            "Ben Weber: edited in two shops, store 002's edit kept; "
            "overwritten: phone: +49 30 1234",
        ),
        ("from_a_newer_version", {"a": 1}, 'from_a_newer_version: {"a": 1}'),
    ],
)
def test_a_conflict_reads_as_a_sentence(kind: str, detail: dict[str, object], text: str) -> None:
    assert describe_conflict(kind, detail) == text
