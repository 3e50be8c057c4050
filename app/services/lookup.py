"""Looking a member up by card number: the scan path, kept as short as it can be."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.domain.cards import validate_card_number
from app.domain.errors import CardBlocked, CardNotFound, MemberNotFound
from app.domain.rules import Standing
from app.i18n import _
from app.services.context import Context
from app.services.program import MemberFacts, MemberStanding, member_standing
from app.services.views import MemberView, SaleLine
from app.store import queries
from app.store.queries import DriverReads
from app.store.types import parse_sqlite_timestamp

RECENT_SALES = 5


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _view(ctx: Context, row: tuple[Any, ...], recent: int) -> MemberView:
    number, _card_status, _replaced_by, member_id, salutation, first, last, points = row[:8]
    created, last_visit, email, phone, birthday, postcode, referred_by, _status = row[8:]
    sales = queries.fetch_all(ctx.db, queries.RECENT_SALES, (member_id, recent)) if recent else []
    ts = parse_sqlite_timestamp
    facts = MemberFacts(
        member_id=member_id,
        balance=points,
        created_at=ts(created),  # type: ignore[arg-type]
        last_visit=ts(last_visit),
        birthday=_day(birthday),
        email=email,
        phone=phone,
        postcode=postcode,
        referred_by=referred_by,
    )
    standing = _program(ctx, facts)
    tier = standing.standing.tier
    return MemberView(
        member_id=member_id,
        card=number or "",
        salutation=salutation,
        first_name=first,
        last_name=last,
        points=points,
        points_value_cents=ctx.rules().points_value_cents(points),
        member_since=ts(created),  # type: ignore[arg-type]
        last_visit=ts(last_visit),
        email=email,
        phone=phone,
        birthday=_day(birthday),
        postcode=postcode,
        recent_sales=tuple(
            SaleLine(s[0], ts(s[1]), s[2], s[3], s[4], s[5], s[6])  # type: ignore[arg-type]
            for s in sales
        ),
        tier=tier.name if tier is not None else None,
        next_tier=standing.next_tier.name if standing.next_tier is not None else None,
        to_next_tier_cents=standing.to_next_cents,
        birthday_points=ctx.program().birthday_points if standing.birthday_gift else 0,
        points_expiring=standing.expiry.due_now + standing.expiry.soon,
        points_expiring_by=standing.expiry.soon_by
        or (ctx.now().date() if standing.expiry.due_now else None),
        standing=standing.standing,
    )


def _program(ctx: Context, facts: MemberFacts) -> MemberStanding:
    """The member's tier, bonuses and expiry as a checkout now would see them."""
    program = ctx.program()
    now = ctx.now()
    if not program.needs_database():
        return MemberStanding(standing=Standing(campaigns=program.campaigns_at(now)))
    return member_standing(DriverReads.of(ctx.db), program, facts, now)


def check_card_row(row: tuple[Any, ...] | None, number: str) -> None:
    """Raise the cashier's message for an unknown, replaced or blocked card."""
    if row is None:
        raise CardNotFound(
            _("Unknown card {number}: enroll the customer (F2) or search by name").format(
                number=number
            )
        )
    status, replaced_by, member_status = row[1], row[2], row[-1]
    if status == "replaced" or replaced_by:
        raise CardBlocked(_("Card replaced: ask for the new card or search by name"))
    if status != "active" or member_status != "active":
        raise CardBlocked(
            _("Card {number} is blocked: ask for another card or search by name").format(
                number=number
            )
        )


def lookup_card(ctx: Context, text: str, *, recent: int = RECENT_SALES) -> MemberView:
    """The member behind a typed or scanned card number, with the recent sales."""
    number = validate_card_number(text)
    row = queries.fetch_one(ctx.db, queries.CARD_WITH_MEMBER, (number,))
    check_card_row(row, number)
    assert row is not None
    return _view(ctx, row, recent)


def get_member(ctx: Context, member_id: int, *, recent: int = RECENT_SALES) -> MemberView:
    """A member by id (after enrolment, a search pick or a change)."""
    row = queries.fetch_one(ctx.db, queries.MEMBER_WITH_CARD, (member_id,))
    if row is None:
        raise MemberNotFound(_("No member with number {id}").format(id=member_id))
    return _view(ctx, row, recent)
