"""Members merged in another shop: the same rows move here, by the same primitive as at a till.

Merges are applied before the rows that name members: a card or ledger row of the merged
member then goes to the kept one, as it would have had it arrived after the merge. Two merges
of the same members in opposite directions are for the owner to settle.
"""

from __future__ import annotations

from sqlalchemy import func, select, update

from app.store.merge import move_member_rows
from app.store.tables import LEDGER, MEMBER
from app.sync.apply.state import ApplyState, Event


def apply_merges(state: ApplyState, events: list[Event]) -> None:
    """Move the other member's rows to the kept one; the other stays as a tombstone."""
    conn = state.conn
    for event in events:
        data = event["data"]
        other = state.members.get(data["other"])
        keep_id = state.member_id(data["keep"])
        if other is None or keep_id is None:
            state.defer(event)
            continue
        state.take(event)
        if state.member_id(data["other"]) == keep_id and other.merged_into is not None:
            continue  # merged here already
        if keep_id == other.id or state.member_id(data["other"]) != other.id:
            state.conflict("merge_cycle", event, data["keep"], True, other=data["other"])
            continue
        move_member_rows(conn, other.id, keep_id)
        m = MEMBER.c
        conn.execute(
            update(MEMBER)
            .where(m.id == other.id)
            .values(status="merged", merged_into=keep_id, points_balance=0)
        )
        total = conn.execute(
            select(func.coalesce(func.sum(LEDGER.c.points), 0)).where(LEDGER.c.member_id == keep_id)
        ).scalar()
        conn.execute(update(MEMBER).where(m.id == keep_id).values(points_balance=total))
        other.merged_into = keep_id
        other.status = "merged"
        state.merged_into[other.id] = keep_id
        state.resolved.clear()
