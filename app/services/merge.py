"""Merging two members who turn out to be the same person."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlmodel import col, select

from app.domain.cards import validate_card_number
from app.domain.errors import InvalidInput, LoyaltyError
from app.i18n import _
from app.services.audit import record
from app.services.context import Context
from app.services.member_desk import apply_search_keys, load_member, member_id_for_card
from app.store.errors import DatabaseConflict
from app.store.merge import move_member_rows
from app.store.models import Card, Member
from app.sync import events

# Blank fields of the kept member are filled from the other one.
_FILLABLE = ("salutation", "email", "phone", "birthday", "postcode", "tier")


class MergeRefused(LoyaltyError):
    """The two members cannot be merged."""


@dataclass(frozen=True)
class MergeResult:
    """What a merge did."""

    kept_member_id: int
    kept_card: str
    merged_member_id: int
    blocked_cards: tuple[str, ...]
    points_moved: int
    points_balance: int
    rows_moved: dict[str, int]
    filled_fields: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["blocked_cards"] = list(self.blocked_cards)
        data["filled_fields"] = list(self.filled_fields)
        return data


def merge_members(ctx: Context, keep_card: str, other_card: str) -> MergeResult:
    """Merge the member of ``other_card`` into the member of ``keep_card``.

    Sales, ledger rows and cards (and every other row that points at the other member) move
    to the kept member, so both balances stay equal to their ledger sums; the other member's
    active cards are blocked with ``replaced_by`` set to the kept card; the other member stays
    as a tombstone (status ``merged``, ``merged_into``). Blank profile fields of the kept
    member are filled from the other one; notes are joined. Marketing consent stays as the
    kept member has it: a consent given once on the other card may since have been withdrawn.
    """
    keep_number = validate_card_number(keep_card)
    other_number = validate_card_number(other_card)
    if keep_number == other_number:
        raise InvalidInput(_("Give two different cards to merge"))
    keep_id = member_id_for_card(ctx, keep_number)
    other_id = member_id_for_card(ctx, other_number)
    if keep_id == other_id:
        raise MergeRefused(_("Both cards belong to the same member"))
    now = ctx.now()
    region = str(ctx.settings()["shop.phone_region"])
    try:
        with ctx.db.transaction() as session:
            # Lock in id order so two concurrent merges cannot deadlock (PostgreSQL).
            first, second = sorted((keep_id, other_id))
            loaded = {first: load_member(session, first), second: load_member(session, second)}
            keep, other = loaded[keep_id], loaded[other_id]
            for m in (keep, other):
                if m.status != "active":
                    raise MergeRefused(
                        _("Member {id} was merged or erased and cannot be merged").format(id=m.id)
                    )
            bases = {m.id: events.member_base(m) for m in (keep, other)}
            blocked: list[str] = []
            for card in session.exec(select(Card).where(Card.member_id == other_id)).all():
                if card.status == "active":
                    card.status = "blocked"
                    card.blocked_at = now
                    card.replaced_by = keep_number
                    blocked.append(card.number)
                    session.add(card)
            session.flush()
            moved = move_member_rows(session.connection(), other_id, keep_id)
            filled = []
            for key in _FILLABLE:
                if not getattr(keep, key) and getattr(other, key):
                    setattr(keep, key, getattr(other, key))
                    filled.append(key)
            if other.notes and other.notes not in keep.notes:
                keep.notes = "\n".join(n for n in (keep.notes, other.notes) if n)[:2000]
                filled.append("notes")
            if other.created_at < keep.created_at:
                keep.created_at = other.created_at
            if other.last_visit_at and (
                keep.last_visit_at is None or other.last_visit_at > keep.last_visit_at
            ):
                keep.last_visit_at = other.last_visit_at
            points = other.points_balance
            keep.points_balance += points
            keep.updated_at = now
            keep.updated_store = ctx.store_code
            apply_search_keys(keep, region)
            other.points_balance = 0
            other.status = "merged"
            other.merged_into = keep_id
            other.updated_at = now
            other.updated_store = ctx.store_code
            session.add(keep)
            session.add(other)
            record(
                session,
                ctx,
                "member.merge",
                "member",
                keep_id,
                merged_member=other_id,
                kept_card=keep_number,
                blocked_cards=blocked,
                points_moved=points,
                rows_moved=moved,
                filled_fields=filled,
            )
            balance = keep.points_balance
            session.flush()
            events.member_changed(session, ctx, keep_id, bases[keep_id])
            events.member_changed(session, ctx, other_id, bases[other_id])
            events.cards_changed(session, ctx, blocked)
            events.members_merged(session, ctx, keep_id, other_id)
    except DatabaseConflict:
        raise MergeRefused(
            _("These two members cannot be merged: their records conflict")
        ) from None
    return MergeResult(
        kept_member_id=keep_id,
        kept_card=keep_number,
        merged_member_id=other_id,
        blocked_cards=tuple(blocked),
        points_moved=points,
        points_balance=balance,
        rows_moved=moved,
        filled_fields=tuple(filled),
    )


def merged_members(ctx: Context, member_id: int) -> list[int]:
    """The ids of the members that were merged into this one."""
    with ctx.db.reading() as session:
        return list(
            session.exec(select(Member.id).where(col(Member.merged_into) == member_id)).all()  # type: ignore[arg-type]
        )
