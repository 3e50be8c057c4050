"""Editing a member's profile: validated like enrolment, search keys and audit follow."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from app.domain.errors import CardBlocked, InvalidInput, ValidationFailed
from app.services.context import Context
from app.services.member_desk import member_id_for_card, update_member
from app.services.search import find_members
from app.services.views import MemberView
from app.store.models import AuditEntry, Member


def _stored(ctx: Context, member_id: int) -> Member:
    with ctx.db.reading() as session:
        return session.exec(select(Member).where(Member.id == member_id)).one()


def _audits(ctx: Context, action: str) -> list[AuditEntry]:
    with ctx.db.reading() as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)))


def test_update_normalises_and_records_old_and_new(ctx: Context, member: MemberView) -> None:
    view = update_member(
        ctx,
        member.member_id,
        {
            "email": "Anna.M@Example.ORG",
            "phone": "0151 23456789",
            "postcode": "80331",
            "notes": "  prefers email  ",
            "tier": "Gold",
        },
    )
    assert view.email == "Anna.M@example.org"
    assert view.phone == "+4915123456789"
    stored = _stored(ctx, member.member_id)
    assert stored.notes == "prefers email"
    assert stored.tier == "Gold"
    assert stored.email_key == "anna.m@example.org"
    assert stored.phone_national == "015123456789"
    [audit] = _audits(ctx, "member.update")
    changes = json.loads(audit.detail)["changes"]
    assert changes["email"] == ["anna.mueller@example.org", "Anna.M@example.org"]
    assert changes["phone"] == ["+491712345678", "+4915123456789"]
    assert audit.actor == "tester"
    assert "first_name" not in changes


def test_search_finds_the_new_name_not_the_old(ctx: Context, member: MemberView) -> None:
    update_member(ctx, member.member_id, {"last_name": "Schröder"})
    assert [m.member_id for m in find_members(ctx, "schroder")] == [member.member_id]
    assert find_members(ctx, "muller") == []


def test_consent_stamped_and_withdrawn(ctx: Context, member: MemberView, clock) -> None:
    update_member(ctx, member.member_id, {"marketing_consent": True})
    assert _stored(ctx, member.member_id).consent_at == clock.now
    clock.now += timedelta(days=3)
    update_member(ctx, member.member_id, {"marketing_consent": False})
    stored = _stored(ctx, member.member_id)
    assert stored.marketing_consent is False
    assert stored.consent_at is None


def test_empty_text_removes_an_optional_field(ctx: Context, member: MemberView) -> None:
    view = update_member(ctx, member.member_id, {"phone": "", "birthday": ""})
    assert view.phone is None
    assert view.birthday is None


def test_invalid_fields_change_nothing(ctx: Context, member: MemberView) -> None:
    with pytest.raises(ValidationFailed) as caught:
        update_member(
            ctx, member.member_id, {"email": "nope", "phone": "12", "birthday": "2999-01-01"}
        )
    assert set(caught.value.errors) == {"email", "phone", "birthday"}
    stored = _stored(ctx, member.member_id)
    assert stored.email == "anna.mueller@example.org"
    assert _audits(ctx, "member.update") == []


def test_unknown_field_and_no_change(ctx: Context, member: MemberView) -> None:
    with pytest.raises(InvalidInput):
        update_member(ctx, member.member_id, {"points_balance": 1000})
    update_member(ctx, member.member_id, {"first_name": "Anna"})
    assert _audits(ctx, "member.update") == []


def test_card_must_be_usable_for_edits(ctx: Context, member: MemberView) -> None:
    from app.services.privacy import erase_member

    erase_member(ctx, member.card)
    with pytest.raises(CardBlocked):
        member_id_for_card(ctx, member.card)
    assert member_id_for_card(ctx, member.card, usable=False) == member.member_id
