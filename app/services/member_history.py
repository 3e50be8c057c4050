"""A member's history as the member view shows it: ledger, sales, cards and profile."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import col, select

from app.services.context import Context
from app.services.member_desk import load_member
from app.store.models import Card, LedgerEntry, Sale


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class LedgerLine:
    """One points ledger row as the member view shows it."""

    entry_id: int
    created_at: datetime
    points: int
    kind: str
    reason: str
    sale_id: int | None
    actor: str
    store_code: str
    till: int

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "created_at": self.created_at.isoformat()}


@dataclass(frozen=True)
class SaleRecord:
    """One sale of a member, with the card it was made with."""

    sale_id: int
    created_at: datetime
    card: str
    amount_cents: int
    discount_cents: int
    to_pay_cents: int
    points_earned: int
    points_redeemed: int
    refunded_cents: int
    actor: str
    store_code: str

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "created_at": self.created_at.isoformat()}


@dataclass(frozen=True)
class CardLine:
    """A card of a member, current or former."""

    number: str
    status: str
    issued_at: datetime
    printed_at: datetime | None
    blocked_at: datetime | None
    replaced_by: str | None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("issued_at", "printed_at", "blocked_at"):
            data[key] = _iso(data[key])
        return data


def member_ledger(
    ctx: Context, member_id: int, *, limit: int = 200, before_id: int | None = None
) -> list[LedgerLine]:
    """The member's ledger rows, newest first (page with ``before_id``)."""
    with ctx.db.reading() as session:
        statement = select(LedgerEntry).where(LedgerEntry.member_id == member_id)
        if before_id is not None:
            statement = statement.where(col(LedgerEntry.id) < before_id)
        rows = session.exec(statement.order_by(col(LedgerEntry.id).desc()).limit(limit)).all()
    return [
        LedgerLine(
            r.id or 0,
            r.created_at,
            r.points,
            r.kind,
            r.reason,
            r.sale_id,
            r.actor,
            r.store_code,
            r.till,
        )
        for r in rows
    ]


def member_sales(
    ctx: Context, member_id: int, *, limit: int = 200, before_id: int | None = None
) -> list[SaleRecord]:
    """The member's sales, newest first (page with ``before_id``)."""
    with ctx.db.reading() as session:
        statement = select(Sale).where(Sale.member_id == member_id)
        if before_id is not None:
            statement = statement.where(col(Sale.id) < before_id)
        rows = session.exec(statement.order_by(col(Sale.id).desc()).limit(limit)).all()
    return [
        SaleRecord(
            r.id or 0,
            r.created_at,
            r.card_number,
            r.amount_cents,
            r.discount_cents,
            r.to_pay_cents,
            r.points_earned,
            r.points_redeemed,
            r.refunded_cents,
            r.actor,
            r.store_code,
        )
        for r in rows
    ]


def member_cards(ctx: Context, member_id: int) -> list[CardLine]:
    """Every card the member has had: the active one first, then former ones, newest first."""
    with ctx.db.reading() as session:
        rows = session.exec(
            select(Card)
            .where(Card.member_id == member_id)
            .order_by(col(Card.issued_at).desc(), col(Card.number).desc())
        ).all()
    lines = [
        CardLine(r.number, r.status, r.issued_at, r.printed_at, r.blocked_at, r.replaced_by)
        for r in rows
    ]
    return sorted(lines, key=lambda c: c.status != "active")


@dataclass(frozen=True)
class MemberProfile:
    """Every profile field of one member, as the member view shows and edits it."""

    member_id: int
    status: str
    card: str | None
    salutation: str
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    birthday: date | None
    postcode: str | None
    marketing_consent: bool
    consent_at: datetime | None
    notes: str
    tier: str | None
    points: int
    created_at: datetime
    last_visit_at: datetime | None
    merged_into: int | None


def member_profile(ctx: Context, member_id: int) -> MemberProfile:
    """The member's full profile (any status: merged and erased members show what is left)."""
    with ctx.db.reading() as session:
        member = load_member(session, member_id, lock=False)
        card = session.exec(
            select(Card.number)
            .where(Card.member_id == member_id, Card.status == "active")
            .order_by(col(Card.issued_at).desc())
        ).first()
        return MemberProfile(
            member_id=member_id,
            status=member.status,
            card=card,
            salutation=member.salutation,
            first_name=member.first_name,
            last_name=member.last_name,
            email=member.email,
            phone=member.phone,
            birthday=member.birthday,
            postcode=member.postcode,
            marketing_consent=member.marketing_consent,
            consent_at=member.consent_at,
            notes=member.notes,
            tier=member.tier,
            points=member.points_balance,
            created_at=member.created_at,
            last_visit_at=member.last_visit_at,
            merged_into=member.merged_into,
        )
