"""Feedback at the till and its figures: scores, comments, NPS and the detractors to call back.

A score is written at once (the next customer never waits for a comment); a comment follows
as its own small change. Both travel through chain sync (events ``feedback`` and
``feedback_comment``). Erasure clears the comment and the link to the person; the score
stays, anonymous (``app/store/feedback.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, case, func, insert, select, update

from app.domain import feedback as fb
from app.domain.errors import InvalidInput
from app.domain.report import Period, day_start
from app.i18n import _
from app.services.context import Context
from app.services.member_desk import member_id_for_card
from app.store.models import new_uuid
from app.store.tables import CARD, FEEDBACK, MEMBER, SALE
from app.sync import events


@dataclass(frozen=True)
class FeedbackView:
    """One answer as recorded."""

    uuid: str
    card: str
    score: int
    comment: str
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "uuid": self.uuid,
            "card": self.card,
            "score": self.score,
            "comment": self.comment,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class LastFeedback:
    """The member's latest score, for the member panel."""

    score: int
    created_at: datetime


@dataclass(frozen=True)
class Detractor:
    """A detractor's answer of the period: who to call back, and what they said."""

    card: str
    name: str
    phone: str
    score: int
    comment: str
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "card": self.card,
            "name": self.name,
            "phone": self.phone,
            "score": self.score,
            "comment": self.comment,
            "created_at": self.created_at.isoformat(),
        }


def _member_uuid(conn: Connection, member_id: int) -> str:
    return str(conn.execute(select(MEMBER.c.uuid).where(MEMBER.c.id == member_id)).scalar_one())


def record_feedback(
    ctx: Context,
    card: str,
    score: int | str,
    comment: str | None = None,
    *,
    sale_id: int | None = None,
) -> FeedbackView:
    """Record a customer's score (0–10) and optional comment for the member of ``card``."""
    value = fb.parse_score(score)
    text = fb.parse_comment(comment)
    member_id = member_id_for_card(ctx, card)
    now = ctx.now()
    uuid = new_uuid()
    with ctx.db.transaction() as session:
        conn = session.connection()
        sale_uuid = None
        if sale_id is not None:
            sale_uuid = conn.execute(
                select(SALE.c.uuid).where(SALE.c.id == sale_id, SALE.c.member_id == member_id)
            ).scalar()
            if sale_uuid is None:
                raise InvalidInput(_("Sale {id} is not this member's").format(id=sale_id))
        conn.execute(
            insert(FEEDBACK).values(
                uuid=uuid,
                member_id=member_id,
                sale_id=sale_id,
                score=value,
                comment=text,
                store_code=ctx.store_code,
                till=ctx.till,
                actor=ctx.actor,
                created_at=now,
            )
        )
        events.emit(
            session,
            ctx,
            "feedback",
            {
                "uuid": uuid,
                "member": _member_uuid(conn, member_id),
                "sale": sale_uuid,
                "score": value,
                "comment": text,
                "store_code": ctx.store_code,
                "till": ctx.till,
                "actor": ctx.actor,
                "created_at": now.isoformat(),
            },
        )
    return FeedbackView(uuid, card, value, text, now)


def add_comment(ctx: Context, view: FeedbackView, comment: str) -> FeedbackView:
    """Add the customer's comment to an answer recorded a moment ago."""
    text = fb.parse_comment(comment)
    with ctx.db.transaction() as session:
        conn = session.connection()
        member_id = conn.execute(
            select(FEEDBACK.c.member_id).where(FEEDBACK.c.uuid == view.uuid)
        ).scalar()
        if member_id is None:
            raise InvalidInput(_("This answer is no longer linked to a member"))
        conn.execute(update(FEEDBACK).where(FEEDBACK.c.uuid == view.uuid).values(comment=text))
        events.emit(
            session,
            ctx,
            "feedback_comment",
            {"uuid": view.uuid, "member": _member_uuid(conn, member_id), "comment": text},
        )
    return FeedbackView(view.uuid, view.card, view.score, text, view.created_at)


def last_feedback(conn: Connection, member_id: int) -> LastFeedback | None:
    """The member's latest score, or None."""
    row = conn.execute(
        select(FEEDBACK.c.score, FEEDBACK.c.created_at)
        .where(FEEDBACK.c.member_id == member_id)
        .order_by(FEEDBACK.c.created_at.desc(), FEEDBACK.c.id.desc())
        .limit(1)
    ).first()
    return LastFeedback(int(row.score), row.created_at) if row is not None else None


def nps_figures(
    conn: Connection, start: datetime, end: datetime, store: str | None = None
) -> dict[str, int | None]:
    """``nps`` and ``nps_responses`` of the answers given from ``start`` to before ``end``."""
    s = FEEDBACK.c.score
    where = [FEEDBACK.c.created_at >= start, FEEDBACK.c.created_at < end]
    if store is not None:
        where.append(FEEDBACK.c.store_code == store)
    row = conn.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((s >= fb.PROMOTER_FROM, 1), else_=0)), 0),
            func.coalesce(func.sum(case((s <= fb.DETRACTOR_UP_TO, 1), else_=0)), 0),
        ).where(*where)
    ).one()
    responses, promoters, detractors = (int(v) for v in row)
    return {"nps": fb.nps(promoters, detractors, responses), "nps_responses": responses}


def detractors(ctx: Context, period: Period) -> list[Detractor]:
    """The period's detractors (0–6) who can still be called back, newest first."""
    zone = ctx.program().timezone
    start = day_start(period.start, zone)
    end = day_start(period.end + timedelta(days=1), zone)
    card = (
        select(func.min(CARD.c.number))
        .where(CARD.c.member_id == FEEDBACK.c.member_id, CARD.c.status == "active")
        .scalar_subquery()
    )
    query = (
        select(
            card,
            MEMBER.c.first_name,
            MEMBER.c.last_name,
            MEMBER.c.phone,
            FEEDBACK.c.score,
            FEEDBACK.c.comment,
            FEEDBACK.c.created_at,
        )
        .join(MEMBER, MEMBER.c.id == FEEDBACK.c.member_id)
        .where(
            FEEDBACK.c.created_at >= start,
            FEEDBACK.c.created_at < end,
            FEEDBACK.c.score <= fb.DETRACTOR_UP_TO,
        )
        .order_by(FEEDBACK.c.created_at.desc(), FEEDBACK.c.id.desc())
    )
    with ctx.db.reading() as session:
        rows = session.connection().execute(query).all()
    return [
        Detractor(
            card=number or "",
            name=f"{first} {last}".strip(),
            phone=phone or "",
            score=int(score),
            comment=comment,
            created_at=at,
        )
        for number, first, last, phone, score, comment, at in rows
    ]
