"""What sync could not settle by itself, for the owner: described, listed, resolved."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from app.domain.errors import InvalidInput
from app.domain.text import check_text
from app.i18n import _, format_money, format_points, ngettext
from app.services.context import Context
from app.store.tables import SYNC_CONFLICT


@dataclass(frozen=True)
class ConflictLine:
    id: int
    kind: str
    member_uuid: str | None
    detail: dict[str, Any]
    needs_owner: bool
    created_at: datetime
    resolved_at: datetime | None
    resolution: str | None

    def summary(self, currency: str = "EUR") -> str:
        """What happened, in a sentence for the owner."""
        return describe_conflict(self.kind, self.detail, currency)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        data["resolved_at"] = self.resolved_at.isoformat() if self.resolved_at else None
        return data


def describe_conflict(kind: str, detail: dict[str, Any], currency: str = "EUR") -> str:
    """A conflict sync recorded, as a sentence (its kind and details from ``sync_conflict``)."""
    d = defaultdict(str, detail)
    if kind == "negative_balance":
        return ngettext(
            "{name}: the balance fell to {points} point after redemptions in two shops",
            "{name}: the balance fell to {points} points after redemptions in two shops",
            int(d["balance"] or 0),
        ).format(name=d["name"] or "?", points=format_points(int(d["balance"] or 0)))
    if kind == "coupon_overused":
        return _("Coupon {code} was used {uses} times, {limit} allowed").format(
            code=d["code"], uses=d["uses"], limit=d["limit"]
        )
    if kind == "coupon_code":
        return _("Coupon code {code} was created in two shops for two different coupons").format(
            code=d["code"]
        )
    if kind == "over_refund":
        return _("Sale {sale} was refunded {refunded} of {amount}").format(
            sale=str(d["sale"])[:8],
            refunded=format_money(int(d["refunded_cents"] or 0), currency),
            amount=format_money(int(d["amount_cents"] or 0), currency),
        )
    if kind == "card_collision":
        return _("Card {card} belongs to two different members").format(card=d["card"])
    if kind == "merge_cycle":
        return _("Two shops merged the same members in opposite directions")
    if kind == "bad_setting":
        return _("Another shop's setting {key} was refused: {reason}").format(
            key=d["key"], reason=d["reason"]
        )
    if kind == "unsafe_text":
        return _(
            "{name}: invisible or control characters from another shop were removed from: {fields}"
        ).format(name=d["name"] or "?", fields=", ".join(detail.get("fields") or ()))
    if kind == "bad_staff":
        return _(
            "Another shop's staff account {name} was refused: its PIN is not sealed with this "
            "chain's secret"
        ).format(name=d["name"] or "?")
    if kind == "staff_taken":
        return _(
            "Another shop's staff account {name} (badge {number}) was not added: the name or "
            "badge number is taken here"
        ).format(name=d["name"] or "?", number=d["number"])
    if kind == "profile_edit":
        lost = ", ".join(f"{k}: {v}" for k, v in (detail.get("lost_values") or {}).items())
        return _(
            "{name}: edited in two shops, store {store}'s edit kept; overwritten: {lost}"
        ).format(name=d["name"] or "?", store=d["kept_store"], lost=lost or "—")
    return f"{kind}: {json.dumps(detail, ensure_ascii=False)}"


def list_conflicts(ctx: Context, *, include_all: bool = False) -> list[ConflictLine]:
    """Open conflicts for the owner; with ``include_all`` also resolved ones and logged edits."""
    c = SYNC_CONFLICT.c
    query = select(
        c.id,
        c.kind,
        c.member_uuid,
        c.detail,
        c.needs_owner,
        c.created_at,
        c.resolved_at,
        c.resolution,
    ).order_by(c.id)
    if not include_all:
        query = query.where(c.needs_owner.is_(True), c.resolved_at.is_(None))
    with ctx.db.reading() as session:
        return [
            ConflictLine(
                id=row.id,
                kind=row.kind,
                member_uuid=row.member_uuid,
                detail=json.loads(row.detail),
                needs_owner=row.needs_owner,
                created_at=row.created_at,
                resolved_at=row.resolved_at,
                resolution=row.resolution,
            )
            for row in session.connection().execute(query)
        ]


def resolve_conflict(ctx: Context, conflict_id: int, note: str) -> None:
    """Mark a conflict as dealt with (after fixing the balance, the card …), with a note."""
    note = " ".join(check_text(note or "", _("The note")).split())
    if not note:
        raise InvalidInput(_("Say how the conflict was resolved: a note is required"))
    c = SYNC_CONFLICT.c
    with ctx.db.transaction() as session:
        conn = session.connection()
        row = (
            conn.execute(select(c.resolved_at).where(c.id == conflict_id)).first()
            if 0 < conflict_id < 2**63
            else None
        )
        if row is None:
            raise InvalidInput(_("There is no conflict number {id}").format(id=conflict_id))
        if row.resolved_at is not None:
            raise InvalidInput(_("Conflict {id} is already resolved").format(id=conflict_id))
        conn.execute(
            update(SYNC_CONFLICT)
            .where(c.id == conflict_id)
            .values(resolved_at=ctx.now(), resolved_by=ctx.actor, resolution=note)
        )
