"""Members and cards from other shops.

A profile is last-writer-wins on (``updated_at``, ``updated_store``); when two shops edited the
same member without seeing each other's edit, the losing values are logged as a conflict. An
erasure always wins: erased data never comes back from an older copy. A card only ever moves
from active to blocked/replaced, never back.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import select, update

from app.domain.profile import Profile, search_keys
from app.domain.text import clean_text, unsafe_character
from app.store.bulk import execute_many, insert_records
from app.store.erasure import erase_traces, eraser_here
from app.store.tables import CARD, MEMBER
from app.sync.apply.state import (
    ApplyState,
    Event,
    chunks,
    day_of,
    time_of,
    version_key,
    version_of,
)
from app.sync.events import MEMBER_FIELDS, plain

_PROFILE_FIELDS = tuple(f for f in MEMBER_FIELDS if f not in ("uuid", "updated_store"))
_CARD_RANK = {"active": 0, "blocked": 1, "replaced": 2}
# The member's texts that a form or a member file checks with app.domain.text's rule.
_TEXT_FIELDS = ("first_name", "last_name", "salutation", "email", "phone", "postcode", "notes")


def apply_members(state: ApplyState, events: list[Event]) -> None:
    """New members are inserted (the latest version of each); known ones are updated."""
    new: dict[str, dict[str, Any]] = {}
    for event in events:
        data = _clean_texts(state, event)
        uuid = data["uuid"]
        if uuid in state.members:
            _update_profile(state, event)
        elif uuid not in new or version_of(data) > version_of(new[uuid]):
            new[uuid] = data
    if new:
        insert_records(state.conn, MEMBER, [_member_row(state, d) for d in new.values()])
        state.load_members(new)
        erased = [(state.members[u].id, u) for u, d in new.items() if d.get("status") == "erased"]
        if erased:
            # Events that waited for this member (feedback) may carry what was erased.
            erase_traces(state.conn, erased, eraser_here(state.conn))
            state.out.erasures += len(erased)
        # A referrer enrolled in the same file has its id only now.
        execute_many(
            state.conn,
            "UPDATE member SET referred_by = ? WHERE id = ?",
            [
                (state.member_id(d["referred_by"]), state.members[u].id)
                for u, d in new.items()
                if d.get("referred_by") and state.member_id(d["referred_by"])
            ],
        )
    state.out.applied.extend(events)


def _clean_texts(state: ApplyState, event: Event) -> dict[str, Any]:
    """The event's member with control, bidi and zero-width characters removed from its texts.

    Another shop's forms refuse them, so they come only from an older version or a file made
    by hand. The member is cleaned rather than refused: refusing would hold back every card,
    sale and point of that member after it, and the shops' balances would part. The removal
    is logged as a conflict (``sync conflicts --all``) naming the member and the fields.
    """
    data = event["data"]
    fields = [
        key
        for key in _TEXT_FIELDS
        if isinstance(data.get(key), str)
        and unsafe_character(data[key], multiline=key == "notes") is not None
    ]
    if not fields:
        return data
    data = {
        **data,
        **{key: clean_text(data[key], multiline=key == "notes") for key in fields},
    }
    event["data"] = data
    state.conflict(
        "unsafe_text",
        event,
        data["uuid"],
        False,
        name=f"{data.get('first_name') or ''} {data.get('last_name') or ''}".strip(),
        fields=fields,
    )
    return data


def _member_row(state: ApplyState, data: dict[str, Any]) -> dict[str, Any]:
    row = _profile_values(state, data)
    row.update(uuid=data["uuid"], points_balance=0, home_store=data.get("home_store") or "")
    return row


def _profile_values(state: ApplyState, data: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {k: data.get(k) for k in _PROFILE_FIELDS}
    for key in ("consent_at", "created_at", "updated_at"):
        values[key] = time_of(values[key])
    values["birthday"] = day_of(values["birthday"])
    values["notes"] = values["notes"] or ""
    values["salutation"] = values["salutation"] or ""
    values["marketing_consent"] = bool(values["marketing_consent"])
    values["updated_store"] = data.get("updated_store") or ""
    values.pop("home_store")
    # Who referred the member, by UUID in the file, by this shop's id here.
    values["referred_by"] = state.member_id(data.get("referred_by"))
    keys = search_keys(
        Profile(
            first_name=values["first_name"] or "",
            last_name=values["last_name"] or "",
            email=values["email"],
            phone=values["phone"],
        ),
        state.region,
    )
    values.update(asdict(keys))
    return values


def _update_profile(state: ApplyState, event: Event) -> None:
    data = event["data"]
    local = state.members[data["uuid"]]
    if local.status == "erased":
        return  # erased here: nothing personal comes back, whatever its time
    incoming = version_of(data)
    current = (local.updated_at, local.updated_store)
    base = data.get("base") or {}
    concurrent = (time_of(base.get("updated_at")), base.get("store", "")) != current
    wins = data.get("status") == "erased" or incoming > version_key(current)
    m = MEMBER.c
    before: dict[str, Any] = {}
    if concurrent or wins:
        row = state.conn.execute(
            select(*[m[k] for k in _PROFILE_FIELDS]).where(m.id == local.id)
        ).one()
        before = {k: plain(v) for k, v in row._mapping.items()}
    if wins:
        values = _profile_values(state, data)
        # The member's state (merged, erased) follows its own events; a profile snapshot
        # never revives a merged member.
        if local.status == "merged":
            values["status"] = "merged"
        state.conn.execute(update(MEMBER).where(m.id == local.id).values(values))
        local.updated_at, local.updated_store = values["updated_at"], values["updated_store"]
        local.status = values["status"]
        if local.status == "erased":
            # Every other copy of the person's data goes here too: feedback comments, audit
            # values, conflicts, waiting events (the score and the accounts stay).
            erase_traces(state.conn, [(local.id, data["uuid"])], eraser_here(state.conn))
            state.out.erasures += 1
    if concurrent and data.get("status") != "erased":
        theirs = {k: data.get(k) for k in _PROFILE_FIELDS if k not in ("updated_at",)}
        ours = {k: before[k] for k in theirs}
        lost_side, kept_store = (ours, data.get("updated_store")) if wins else (theirs, current[1])
        other = theirs if lost_side is ours else ours
        lost = {
            k: v
            for k, v in lost_side.items()
            if v != other[k] and k not in ("created_at", "status")
        }
        if lost:
            state.conflict(
                "profile_edit",
                event,
                data["uuid"],
                False,
                name=f"{before['first_name']} {before['last_name']}".strip(),
                kept_store=kept_store,
                lost_values=lost,
            )


def apply_cards(state: ApplyState, events: list[Event]) -> None:
    """New cards are inserted; a known card only moves on (blocked, replaced, printed)."""
    c = CARD.c
    numbers = sorted({e["data"]["number"] for e in events})
    existing: dict[str, dict[str, Any]] = {}
    for part in chunks(numbers):
        for row in state.conn.execute(
            select(c.number, c.member_id, c.status, c.printed_at, c.blocked_at).where(
                c.number.in_(part)
            )
        ):
            existing[row.number] = dict(row._mapping)
    new: dict[str, dict[str, Any]] = {}
    for event in events:
        data = event["data"]
        member_id = state.member_id(data["member"])
        if member_id is None:
            state.defer(event)
            continue
        state.take(event)
        number = data["number"]
        card = {
            "number": number,
            "member_id": member_id,
            "status": data["status"],
            "issued_at": time_of(data["issued_at"]),
            "printed_at": time_of(data.get("printed_at")),
            "blocked_at": time_of(data.get("blocked_at")),
            "replaced_by": data.get("replaced_by"),
        }
        if number in new:
            new[number] = _later_card(new[number], card)
        elif number not in existing:
            new[number] = card
        else:
            _update_card(state, event, existing[number], card)
    if new:
        insert_records(state.conn, CARD, list(new.values()))


def _update_card(
    state: ApplyState, event: Event, local: dict[str, Any], card: dict[str, Any]
) -> None:
    if state.resolve_id(local["member_id"]) != card["member_id"]:
        # One number on two members: two shops issued it (same store code?) — the owner
        # must decide whose card it is.
        state.conflict("card_collision", event, event["data"]["member"], True, card=card["number"])
        return
    values: dict[str, Any] = {}
    if _CARD_RANK.get(card["status"], 0) > _CARD_RANK.get(local["status"], 0):
        values.update(
            status=card["status"],
            blocked_at=card["blocked_at"],
            replaced_by=card["replaced_by"],
        )
    if card["printed_at"] and (
        local["printed_at"] is None or card["printed_at"] > local["printed_at"]
    ):
        values["printed_at"] = card["printed_at"]
    if values:
        state.conn.execute(update(CARD).where(CARD.c.number == card["number"]).values(values))
        local.update(values)


def _later_card(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Two states of one new card in one file: the further one, printed at the latest."""
    later = b if _CARD_RANK.get(b["status"], 0) > _CARD_RANK.get(a["status"], 0) else a
    printed = [p for p in (a["printed_at"], b["printed_at"]) if p]
    return {**later, "printed_at": max(printed) if printed else None}
