"""What an erasure clears besides the member row: every other copy of the person's data.

The same clean-up runs in the shop that erased the member and in every shop that imports the
erasure: feedback comments, the values of profile edits in the audit log, the profiles in this
shop's own sync events (kept to export, or kept whole while they wait for a reference) and the
names and lost values in sync conflicts. With ``secure_delete`` (see ``database``) the old
bytes are overwritten in the file; :func:`wipe_old_copies` then empties the WAL.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from app.domain.audit_chain import REDACT_ACTION
from app.store.audit_log import NewEntry, append, redact
from app.store.feedback import anonymise_feedback
from app.store.settings import DEFAULTS, read_node_id, read_setting
from app.store.tables import AUDIT, SYNC_CONFLICT, SYNC_EVENT

# Member columns that hold personal data and what erasure leaves in them.
ERASED_VALUES: dict[str, Any] = {
    "salutation": "",
    "first_name": "",
    "last_name": "",
    "email": None,
    "phone": None,
    "birthday": None,
    "postcode": None,
    "marketing_consent": False,
    "consent_at": None,
    "notes": "",
    "tier": None,
    "first_key": "",
    "last_key": "",
    "email_key": None,
    "phone_national": None,
    "phone_international": None,
    "first_alt": None,
    "last_alt": None,
    "email_domain": None,
    "phone_reversed": None,
}
# Keys of a sync conflict's detail that hold a person's data.
_CONFLICT_PERSONAL = ("name", "lost_values", "theirs", "ours")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Eraser:
    """Who clears the traces: the audit trail's redaction row is theirs (node, store, till)."""

    node: str
    store_code: str
    till: int
    actor: str
    at: datetime


def eraser_here(conn: Connection, actor: str = "sync") -> Eraser:
    """This database as the eraser (a sync import applying another shop's erasure: till 0)."""
    store = read_setting(conn, "shop.store_code")
    return Eraser(
        node=read_node_id(conn),
        store_code=str(store.value) if store is not None else DEFAULTS["shop.store_code"][0],
        till=0,
        actor=actor,
        at=datetime.now(UTC),
    )


def erase_traces(conn: Connection, people: Sequence[tuple[int, str]], by: Eraser) -> None:
    """Clear every copy of the personal data of ``people`` (local id, uuid) but the member row."""
    if not people:
        return
    ids = [member_id for member_id, _uuid in people]
    uuids = [uuid for _id, uuid in people]
    for member_id, uuid in people:
        anonymise_feedback(conn, member_id, uuid)
    _scrub_audit(conn, ids, by)
    _scrub_member_events(conn, uuids)
    _scrub_conflicts(conn, uuids)


def _scrub_audit(conn: Connection, member_ids: list[int], by: Eraser) -> None:
    """Profile edits record old and new values: keep which fields changed, drop the values.

    The trail is append-only and chained: the new details go in through a redaction, itself a
    chained row naming each row it changed, so ``loyalty check`` still verifies.
    """
    a = AUDIT.c
    rows = conn.execute(
        select(a.id, a.detail).where(
            or_(
                a.member_id.in_(member_ids),
                and_(a.entity == "member", a.entity_id.in_([str(i) for i in member_ids])),
            )
        )
    ).all()
    scrubbed: dict[int, dict[str, object]] = {}
    for row_id, detail_text in rows:
        detail = json.loads(detail_text or "{}")
        if isinstance(detail.get("changes"), dict):
            detail["changes"] = sorted(detail["changes"])
            scrubbed[row_id] = detail
    if not scrubbed:
        return
    digests = redact(conn, scrubbed)
    append(
        conn,
        NewEntry(
            at=by.at,
            actor=by.actor,
            approver=None,
            action=REDACT_ACTION,
            entity="audit_entry",
            entity_id=str(min(digests)),
            member_id=None,
            node=by.node,
            store_code=by.store_code,
            till=by.till,
            detail={"rows": {str(row_id): d for row_id, d in sorted(digests.items())}},
        ),
    )


def _blank_profile(data: Any, uuids: set[str]) -> bool:
    """Blank the personal fields of a member event's data in place; True if it was one."""
    if not isinstance(data, dict) or data.get("uuid") not in uuids:
        return False
    for key, value in ERASED_VALUES.items():
        if key in data:
            data[key] = value
    return True


def _scrub_member_events(conn: Connection, uuids: list[str]) -> None:
    """The profiles in this shop's events: its own (the payload is the data) and deferred ones.

    An own event not exported yet keeps its place and now carries the erased profile, so the
    other shops still learn of the member and of the erasure, but never of the data.
    """
    e = SYNC_EVENT.c
    wanted = set(uuids)
    for uuid in uuids:
        rows = conn.execute(
            select(e.id, e.payload).where(
                e.kind.in_(("member", "merge")), e.payload != "", e.payload.contains(uuid)
            )
        ).all()
        for row_id, payload in rows:
            data = json.loads(payload)
            changed = _blank_profile(data, wanted) or _blank_profile(data.get("data"), wanted)
            if changed:
                conn.execute(update(SYNC_EVENT).where(e.id == row_id).values(payload=_dumps(data)))


def _scrub_conflicts(conn: Connection, uuids: list[str]) -> None:
    """Conflicts about the member keep their kind and the fields named, not the values."""
    c = SYNC_CONFLICT.c
    rows = conn.execute(select(c.id, c.detail, c.resolution).where(c.member_uuid.in_(uuids))).all()
    for row_id, detail_text, resolution in rows:
        try:
            detail = json.loads(detail_text or "{}")
        except ValueError:
            detail = {}
        if not isinstance(detail, dict):
            detail = {}
        for key in _CONFLICT_PERSONAL:
            if isinstance(detail.get(key), dict):
                detail[key] = sorted(detail[key])
            elif key in detail:
                detail[key] = ""
        values: dict[str, Any] = {"detail": json.dumps(detail, ensure_ascii=False, default=str)}
        if resolution:
            values["resolution"] = ""
        conn.execute(update(SYNC_CONFLICT).where(c.id == row_id).values(values))
