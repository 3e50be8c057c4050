"""Changing a program rule leaves an audit row: who, when, from what to what."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.domain.errors import InvalidInput
from app.services.context import Context
from app.services.settings import write_setting
from app.store.settings import load_settings
from tests.services.dbstate import connect

from ..conftest import FIXED_NOW


def _audit(db_path: Path) -> list[tuple[str, str, str, str, dict[str, object]]]:
    con = connect(db_path)
    try:
        rows = con.execute(
            "SELECT actor, action, entity, entity_id, detail FROM audit_entry ORDER BY id"
        ).fetchall()
    finally:
        con.close()
    return [(a, b, c, d, json.loads(e)) for a, b, c, d, e in rows]


def test_setting_changes_are_audited_with_old_and_new_value(ctx: Context, db_path: Path) -> None:
    write_setting(ctx.db, "program.earn_points_per_unit", 10, FIXED_NOW, actor="owner")
    write_setting(ctx.db, "program.earn_points_per_unit", "5", FIXED_NOW, actor="owner")
    write_setting(ctx.db, "shop.name", "Bäckerei Sonne", FIXED_NOW)
    assert _audit(db_path) == [
        (
            "owner",
            "setting.change",
            "setting",
            "program.earn_points_per_unit",
            {"old": 1, "new": 10},
        ),
        (
            "owner",
            "setting.change",
            "setting",
            "program.earn_points_per_unit",
            {"old": 10, "new": 5},
        ),
        (
            "",
            "setting.change",
            "setting",
            "shop.name",
            {"old": "Loyalty Counter", "new": "Bäckerei Sonne"},
        ),
    ]
    assert load_settings(ctx.db)["program.earn_points_per_unit"] == 5


def test_a_refused_setting_writes_nothing(ctx: Context, db_path: Path) -> None:
    with pytest.raises(InvalidInput):
        write_setting(ctx.db, "program.redeem_points_per_unit", 0, actor="owner")
    with pytest.raises(InvalidInput):
        write_setting(ctx.db, "no.such.setting", 1, actor="owner")
    assert _audit(db_path) == []
    con = connect(db_path)
    assert (
        con.execute("SELECT count(*) FROM setting WHERE key != 'sync.node_id'").fetchone()[0] == 0
    )
    con.close()
