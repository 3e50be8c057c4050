"""Feedback rows of an erased member: the score stays, the comment and the link go."""

from __future__ import annotations

import json

from sqlalchemy import Connection, update

from app.store.tables import FEEDBACK, SYNC_EVENT


def anonymise_feedback(conn: Connection, member_id: int, member_uuid: str) -> None:
    """Clear the member's link and comments in ``feedback`` and in this shop's own events.

    The events keep their score (another shop that has not imported them yet still counts it)
    but no longer name the member or carry the comment.
    """
    conn.execute(
        update(FEEDBACK).where(FEEDBACK.c.member_id == member_id).values(member_id=None, comment="")
    )
    e = SYNC_EVENT.c
    rows = conn.execute(
        SYNC_EVENT.select()
        .with_only_columns(e.id, e.payload)
        .where(
            e.kind.in_(("feedback", "feedback_comment")),
            e.payload.contains(member_uuid),
        )
    ).all()
    for row_id, payload in rows:
        data = json.loads(payload)
        data["member"] = None
        data["comment"] = ""
        conn.execute(
            update(SYNC_EVENT)
            .where(e.id == row_id)
            .values(payload=json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        )
