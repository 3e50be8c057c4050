"""Several settings saved at once (the program screen's forms): all or nothing, a message per
field, unchanged values not written again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.domain.errors import ValidationFailed
from app.services.context import Context
from app.services.settings import setting_hint, write_settings
from app.store.settings import load_settings
from tests.services.dbstate import connect

from ..conftest import FIXED_NOW


def _rows(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    con = connect(db_path)
    try:
        return [tuple(r) for r in con.execute(sql).fetchall()]
    finally:
        con.close()


def test_valid_settings_are_stored_together_with_audit_rows_and_sync_events(
    ctx: Context, db_path: Path
) -> None:
    changed = write_settings(
        ctx.db,
        {
            "program.earn_points_per_unit": "2",
            "program.earn_on_discount": True,
            "program.birthday_period": "month",
        },
        FIXED_NOW,
        actor="owner",
    )
    assert changed == {
        "program.earn_points_per_unit": 2,
        "program.earn_on_discount": True,
        "program.birthday_period": "month",
    }
    values = load_settings(ctx.db)
    assert values["program.earn_points_per_unit"] == 2
    assert values["program.earn_on_discount"] is True
    assert values["program.birthday_period"] == "month"
    audited = _rows(db_path, "SELECT actor, entity_id FROM audit_entry ORDER BY id")
    assert audited == [
        ("owner", "program.earn_points_per_unit"),
        ("owner", "program.earn_on_discount"),
        ("owner", "program.birthday_period"),
    ]
    events = [
        json.loads(str(p))["key"]
        for (p,) in _rows(db_path, "SELECT payload FROM sync_event WHERE kind = 'setting'")
    ]
    assert sorted(events) == sorted(changed)


def test_one_invalid_value_stores_nothing_and_names_each_wrong_field(
    ctx: Context, db_path: Path
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        write_settings(
            ctx.db,
            {
                "program.earn_points_per_unit": "abc",
                "program.redeem_points_per_unit": "50",
                "program.expiry_months": "",
                "program.signup_bonus": "-1",
            },
            FIXED_NOW,
        )
    assert caught.value.errors == {
        "program.earn_points_per_unit": "“abc”: give a whole number from 1 to 1,000",
        "program.expiry_months": "Give a whole number from 1 to 600",
        "program.signup_bonus": "“-1”: give a whole number from 0 to 1,000,000",
    }
    assert load_settings(ctx.db)["program.redeem_points_per_unit"] == 100
    assert _rows(db_path, "SELECT id FROM audit_entry") == []
    assert _rows(db_path, "SELECT id FROM sync_event WHERE kind = 'setting'") == []


def test_unchanged_values_are_not_written_again(ctx: Context, db_path: Path) -> None:
    assert write_settings(ctx.db, {"program.earn_points_per_unit": "1"}, FIXED_NOW) == {}
    write_settings(ctx.db, {"program.expiry": "earned"}, FIXED_NOW)
    assert write_settings(ctx.db, {"program.expiry": "EARNED "}, FIXED_NOW) == {}
    assert _rows(db_path, "SELECT entity_id FROM audit_entry") == [("program.expiry",)]


def test_unknown_keys_and_hints(ctx: Context) -> None:
    with pytest.raises(ValidationFailed) as caught:
        write_settings(ctx.db, {"program.nope": 1}, FIXED_NOW)
    assert caught.value.errors == {"program.nope": "Unknown setting “program.nope”"}
    assert setting_hint("program.referral_bonus") == "a whole number from 0 to 1,000,000"
    assert setting_hint("program.expiry") == ""
