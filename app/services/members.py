"""Enrolling members and the shared steps that load a member for a change."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from app.domain.cards import CardLayout, make_card_number, serial_of, validate_card_number
from app.domain.profile import MemberDraft, search_keys, validate_profile
from app.services.audit import record
from app.services.context import Context
from app.services.lookup import check_card_row, get_member
from app.services.views import MemberView
from app.store.database import serialize
from app.store.models import Card, Member
from app.sync import events


def next_card_number(session: Session, layout: CardLayout) -> str:
    """The next free number of this store (highest serial + 1), inside the caller's transaction."""
    # Two tills enrolling at once on PostgreSQL would both read the same highest number.
    serialize(session, "card-number")
    low, high = layout.stem + "0000000", layout.stem + "9999999~"
    highest = session.exec(
        select(func.max(Card.number)).where(Card.number >= low, Card.number <= high)
    ).one()
    return make_card_number(layout, serial_of(highest) + 1 if highest else 1)


def enroll_member(
    ctx: Context, draft: MemberDraft, *, referred_by: str | None = None
) -> MemberView:
    """Create a member with a new card; every field validated first, nothing stored if any fails.

    ``referred_by`` is the card of the member who brought this one: both get the referral
    bonus at the new member's first purchase.
    """
    now = ctx.now()
    region = str(ctx.settings()["shop.phone_region"])
    profile = validate_profile(draft, today=now.astimezone().date(), region=region)
    keys = search_keys(profile, region)
    referrer_card = (referred_by or "").strip()
    with ctx.db.transaction() as session:
        referrer_id = None
        if referrer_card:
            referrer, _number = lock_member_by_card(session, referrer_card)
            referrer_id = referrer.id
        member = Member(
            referred_by=referrer_id,
            salutation=profile.salutation,
            first_name=profile.first_name,
            last_name=profile.last_name,
            email=profile.email,
            phone=profile.phone,
            birthday=profile.birthday,
            postcode=profile.postcode,
            marketing_consent=profile.marketing_consent,
            consent_at=now if profile.marketing_consent else None,
            notes=profile.notes,
            home_store=ctx.store_code,
            created_at=now,
            updated_at=now,
            updated_store=ctx.store_code,
            first_key=keys.first_key,
            last_key=keys.last_key,
            email_key=keys.email_key,
            phone_national=keys.phone_national,
            phone_international=keys.phone_international,
        )
        session.add(member)
        session.flush()
        number = next_card_number(session, ctx.layout())
        session.add(Card(number=number, member_id=member.id, issued_at=now))
        extra = {"referred_by": referrer_id} if referrer_id is not None else {}
        record(session, ctx, "member.enroll", "member", member.id, card=number, **extra)
        member_id = member.id
        assert member_id is not None
        session.flush()
        events.member_changed(session, ctx, member_id, None)
        events.cards_changed(session, ctx, [number])
    assert member_id is not None
    return get_member(ctx, member_id)


def lock_member_by_card(session: Session, text: str) -> tuple[Member, str]:
    """Load (and on PostgreSQL lock) the member behind a card, refusing unusable cards."""
    number = validate_card_number(text)
    row = session.exec(
        select(Card, Member).join(Member, Member.id == Card.member_id).where(Card.number == number)
    ).first()
    if row is None:
        check_card_row(None, number)
    card, _member = row  # type: ignore[misc]
    check_card_row((card.number, card.status, card.replaced_by, _member.status), number)
    # populate_existing: the join above already loaded this member without the lock; the balance
    # must be the one read under the lock, or two tills lose an update on PostgreSQL.
    member = session.exec(
        select(Member)
        .where(Member.id == card.member_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if session.get_bind().dialect.name != "sqlite":
        # Cards change only under their member's lock (replace, merge, erase): read the card
        # again now that the lock is held, so one replaced at another till a moment ago is
        # refused here as well. (SQLite read it under the write lock taken at BEGIN already.)
        card = session.exec(
            select(Card).where(Card.number == number).execution_options(populate_existing=True)
        ).one()
        check_card_row((card.number, card.status, card.replaced_by, member.status), number)
    return member, number
