"""Merging two members who are the same person."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from app.domain.errors import CardBlocked, InvalidInput
from app.domain.profile import MemberDraft
from app.services.adjustments import adjust_points
from app.services.checkout import checkout
from app.services.context import Context
from app.services.health import check_database
from app.services.lookup import lookup_card
from app.services.member_history import member_cards, member_ledger, member_sales
from app.services.members import enroll_member
from app.services.merge import MergeRefused, merge_members
from app.services.refunds import refund_sale
from app.services.search import find_members
from app.services.views import MemberView
from app.store.models import AuditEntry, Member


@pytest.fixture
def twin(ctx: Context) -> MemberView:
    """The same Anna, enrolled again on another day without email but with a note."""
    return enroll_member(
        ctx,
        MemberDraft(
            first_name="Anna", last_name="Mueller", postcode="10117", notes="lost her card"
        ),
    )


def test_merge_moves_history_and_combines_balances(
    ctx: Context, member: MemberView, twin: MemberView
) -> None:
    checkout(ctx, member.card, 4000)
    sale = checkout(ctx, twin.card, 2000)
    adjust_points(ctx, twin.card, 15, "welcome back")
    refund_sale(ctx, sale.sale_id, 500)
    twin_balance = lookup_card(ctx, twin.card).points
    result = merge_members(ctx, member.card, twin.card)

    assert result.points_moved == twin_balance
    assert result.points_balance == 40 + twin_balance
    assert result.blocked_cards == (twin.card,)
    kept = lookup_card(ctx, member.card)
    assert kept.points == 40 + twin_balance
    assert len(member_sales(ctx, member.member_id)) == 2
    assert len(member_ledger(ctx, member.member_id)) == 4
    assert check_database(ctx).ok
    cards = member_cards(ctx, member.member_id)
    assert [(c.number, c.status) for c in cards] == [
        (member.card, "active"),
        (twin.card, "blocked"),
    ]
    assert cards[1].replaced_by == member.card


def test_other_card_says_replaced_and_tombstone_stays(
    ctx: Context, member: MemberView, twin: MemberView
) -> None:
    merge_members(ctx, member.card, twin.card)
    with pytest.raises(CardBlocked, match="replaced"):
        lookup_card(ctx, twin.card)
    with ctx.db.reading() as session:
        tomb = session.exec(select(Member).where(Member.id == twin.member_id)).one()
        kept = session.exec(select(Member).where(Member.id == member.member_id)).one()
        audit = session.exec(select(AuditEntry).where(AuditEntry.action == "member.merge")).one()
    assert (tomb.status, tomb.merged_into, tomb.points_balance) == ("merged", member.member_id, 0)
    assert kept.notes == "lost her card"
    assert kept.email == "anna.mueller@example.org" and kept.postcode == "10115"
    detail = json.loads(audit.detail)
    assert detail["merged_member"] == twin.member_id
    assert detail["blocked_cards"] == [twin.card]
    assert [m.member_id for m in find_members(ctx, "anna")] == [member.member_id]


def test_blank_fields_filled_from_the_other(
    ctx: Context, member: MemberView, twin: MemberView
) -> None:
    result = merge_members(ctx, twin.card, member.card)
    kept = lookup_card(ctx, twin.card)
    assert kept.email == "anna.mueller@example.org"
    assert kept.phone == "+491712345678"
    assert kept.postcode == "10117"  # the kept member's own value wins
    assert "email" in result.filled_fields and "postcode" not in result.filled_fields
    assert [m.member_id for m in find_members(ctx, "0171 234")] == [twin.member_id]


def test_refusals_change_nothing(ctx: Context, member: MemberView, twin: MemberView) -> None:
    with pytest.raises(InvalidInput):
        merge_members(ctx, member.card, member.card)
    merge_members(ctx, member.card, twin.card)
    with pytest.raises(CardBlocked):
        merge_members(ctx, member.card, twin.card)
    with pytest.raises(CardBlocked):
        merge_members(ctx, twin.card, member.card)
    assert check_database(ctx).ok


def test_same_member_refused(ctx: Context, member: MemberView) -> None:
    from app.store.models import Card

    with ctx.db.transaction() as session:
        session.add(Card(number="2900100000093", member_id=member.member_id, issued_at=ctx.now()))
    with pytest.raises(MergeRefused):
        merge_members(ctx, member.card, "2900100000093")
