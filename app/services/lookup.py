"""Looking a member up by card number: the scan path, kept as short as it can be."""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

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


def _view(ctx: Context, row: queries.Record, recent: int) -> MemberView:
    facts = MemberFacts.of(row)
    sales = (
        queries.fetch_all(ctx.db, queries.RECENT_SALES, (facts.member_id, recent)) if recent else []
    )
    ts = parse_sqlite_timestamp
    standing = _program(ctx, facts)
    tier = standing.standing.tier
    return MemberView(
        member_id=facts.member_id,
        card=row.number or "",
        salutation=row.salutation,
        first_name=row.first_name,
        last_name=row.last_name,
        points=facts.balance,
        points_value_cents=ctx.rules().points_value_cents(facts.balance),
        member_since=facts.created_at,
        last_visit=facts.last_visit,
        email=facts.email,
        phone=facts.phone,
        birthday=facts.birthday,
        postcode=facts.postcode,
        recent_sales=tuple(
            # In field order, not by keyword: every scan builds up to five.
            SaleLine(
                s.sale_id,
                ts(s.created_at),
                s.amount_cents,
                s.to_pay_cents,
                s.points_earned,
                s.points_redeemed,
                s.refunded_cents,
            )
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


class CardState(Protocol):
    """What decides whether a card can be used: read with the card and its member."""

    @property
    def status(self) -> str: ...

    @property
    def replaced_by(self) -> str | None: ...

    @property
    def member_status(self) -> str: ...


class CardCheck(NamedTuple):
    """A :class:`CardState` put together from loaded objects."""

    status: str
    replaced_by: str | None
    member_status: str


def check_card(found: CardState | None, number: str) -> None:
    """Raise the cashier's message for an unknown (``found`` None), replaced or blocked card."""
    if found is None:
        raise CardNotFound(
            _("Unknown card {number}: enroll the customer (F2) or search by name").format(
                number=number
            )
        )
    if found.status == "replaced" or found.replaced_by:
        raise CardBlocked(_("Card replaced: ask for the new card or search by name"))
    if found.status != "active" or found.member_status != "active":
        raise CardBlocked(
            _("Card {number} is blocked: ask for another card or search by name").format(
                number=number
            )
        )


def check_card_row(row: tuple[Any, ...] | None, number: str) -> None:
    """:func:`check_card` for a tuple (number, status, replaced_by, ..., member status)."""
    check_card(CardCheck(row[1], row[2], row[-1]) if row is not None else None, number)


def lookup_card(ctx: Context, text: str, *, recent: int = RECENT_SALES) -> MemberView:
    """The member behind a typed or scanned card number, with the recent sales."""
    number = validate_card_number(text)
    row = queries.fetch_one(ctx.db, queries.CARD_WITH_MEMBER, (number,))
    if row is None and not number.startswith(ctx.layout().prefix):
        # An article's EAN-13 scanned instead of the card: no member card has another prefix.
        raise CardNotFound(
            _("{number} is a product barcode, not a member card").format(number=number)
        )
    check_card(row, number)
    assert row is not None
    return _view(ctx, row, recent)


def get_member(ctx: Context, member_id: int, *, recent: int = RECENT_SALES) -> MemberView:
    """A member by id (after enrolment, a search pick or a change)."""
    row = queries.fetch_one(ctx.db, queries.MEMBER_WITH_CARD, (member_id,))
    if row is None:
        raise MemberNotFound(_("No member with number {id}").format(id=member_id))
    return _view(ctx, row, recent)
