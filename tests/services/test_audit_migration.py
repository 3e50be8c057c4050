"""Migration 0017_audit_chain chains the rows a shop already has, and the chain verifies."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from app.services.audit_trail import AuditFilter, find_audit, verify_audit
from app.services.context import Context
from app.store.database import Database, sqlite_url
from app.store.migrate import upgrade


def test_existing_rows_are_chained_on_till_0(db_path: Any) -> None:
    url = sqlite_url(db_path) if isinstance(db_path, Path) else str(db_path)
    engine = create_engine(url)
    try:
        upgrade(engine, "0015_feedback")
        at = datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO member (uuid, first_name, last_name, created_at, updated_at, "
                    "last_key, first_key) VALUES ('u1', 'Anna', 'Berg', :at, :at, 'berg', 'anna')"
                ),
                {"at": at},
            )
            for action, entity, entity_id in (
                ("member.enroll", "member", "1"),
                ("setting.change", "setting", "shop.name"),
                ("points.adjust", "member", "1"),
            ):
                conn.execute(
                    text(
                        "INSERT INTO audit_entry (at, actor, action, entity, entity_id, detail) "
                        "VALUES (:at, 'owner', :action, :entity, :entity_id, '{\"n\": 1}')"
                    ),
                    {"at": at, "action": action, "entity": entity, "entity_id": entity_id},
                )
        upgrade(engine)
    finally:
        engine.dispose()
    db = Database(str(db_path))
    try:
        ctx = Context(db, actor="tester", till=1)
        rows = find_audit(ctx, AuditFilter())
        assert [(r.action, r.member_id, r.till, r.store_code) for r in rows] == [
            ("points.adjust", 1, 0, "001"),
            ("setting.change", None, 0, "001"),
            ("member.enroll", 1, 0, "001"),
        ]
        check = verify_audit(ctx)
        assert (check.ok, check.rows, check.chains) == (True, 3, 1)
    finally:
        db.dispose()
