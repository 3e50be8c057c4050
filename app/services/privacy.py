"""Data protection requests: a member's data export, and erasure of a member.

Erasure anonymises the personal fields and blocks the cards but keeps sales and the points
ledger, which the shop's accounts must keep; the member row stays as a pseudonymous id.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, SQLModel, and_, col, or_, select

from app.domain.errors import LoyaltyError
from app.domain.profile import SEARCH_KEY_COLUMNS
from app.i18n import _
from app.services.audit import record
from app.services.context import Context
from app.services.member_desk import load_member, member_id_for_card
from app.store.erasure import ERASED_VALUES, Eraser, erase_traces
from app.store.models import AuditEntry, Card, LedgerEntry, Member, Refund, Sale
from app.sync import events

EXPORT_VERSION = 1


class AlreadyErased(LoyaltyError):
    """The member was erased before."""


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(model: SQLModel) -> dict[str, Any]:
    return {key: _plain(value) for key, value in model.model_dump().items()}


# Derived copies of personal fields that only serve the search index.
_SEARCH_KEYS = SEARCH_KEY_COLUMNS


def _profile(member: Member) -> dict[str, Any]:
    return {k: v for k, v in _row(member).items() if k not in _SEARCH_KEYS}


def _audit_rows(session: Session, member_ids: list[int], sale_ids: list[int]) -> list[AuditEntry]:
    conditions = [
        and_(
            col(AuditEntry.entity) == "member",
            col(AuditEntry.entity_id).in_([str(i) for i in member_ids]),
        )
    ]
    if sale_ids:
        conditions.append(
            and_(
                col(AuditEntry.entity) == "sale",
                col(AuditEntry.entity_id).in_([str(i) for i in sale_ids]),
            )
        )
    return list(
        session.exec(select(AuditEntry).where(or_(*conditions)).order_by(col(AuditEntry.id)))
    )


def export_member_data(ctx: Context, card: str) -> dict[str, Any]:
    """Everything stored about the member of ``card`` (any of their cards), as JSON-ready data.

    Profile, cards, sales, refunds, points ledger, the audit rows about them and the members
    that were merged into them.
    """
    member_id = member_id_for_card(ctx, card, usable=False)
    with ctx.db.reading() as session:
        member = load_member(session, member_id, lock=False)
        merged = list(session.exec(select(Member).where(col(Member.merged_into) == member_id)))
        ids = [member_id, *(m.id for m in merged if m.id is not None)]
        cards = session.exec(
            select(Card).where(col(Card.member_id).in_(ids)).order_by(col(Card.issued_at))
        ).all()
        sales = session.exec(
            select(Sale).where(col(Sale.member_id).in_(ids)).order_by(col(Sale.id))
        ).all()
        sale_ids = [s.id for s in sales if s.id is not None]
        refunds = (
            session.exec(
                select(Refund).where(col(Refund.sale_id).in_(sale_ids)).order_by(col(Refund.id))
            ).all()
            if sale_ids
            else []
        )
        ledger = session.exec(
            select(LedgerEntry)
            .where(col(LedgerEntry.member_id).in_(ids))
            .order_by(col(LedgerEntry.id))
        ).all()
        audit = _audit_rows(session, ids, sale_ids)
    with ctx.db.transaction() as session:
        # Who took a copy of a person's data is itself part of the trail.
        record(session, ctx, "member.export", "member", member_id)
    audit_rows = []
    for entry in audit:
        row = _row(entry)
        row["detail"] = json.loads(entry.detail or "{}")
        audit_rows.append(row)
    return {
        "format": "loyalty-member-export",
        "version": EXPORT_VERSION,
        "exported_at": ctx.now().isoformat(),
        "shop": str(ctx.settings()["shop.name"]),
        "member": _profile(member),
        "merged_members": [_profile(m) for m in merged],
        "cards": [_row(c) for c in cards],
        "sales": [_row(s) for s in sales],
        "refunds": [_row(r) for r in refunds],
        "ledger": [_row(e) for e in ledger],
        "audit": audit_rows,
    }


@dataclass(frozen=True)
class EraseResult:
    """What an erasure did."""

    member_id: int
    blocked_cards: tuple[str, ...]
    sales_kept: int
    ledger_entries_kept: int
    points_balance: int

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["blocked_cards"] = list(self.blocked_cards)
        return data


def erase_member(ctx: Context, card: str) -> EraseResult:
    """Anonymise the member of ``card``: personal fields cleared, every card blocked.

    Sales, refunds and ledger rows stay (the accounts need them) and the balance stays equal
    to the ledger sum; the member can no longer be found or scanned.
    """
    member_id = member_id_for_card(ctx, card, usable=False)
    now = ctx.now()
    with ctx.db.transaction() as session:
        member = load_member(session, member_id)
        if member.status == "erased":
            raise AlreadyErased(_("This member's data was already erased"))
        merged = list(session.exec(select(Member).where(col(Member.merged_into) == member_id)))
        bases = {person.id: events.member_base(person) for person in (member, *merged)}
        for person in (member, *merged):
            for key, value in ERASED_VALUES.items():
                setattr(person, key, value)
            person.updated_at = now
            person.updated_store = ctx.store_code
            session.add(person)
        member.status = "erased"
        blocked = []
        for row in session.exec(select(Card).where(Card.member_id == member_id)).all():
            if row.status == "active":
                row.status = "blocked"
                row.blocked_at = now
                blocked.append(row.number)
                session.add(row)
        session.flush()
        people = [(p.id, p.uuid) for p in (member, *merged) if p.id is not None]
        sales = len(session.exec(select(Sale.id).where(Sale.member_id == member_id)).all())
        entries = len(
            session.exec(select(LedgerEntry.id).where(LedgerEntry.member_id == member_id)).all()
        )
        record(session, ctx, "member.erase", "member", member_id, blocked_cards=blocked)
        balance = member.points_balance
        session.flush()
        for person_id, base in bases.items():
            assert person_id is not None
            events.member_changed(session, ctx, person_id, base)
        events.cards_changed(session, ctx, blocked)
        # After the new events: the earlier ones (own, waiting to be exported) lose the data.
        by = Eraser(ctx.node(), ctx.store_code, ctx.till, ctx.actor, now)
        erase_traces(session.connection(), people, by)
    # The old pages are still in the WAL: copied back (overwritten there) and cut to zero.
    ctx.db.wipe_old_copies()
    return EraseResult(
        member_id=member_id,
        blocked_cards=tuple(blocked),
        sales_kept=sales,
        ledger_entries_kept=entries,
        points_balance=balance,
    )
