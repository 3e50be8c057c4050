"""The audit trail: one row per change a person made, written in the change's transaction.

Rows are chained per node and till and append-only (see app/domain/audit_chain.py and
app/store/audit_log.py); :func:`redact` is erasure's only way to change one.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.domain.audit_chain import REDACT_ACTION
from app.services.context import Context
from app.store.audit_log import NewEntry, append
from app.store.audit_log import redact as redact_rows


def record(
    session: Session,
    ctx: Context,
    action: str,
    entity: str,
    entity_id: object,
    *,
    member_id: int | None = None,
    **detail: Any,
) -> None:
    """The audit row of a change, in the change's transaction (``detail`` as JSON).

    ``member_id`` is the member the change concerns (taken from ``entity_id`` when the entity
    is a member); who allowed it is ``ctx.approver``.
    """
    if member_id is None and entity == "member":
        member_id = int(str(entity_id)) if str(entity_id).isdigit() else None
    append(
        session.connection(),
        NewEntry(
            at=ctx.now(),
            actor=ctx.actor,
            approver=ctx.approver,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            member_id=member_id,
            node=ctx.node(),
            store_code=ctx.store_code,
            till=ctx.till,
            detail=detail,
        ),
    )


def redact(session: Session, ctx: Context, new_details: dict[int, dict[str, Any]]) -> None:
    """Replace the details of audit rows (erasure) and record which, chained like any row."""
    if not new_details:
        return
    digests = redact_rows(session.connection(), new_details)
    record(
        session,
        ctx,
        REDACT_ACTION,
        "audit_entry",
        min(digests),
        rows={str(row_id): digest for row_id, digest in sorted(digests.items())},
    )
