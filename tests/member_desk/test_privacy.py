"""Data protection: a member's data export and erasure."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from app.domain.errors import CardBlocked
from app.domain.profile import MemberDraft
from app.services.checkout import checkout
from app.services.context import Context
from app.services.health import check_database
from app.services.lookup import lookup_card
from app.services.member_desk import update_member
from app.services.members import enroll_member
from app.services.merge import merge_members
from app.services.privacy import AlreadyErased, erase_member, export_member_data
from app.services.refunds import refund_sale
from app.services.search import find_members
from app.services.views import MemberView
from app.store.models import AuditEntry, Card, LedgerEntry, Member, Sale


def test_export_holds_everything_stored(ctx: Context, member: MemberView) -> None:
    sale = checkout(ctx, member.card, 3000)
    refund_sale(ctx, sale.sale_id, 1000)
    update_member(ctx, member.member_id, {"notes": "likes tea"})
    data = export_member_data(ctx, member.card)
    json.dumps(data)  # JSON-ready all the way down
    assert data["member"]["first_name"] == "Anna"
    assert data["member"]["email"] == "anna.mueller@example.org"
    assert data["member"]["notes"] == "likes tea"
    assert "first_key" not in data["member"]
    assert [c["number"] for c in data["cards"]] == [member.card]
    assert [s["id"] for s in data["sales"]] == [sale.sale_id]
    assert [r["amount_cents"] for r in data["refunds"]] == [1000]
    assert sum(e["points"] for e in data["ledger"]) == data["member"]["points_balance"]
    actions = {a["action"] for a in data["audit"]}
    assert {"member.enroll", "member.update", "sale.create"} <= actions


def test_export_includes_merged_members(ctx: Context, member: MemberView) -> None:
    twin = enroll_member(ctx, MemberDraft(first_name="Anna", last_name="Mueller"))
    merge_members(ctx, member.card, twin.card)
    data = export_member_data(ctx, twin.card)  # the old card still finds the person
    assert data["member"]["id"] == member.member_id
    assert [m["id"] for m in data["merged_members"]] == [twin.member_id]
    assert len(data["cards"]) == 2


def test_erase_anonymises_and_keeps_the_accounts(ctx: Context, member: MemberView) -> None:
    sale = checkout(ctx, member.card, 5000)
    update_member(ctx, member.member_id, {"email": "anna.private@example.org"})
    result = erase_member(ctx, member.card)
    assert result.blocked_cards == (member.card,)
    assert (result.sales_kept, result.ledger_entries_kept) == (1, 1)
    with ctx.db.reading() as session:
        stored = session.exec(select(Member).where(Member.id == member.member_id)).one()
        card = session.exec(select(Card).where(Card.number == member.card)).one()
        sales = session.exec(select(Sale)).all()
        ledger = session.exec(select(LedgerEntry)).all()
        audits = session.exec(select(AuditEntry)).all()
    assert stored.status == "erased"
    assert (stored.first_name, stored.last_name, stored.email, stored.phone) == ("", "", None, None)
    assert (stored.birthday, stored.postcode, stored.notes) == (None, None, "")
    assert stored.email_key is None and stored.phone_national is None
    assert stored.points_balance == 50
    assert card.status == "blocked" and card.blocked_at is not None
    assert [s.id for s in sales] == [sale.sale_id]
    assert sum(e.points for e in ledger) == 50
    everything = " ".join(a.detail for a in audits)
    assert "anna.private" not in everything and "anna.mueller" not in everything
    assert any(a.action == "member.erase" for a in audits)
    assert check_database(ctx).ok


def test_erased_member_cannot_be_found_or_scanned(ctx: Context, member: MemberView) -> None:
    erase_member(ctx, member.card)
    with pytest.raises(CardBlocked):
        lookup_card(ctx, member.card)
    assert find_members(ctx, "anna") == []
    with pytest.raises(AlreadyErased):
        erase_member(ctx, member.card)
