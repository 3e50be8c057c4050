"""Manual points adjustments by the owner, always with a reason."""

from __future__ import annotations

from app.domain.errors import InvalidInput, NotEnoughPoints
from app.domain.text import check_text
from app.i18n import _, format_points
from app.services.audit import record
from app.services.context import Context
from app.services.members import lock_member_by_card
from app.services.views import AdjustResult
from app.store.models import LedgerEntry
from app.sync import events

MAX_ADJUSTMENT = 100_000_000


def adjust_points(ctx: Context, card: str, points: int, reason: str) -> AdjustResult:
    """Add (positive) or remove (negative) points; the balance never goes below zero."""
    reason = " ".join(check_text(reason or "", _("The reason")).split())
    if points == 0:
        raise InvalidInput(_("Give the number of points to add (e.g. 50) or remove (e.g. -50)"))
    if abs(points) > MAX_ADJUSTMENT:
        # Same bound as typed points; beyond SQLite's 64-bit integers it would be a traceback.
        raise InvalidInput(_("That is far too many points"))
    if not reason:
        raise InvalidInput(_("A reason is required for a manual adjustment"))
    if len(reason) > 200:
        raise InvalidInput(_("The reason is too long (at most 200 characters)"))
    now = ctx.now()
    with ctx.db.transaction() as session:
        member, number = lock_member_by_card(session, card)
        if member.points_balance + points < 0:
            raise NotEnoughPoints(
                _("Cannot remove {points} points: the balance is {balance}").format(
                    points=format_points(-points), balance=format_points(member.points_balance)
                )
            )
        entry = LedgerEntry(
            member_id=member.id,  # type: ignore[arg-type]
            points=points,
            kind="adjustment",
            reason=reason,
            actor=ctx.actor,
            store_code=ctx.store_code,
            till=ctx.till,
            created_at=now,
        )
        session.add(entry)
        member.points_balance += points
        session.add(member)
        record(session, ctx, "points.adjust", "member", member.id, points=points, reason=reason)
        session.flush()
        assert entry.id is not None
        events.points_changed(session, ctx, [entry.id])
        balance = member.points_balance
    return AdjustResult(card=number, points=points, reason=reason, points_balance=balance)
