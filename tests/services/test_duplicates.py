"""Likely duplicates at enrolment (issue 15, item 7): same email or phone, same name and
birthday, same name and postcode; enrolling with another member's contact is refused unless
allowed."""

from __future__ import annotations

import pytest

from app.domain.errors import ValidationFailed
from app.domain.profile import MemberDraft
from app.services.context import Context
from app.services.duplicates import DuplicateMember, find_duplicates
from app.services.members import enroll_member
from app.services.search import find_members
from app.services.views import MemberView


@pytest.fixture
def emma(ctx: Context) -> MemberView:
    return enroll_member(
        ctx,
        MemberDraft(
            first_name="Emma",
            last_name="Fischer",
            email="Emma.Fischer@Example.org",
            phone="0171 5550123",
            birthday="1990-03-14",
            postcode="10115",
        ),
    )


def _reasons(ctx: Context, **fields: str) -> dict[int, tuple[str, ...]]:
    draft = MemberDraft(**{"first_name": "Eva", "last_name": "Klein", **fields})
    return {d.member.member_id: d.reasons for d in find_duplicates(ctx, draft)}


def test_the_same_email_in_any_case(ctx: Context, emma: MemberView) -> None:
    assert _reasons(ctx, email="emma.fischer@EXAMPLE.org") == {emma.member_id: ("email",)}


def test_the_same_phone_written_another_way(ctx: Context, emma: MemberView) -> None:
    assert _reasons(ctx, phone="+49 171 555 0123") == {emma.member_id: ("phone",)}


def test_the_same_name_and_birthday_or_postcode(ctx: Context, emma: MemberView) -> None:
    name = {"first_name": "emma", "last_name": "FISCHER"}
    assert _reasons(ctx, **name, birthday="14.03.1990") == {emma.member_id: ("name_birthday",)}
    assert _reasons(ctx, **name, postcode="10115") == {emma.member_id: ("name_postcode",)}
    assert _reasons(ctx, **name, birthday="1990-03-15", postcode="10117") == {}
    # The same name alone is no duplicate: many people share one.
    assert _reasons(ctx, **name) == {}


def test_every_reason_is_listed_once_per_member(ctx: Context, emma: MemberView) -> None:
    (dup,) = find_duplicates(
        ctx,
        MemberDraft(
            first_name="Emma",
            last_name="Fischer",
            email="emma.fischer@example.org",
            phone="01715550123",
            birthday="1990-03-14",
            postcode="10115",
        ),
    )
    assert dup.member.card == emma.card
    assert dup.reasons == ("email", "phone", "name_birthday", "name_postcode")


def test_a_bad_field_is_the_forms_message(ctx: Context) -> None:
    with pytest.raises(ValidationFailed):
        find_duplicates(ctx, MemberDraft(first_name="Eva", last_name="Klein", email="eva@"))


def test_enrolment_with_anothers_contact_is_refused_naming_the_card(
    ctx: Context, emma: MemberView
) -> None:
    draft = MemberDraft(first_name="Eva", last_name="Klein", phone="0171 5550123")
    with pytest.raises(DuplicateMember, match=emma.card):
        enroll_member(ctx, draft, allow_duplicate=False)
    assert find_members(ctx, "klein") == []
    # A same name and birthday only warns (the TUI asks); the contact rule is what refuses.
    twin = MemberDraft(first_name="Emma", last_name="Fischer", birthday="1990-03-14")
    enroll_member(ctx, twin, allow_duplicate=False)
    enroll_member(ctx, draft, allow_duplicate=True)
    assert len(find_members(ctx, "klein")) == 1
