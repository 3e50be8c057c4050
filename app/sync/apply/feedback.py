"""Feedback from other shops: scores (with their comment) and comments added afterwards.

An answer of a member erased here arrives without the link and the comment: erasure wins.
"""

from __future__ import annotations

from sqlalchemy import insert, select, update

from app.domain.text import clean_text
from app.store.tables import FEEDBACK, SALE
from app.sync.apply.state import ApplyState, Event, chunks, time_of


def _erased(state: ApplyState, member_uuid: str | None) -> bool:
    known = state.members.get(member_uuid or "")
    return known is not None and known.status == "erased"


def apply_feedback(state: ApplyState, events: list[Event]) -> None:
    """Insert answers not here yet, once their member is here (an anonymous one at once)."""
    state.load_members(e["data"]["member"] for e in events if e["data"].get("member"))
    state.load_ids(SALE, state.sales, [e["data"].get("sale") for e in events])
    uuids = [e["data"]["uuid"] for e in events]
    known: set[str] = set()
    for part in chunks(uuids):
        known.update(
            state.conn.execute(select(FEEDBACK.c.uuid).where(FEEDBACK.c.uuid.in_(part))).scalars()
        )
    rows = []
    for event in events:
        data = event["data"]
        member = data.get("member")
        member_id = state.member_id(member)
        if member is not None and member_id is None:
            state.defer(event)
            continue
        state.take(event)
        if data["uuid"] in known:
            continue
        known.add(data["uuid"])
        erased = _erased(state, member)
        comment = clean_text(str(data.get("comment") or ""), multiline=True)
        rows.append(
            {
                "uuid": data["uuid"],
                "member_id": None if erased else member_id,
                "sale_id": state.sales.get(data.get("sale") or ""),
                "score": max(0, min(10, int(data["score"]))),
                "comment": "" if erased else comment,
                "store_code": str(data["store_code"]),
                "till": int(data["till"]),
                "actor": str(data.get("actor") or ""),
                "created_at": time_of(data["created_at"]),
            }
        )
    if rows:
        state.conn.execute(insert(FEEDBACK), rows)


def apply_comments(state: ApplyState, events: list[Event]) -> None:
    """A comment added to an answer: written once the answer is here, never to an erased one."""
    for event in events:
        data = event["data"]
        row = state.conn.execute(
            select(FEEDBACK.c.member_id).where(FEEDBACK.c.uuid == data["uuid"])
        ).first()
        if row is None:
            state.defer(event)
            continue
        state.take(event)
        if row.member_id is not None and not _erased(state, data.get("member")):
            state.conn.execute(
                update(FEEDBACK)
                .where(FEEDBACK.c.uuid == data["uuid"])
                .values(comment=clean_text(str(data.get("comment") or ""), multiline=True))
            )
