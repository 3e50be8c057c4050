"""The audit trail: one row per change a person made, written in the change's transaction."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from app.services.context import Context
from app.store.models import AuditEntry


def record(
    session: Session, ctx: Context, action: str, entity: str, entity_id: object, **detail: Any
) -> None:
    session.add(
        AuditEntry(
            at=ctx.now(),
            actor=ctx.actor,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            detail=json.dumps(detail, default=str, ensure_ascii=False),
        )
    )
