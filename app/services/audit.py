"""The audit trail: one row per change a person made, written in the change's transaction."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from app.services.context import Context
from app.store.tables import AUDIT

_INSERT = insert(AUDIT)


def record(
    session: Session, ctx: Context, action: str, entity: str, entity_id: object, **detail: Any
) -> None:
    """The audit row of a change, in the change's transaction (``detail`` as JSON).

    An action a manager or owner allowed beyond the actor's role names them too.
    """
    if ctx.approver is not None:
        detail.setdefault("approved_by", ctx.approver)
    # A Core INSERT, not an ORM object: every sale writes one, and building the object and
    # flushing it cost more than the insert itself.
    session.connection().execute(
        _INSERT,
        {
            "at": ctx.now(),
            "actor": ctx.actor,
            "action": action,
            "entity": entity,
            "entity_id": str(entity_id),
            "detail": json.dumps(detail, default=str, ensure_ascii=False),
        },
    )
