"""Enrolling members and the shared steps that load a member for a change."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Select, bindparam, func
from sqlalchemy import select as core_select
from sqlmodel import Session, select

from app.domain.cards import CardLayout, make_card_number, serial_of, validate_card_number
from app.domain.profile import MemberDraft, profile_values, search_keys, validate_profile
from app.services.audit import record
from app.services.context import Context
from app.services.duplicates import Duplicate, find_duplicates, refuse_same_contact
from app.services.lookup import CardCheck, check_card, get_member
from app.services.views import MemberView
from app.store.database import serialize
from app.store.jobs import visible
from app.store.models import Card, Member
from app.store.tables import BULK_JOB, CARD, MEMBER
from app.sync import events


def next_card_number(session: Session, layout: CardLayout) -> str:
    """The next free number of this store (highest serial + 1), inside the caller's transaction."""
    # Two tills enrolling at once on PostgreSQL would both read the same highest number.
    serialize(session, "card-number")
    low, high = layout.stem + "0000000", layout.stem + "9999999~"
    highest = session.exec(
        select(func.max(Card.number)).where(Card.number >= low, Card.number <= high)
    ).one()
    # A member import running in slices has numbers planned that it has not written yet.
    reserved = (
        session.connection()
        .execute(
            core_select(func.max(BULK_JOB.c.reserved_card)).where(
                BULK_JOB.c.reserved_card >= low, BULK_JOB.c.reserved_card <= high
            )
        )
        .scalar()
    )
    if reserved is not None and (highest is None or reserved > highest):
        highest = reserved
    return make_card_number(layout, serial_of(highest) + 1 if highest else 1)


def enroll_member(
    ctx: Context,
    draft: MemberDraft,
    *,
    referred_by: str | None = None,
    allow_duplicate: bool = True,
) -> MemberView:
    """Create a member with a new card; every field validated first, nothing stored if any fails.

    ``referred_by`` is the card of the member who brought this one: both get the referral
    bonus at the new member's first purchase. Without ``allow_duplicate`` an email or phone
    already on another member is refused (:class:`~app.services.duplicates.DuplicateMember`).
    """
    now = ctx.now()
    region = str(ctx.settings()["shop.phone_region"])
    profile = validate_profile(draft, today=now.astimezone().date(), region=region)
    if not allow_duplicate:
        refuse_same_contact(ctx, draft)
    keys = search_keys(profile, region)
    referrer_card = (referred_by or "").strip()
    with ctx.db.transaction() as session:
        referrer_id = None
        if referrer_card:
            referrer, _number = lock_card_member(session.connection(), referrer_card)
            referrer_id = referrer.member_id
        member = Member(
            referred_by=referrer_id,
            **profile_values(profile),
            consent_at=now if profile.marketing_consent else None,
            home_store=ctx.store_code,
            created_at=now,
            updated_at=now,
            updated_store=ctx.store_code,
            **asdict(keys),
        )
        session.add(member)
        session.flush()
        member_id = member.id
        assert member_id is not None
        number = next_card_number(session, ctx.layout())
        session.add(Card(number=number, member_id=member_id, issued_at=now))
        extra = {"referred_by": referrer_id} if referrer_id is not None else {}
        record(session, ctx, "member.enroll", "member", member_id, card=number, **extra)
        session.flush()
        events.member_changed(session, ctx, member_id, None)
        events.cards_changed(session, ctx, [number])
    assert member_id is not None
    return get_member(ctx, member_id)


def enroll_unless_duplicates(
    ctx: Context, draft: MemberDraft, *, referred_by: str | None = None
) -> MemberView | tuple[Duplicate, ...]:
    """Enroll as :func:`enroll_member`; but when members look like the same person (same
    email or phone, same name and birthday or postcode) return them and store nothing, for
    a person to open one of them or enroll anyway."""
    found = find_duplicates(ctx, draft)
    if found:
        return tuple(found)
    return enroll_member(ctx, draft, referred_by=referred_by)


def card_member_query(*columns: ColumnElement[Any]) -> Select[Any]:
    """A read of a card with its member's status and ``columns`` of the member, the member
    row locked (PostgreSQL), for :func:`lock_card_member`. Build it once: SQLAlchemy then
    reuses the compiled statement."""
    return (
        core_select(
            CARD.c.status,
            CARD.c.replaced_by,
            MEMBER.c.status.label("member_status"),
            *columns,
        )
        .join(MEMBER, MEMBER.c.id == CARD.c.member_id)
        .where(CARD.c.number == bindparam("number"), visible(MEMBER))
        .with_for_update(of=MEMBER)
    )


_MEMBER_ID = card_member_query(MEMBER.c.id.label("member_id"))
_CARD_STATE = core_select(CARD.c.status, CARD.c.replaced_by).where(
    CARD.c.number == bindparam("number")
)


def lock_card_member(
    conn: Connection, text: str, query: Select[Any] = _MEMBER_ID
) -> tuple[Row[Any], str]:
    """The row of ``query`` (:func:`card_member_query`) for a usable card, with the member row
    locked on PostgreSQL, and the card number; unknown, replaced and blocked cards are refused.
    """
    number = validate_card_number(text)
    row = conn.execute(query, {"number": number}).first()
    check_card(row, number)
    assert row is not None
    if conn.dialect.name != "sqlite":
        # Cards change only under their member's lock (replace, merge, erase): read the card
        # again now that the lock is held, so one replaced at another till a moment ago is
        # refused here as well. (SQLite read it under the write lock taken at BEGIN already.)
        card = conn.execute(_CARD_STATE, {"number": number}).one()
        check_card(CardCheck(card.status, card.replaced_by, row.member_status), number)
    return row, number


def lock_member_by_card(session: Session, text: str) -> tuple[Member, str]:
    """Load (and on PostgreSQL lock) the member behind a card, refusing unusable cards."""
    row, number = lock_card_member(session.connection(), text)
    # populate_existing: a member this session loaded before must show the row as read under
    # the lock, or two tills lose an update on PostgreSQL.
    member = session.exec(
        select(Member).where(Member.id == row.member_id).execution_options(populate_existing=True)
    ).one()
    return member, number
