"""`loyalty audit`: filters, --json, a wrong date; `loyalty check` names a broken row."""

from __future__ import annotations

import json
from datetime import date

import pytest

from app.domain.roles import Role
from app.services.context import Context
from app.services.staff import add_staff
from app.store.database import Database
from tests.cli.test_cli_commands import Cli, cli  # noqa: F401  (the fixture)
from tests.services.dbstate import execute, scalar

pytestmark = pytest.mark.migrated_db


@pytest.fixture
def shop(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:  # noqa: F811
    monkeypatch.setenv("LOYALTY_CASHIER", "jonas")
    anna = str(cli.json("member", "add", "--first-name", "Anna", "--last-name", "Berg")["card"])
    ben = str(cli.json("member", "add", "--first-name", "Ben", "--last-name", "Kurz")["card"])
    cli.ok("sale", "--card", anna, "--amount", "20")
    monkeypatch.setenv("LOYALTY_CASHIER", "maria")
    cli.ok("sale", "--card", ben, "--amount", "30")
    cli.ok("adjust", ben, "--points", "5", "--reason", "goodwill")
    return anna, ben


def test_filters_and_json(cli: Cli, shop: tuple[str, str]) -> None:  # noqa: F811
    anna, ben = shop
    data = cli.json("audit", "--staff", "Maria")
    assert [r["kind"] for r in data["rows"]] == ["points.adjust", "sale.create"]
    assert data["count"] == 2
    row = data["rows"][1]
    assert set(row) == {
        "id",
        "at",
        "actor",
        "approver",
        "kind",
        "entity",
        "entity_id",
        "member_id",
        "store",
        "till",
        "detail",
        "hash",
    }
    assert (row["actor"], row["approver"], row["store"], row["till"]) == ("maria", None, "001", 1)
    assert row["detail"]["amount_cents"] == 3000
    sales = cli.json("audit", "--kind", "sale", "--member", anna)["rows"]
    assert [(r["kind"], r["actor"]) for r in sales] == [("sale.create", "jonas")]
    today = date.today().isoformat()
    assert len(cli.json("audit", "--from", today, "--to", today, "--member", ben)["rows"]) == 3
    assert cli.json("audit", "--to", "2001-01-01")["rows"] == []
    text = cli.ok("audit", "--kind", "points")
    assert "points.adjust" in text and "maria" in text and "reason=goodwill" in text
    assert text.splitlines()[-1] == "1 row"


def test_a_wrong_date_or_card_is_one_line(cli: Cli, shop: tuple[str, str]) -> None:  # noqa: F811
    cli.refused("audit", "--from", "yesterday", match="not a date")
    cli.refused("audit", "--member", "1234", match="")


def test_check_names_the_first_broken_row(cli: Cli, shop: tuple[str, str]) -> None:  # noqa: F811
    assert "Audit trail: " in cli.ok("check")
    target = scalar(cli.db, "SELECT id FROM audit_entry WHERE action = 'sale.create' ORDER BY id")
    if str(cli.db).startswith("postgresql"):
        execute(cli.db, "DROP TRIGGER audit_entry_no_update ON audit_entry")
    else:
        execute(cli.db, "DROP TRIGGER audit_entry_no_update")
    execute(cli.db, "UPDATE audit_entry SET actor = 'owner' WHERE id = ?", (target,))
    code, out, _err = cli.run("check")
    assert code == 2
    assert f"Audit trail broken at row {target} " in out
    assert "its contents were changed" in out
    code, out, _err = cli.run("check", "--json")
    assert code == 2
    assert json.loads(out)["audit"]["broken"] == {
        "row": target,
        "node": json.loads(scalar(cli.db, "SELECT value FROM setting WHERE key = 'sync.node_id'")),
        "till": 1,
        "reason": "hash",
    }


def test_with_staff_nobody_signed_in_is_refused(cli: Cli, shop: tuple[str, str]) -> None:  # noqa: F811
    db = Database(str(cli.db))
    try:
        add_staff(Context(db, actor="setup"), "Olivia", Role.OWNER, "1111")
    finally:
        db.dispose()
    cli.refused("audit", match="sign in with LOYALTY_STAFF and LOYALTY_PIN")
