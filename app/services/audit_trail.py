"""Reading the audit trail: filtered rows for the audit screen and `loyalty audit`, and the
verification of every chain for `loyalty check`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby
from typing import Any

from sqlalchemy import func, or_, select

from app.domain.audit_chain import Break, StoredRow, verify_chain
from app.domain.errors import InvalidInput
from app.domain.report import day_start
from app.domain.roles import Action
from app.i18n import _
from app.services.context import Context
from app.services.member_desk import member_id_for_card
from app.services.staff import (
    SignInRefused,
    find_staff,
    list_staff,
    permits,
    refused_message,
)
from app.services.views import AuditCheck
from app.store.audit_log import chain_rows, redactions
from app.store.tables import AUDIT

LIMIT = 1000


@dataclass(frozen=True)
class AuditFilter:
    """What the person asked for; every part optional."""

    staff: str = ""  # who did it or allowed it (name, case-insensitive)
    kind: str = ""  # an action ("sale.refund") or its family ("sale")
    start: date | None = None
    end: date | None = None  # inclusive
    member: str = ""  # a card number of the member


@dataclass(frozen=True)
class AuditRow:
    """One row of the trail as shown."""

    id: int
    at: datetime
    actor: str
    approver: str | None
    action: str
    entity: str
    entity_id: str
    member_id: int | None
    store_code: str
    till: int
    detail: dict[str, Any]
    hash: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "approver": self.approver,
            "kind": self.action,
            "entity": self.entity,
            "entity_id": self.entity_id,
            "member_id": self.member_id,
            "store": self.store_code,
            "till": self.till,
            "detail": self.detail,
            "hash": self.hash,
        }


def _detail(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {"text": text}
    return value if isinstance(value, dict) else {"value": value}


def _staff_name(ctx: Context, text: str) -> str:
    """The name a person filter means: a staff number or badge is looked up; a name is taken
    as typed (also one of a former account, or an actor from before staff accounts)."""
    text = text.strip()
    if text.isdigit():
        found = [p.name for p in list_staff(ctx) if p.number == int(text)]
        # None: the lookup by name says "No staff member" (or finds one named so).
        return found[0] if found else find_staff(ctx, text).name
    try:
        return find_staff(ctx, text).name
    except InvalidInput:
        return text


def may_read_audit(ctx: Context) -> None:
    """Refuse unless a manager or owner is signed in (or allowed it), or in a shop of one."""
    if ctx.approver is not None or permits(ctx, ctx.staff, Action.AUDIT):
        return
    if ctx.staff is not None:
        raise SignInRefused(refused_message(Action.AUDIT, ctx.staff.role, ctx.staff.name))
    raise SignInRefused(_("The audit trail is for a manager or the owner: sign in first"))


def find_audit(ctx: Context, flt: AuditFilter, limit: int = LIMIT) -> list[AuditRow]:
    """The rows matching ``flt``, newest first (at most ``limit``); a manager's or owner's."""
    may_read_audit(ctx)
    a = AUDIT.c
    query = select(AUDIT).order_by(a.id.desc()).limit(limit)
    if flt.member:
        # Any card the member ever had (also an erased member's, by its number).
        query = query.where(a.member_id == member_id_for_card(ctx, flt.member, usable=False))
    if flt.staff:
        name = _staff_name(ctx, flt.staff).casefold()
        query = query.where(or_(func.lower(a.actor) == name, func.lower(a.approver) == name))
    if flt.kind:
        kind = flt.kind.strip()
        query = query.where(or_(a.action == kind, a.action.startswith(kind + ".")))
    zone = ctx.program().timezone
    if flt.start is not None:
        query = query.where(a.at >= day_start(flt.start, zone))
    if flt.end is not None:
        query = query.where(a.at < day_start(flt.end + timedelta(days=1), zone))
    with ctx.db.reading() as session:
        rows = session.connection().execute(query).all()
    return [
        AuditRow(
            id=r.id,
            at=r.at,
            actor=r.actor,
            approver=r.approver,
            action=r.action,
            entity=r.entity,
            entity_id=r.entity_id,
            member_id=r.member_id,
            store_code=r.store_code,
            till=r.till,
            detail=_detail(r.detail),
            hash=r.row_hash,
        )
        for r in rows
    ]


def verify_audit(ctx: Context) -> AuditCheck:
    """Verify every chain (node + till), streamed; the first broken row by id of them all."""
    counted = [0]

    def counting(rows: Iterator[StoredRow]) -> Iterator[StoredRow]:
        for row in rows:
            counted[0] += 1
            yield row

    chains = 0
    breaks: list[Break] = []
    with ctx.db.reading() as session:
        conn = session.connection()
        redacted = redactions(conn)
        by_chain = groupby(counting(chain_rows(conn)), key=lambda r: (r.fields.node, r.fields.till))
        for _key, chain in by_chain:
            chains += 1
            broken = verify_chain(chain, redacted)
            if broken is not None:
                breaks.append(broken)
    first = min(breaks, key=lambda b: b.row_id) if breaks else None
    return AuditCheck(rows=counted[0], chains=chains, broken=first)


def detail_text(detail: dict[str, Any]) -> str:
    """A row's details on one line: ``key=value, …`` (lists and objects as compact JSON)."""
    parts = []
    for key, value in detail.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        parts.append(f"{key}={shown}")
    return ", ".join(parts)
