"""Stamp cards from other shops: programs started or ended, stamps given (with a sale or not)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from app.domain.text import clean_text
from app.store.tables import STAMP, STAMP_PROGRAM
from app.sync.apply.state import ApplyState, Event, chunks, time_of


def apply_programs(state: ApplyState, events: list[Event]) -> None:
    """Insert new stamp programs; a known one only ever ends."""
    p = STAMP_PROGRAM.c
    for event in events:
        state.take(event)
        data = event["data"]
        state.load_ids(STAMP_PROGRAM, state.programs, [data["uuid"]])
        if data["uuid"] not in state.programs:
            state.conn.execute(
                insert(STAMP_PROGRAM).values(
                    **data
                    | {
                        # Refused when typed; only an older version or a hand-made file has them.
                        "name": clean_text(str(data["name"])),
                        "reward": clean_text(str(data["reward"])),
                        "created_at": time_of(data["created_at"]),
                        "removed_at": time_of(data.get("removed_at")),
                    }
                )
            )
            state.load_ids(STAMP_PROGRAM, state.programs, [data["uuid"]])
        elif not data["active"]:  # a program only ever ends
            state.conn.execute(
                update(STAMP_PROGRAM)
                .where(p.uuid == data["uuid"], p.active.is_(True))
                .values(active=False, removed_at=time_of(data.get("removed_at")))
            )


def apply_stamps(state: ApplyState, events: list[Event]) -> None:
    """Stamps given outside a sale, once their member and program are here."""
    rows: list[tuple[dict[str, Any], int | None]] = []
    for event in events:
        stamps = event["data"]["stamps"]
        if any(
            state.member_id(s["member"]) is None or s["program"] not in state.programs
            for s in stamps
        ):
            state.defer(event)
            continue
        state.take(event)
        rows.extend((stamp, None) for stamp in stamps)
    insert_stamps(state, rows)


def insert_stamps(state: ApplyState, rows: list[tuple[dict[str, Any], int | None]]) -> None:
    """Insert the stamps (each with its sale's local id, or None) that are not here yet."""
    if not rows:
        return
    known: set[str] = set()
    for part in chunks([stamp["uuid"] for stamp, _sale in rows]):
        known.update(
            state.conn.execute(select(STAMP.c.uuid).where(STAMP.c.uuid.in_(part))).scalars()
        )
    new = [
        {
            **{k: v for k, v in stamp.items() if k not in ("member", "program")},
            "member_id": state.member_id(stamp["member"]),
            "program_id": state.programs[stamp["program"]],
            "sale_id": sale_id,
            "created_at": time_of(stamp["created_at"]),
        }
        for stamp, sale_id in rows
        if stamp["uuid"] not in known
    ]
    if new:
        state.conn.execute(insert(STAMP), new)
