"""Staff accounts from other shops, so a manager signs in in every shop of the chain.

The later version of an account wins (``updated_at``, then the store code), as for profiles.
The PIN hash arrives sealed with the chain secret (``app.sync.sealing``); an account whose
hash does not open, or whose name or badge number is taken here by another account, is left
to the owner as a conflict. The lock-out is each shop's own and never travels.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from app.domain.roles import Role, staff_name_key
from app.domain.text import clean_text
from app.store.tables import STAFF
from app.sync.apply.state import ApplyState, Event, time_of, version_key
from app.sync.sealing import SEALED, unseal

_S = STAFF.c
NAME_MAX = 40


def _fields(state: ApplyState, data: dict[str, Any]) -> dict[str, Any] | None:
    """The account's columns from an event, or None when they cannot be trusted."""
    pin_hash = (
        unseal(state.secret, str(data["uuid"]), str(data.get(SEALED) or ""))
        if state.secret
        else None
    )
    name = " ".join(clean_text(str(data.get("name") or "")).split())[:NAME_MAX]
    role = str(data.get("role") or "")
    if (
        pin_hash is None
        or not pin_hash.startswith("$argon2id$")
        or len(pin_hash) > 200
        or not name
        or role not in set(Role)
    ):
        return None
    return {
        "name": name,
        "name_key": staff_name_key(name),
        "role": role,
        "pin_hash": pin_hash,
        "active": bool(data.get("active")),
        "number": int(data["number"]),
        "updated_at": time_of(data.get("updated_at")),
        "updated_store": str(data.get("updated_store") or "")[:3],
    }


def apply_staff(state: ApplyState, events: list[Event]) -> None:
    """Insert accounts new here, update those whose event is newer than the stored version."""
    for event in events:
        data = event["data"]
        state.take(event)
        fields = _fields(state, data)
        if fields is None:
            state.conflict("bad_staff", event, None, True, name=str(data.get("name"))[:40])
            continue
        here = state.conn.execute(
            select(_S.id, _S.updated_at, _S.updated_store).where(_S.uuid == data["uuid"])
        ).first()
        if here is not None:
            ours = version_key((state.values.read_time(here.updated_at), here.updated_store))
            theirs = version_key((fields["updated_at"], fields["updated_store"]))
            # Equal versions: two changes of one shop in the same instant, in the file's order.
            if theirs >= ours and _free(state, event, fields, here.id):
                state.conn.execute(update(STAFF).where(_S.id == here.id).values(**fields))
            continue
        if _free(state, event, fields, None):
            state.conn.execute(
                insert(STAFF).values(
                    uuid=data["uuid"],
                    failures=0,
                    locks=0,
                    locked_until=None,
                    created_at=time_of(data.get("created_at")) or fields["updated_at"],
                    **fields,
                )
            )


def _free(state: ApplyState, event: Event, fields: dict[str, Any], own: int | None) -> bool:
    """Whether no other account here has the name or the badge number (else a conflict)."""
    other = state.conn.execute(
        select(_S.id).where(
            (_S.name_key == fields["name_key"]) | (_S.number == fields["number"]),
            _S.id != (own or 0),
        )
    ).first()
    if other is None:
        return True
    state.conflict("staff_taken", event, None, True, name=fields["name"], number=fields["number"])
    return False
