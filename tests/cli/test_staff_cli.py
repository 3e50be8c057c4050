"""`loyalty staff` and the permission table of the CLI (issue 13, items 1, 4 and 5).

Every command that the table guards is run three ways once staff exist: refused for the role
below the one it needs (or for nobody signed in), allowed with a manager's or owner's approval,
and allowed for the role it needs. A refusal is one line, exit 1, and changes no data.
"""

from __future__ import annotations

import argparse
import io
import json
import sqlite3
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from app.cli import build_parser, main
from app.cli.permissions import COMMAND_ACTIONS
from app.domain.roles import ROLE_ORDER, Role, badge_code, minimum_role, role_rank
from tests.cli.test_cli_commands import Cli, cli
from tests.conftest import copy_sqlite_template
from tests.services.dbstate import connect

pytestmark = pytest.mark.migrated_db
__all__ = ["cli"]  # the fixture

PINS = {"Olivia": "1111", "Max": "2222", "Carla": "3333"}
BY_ROLE = {Role.OWNER: "Olivia", Role.MANAGER: "Max", Role.CASHIER: "Carla"}
DATA_TABLES = (
    "member",
    "card",
    "sale",
    "refund",
    "ledger_entry",
    "setting",
    "coupon",
    "stamp_program",
    "stamp",
    "feedback",
)


def registered_commands() -> list[str]:
    """Every command path the parser knows, "" being the counter itself."""

    def walk(parser: argparse.ArgumentParser, prefix: str) -> list[str]:
        found = []
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    path = f"{prefix} {name}".strip()
                    nested = any(isinstance(a, argparse._SubParsersAction) for a in sub._actions)
                    found += walk(sub, path) if nested else [path]
        return found

    return ["", *walk(build_parser(), "")]


def test_every_command_is_in_the_permission_table() -> None:
    commands = registered_commands()
    assert sorted(set(commands) - set(COMMAND_ACTIONS)) == []
    assert sorted(set(COMMAND_ACTIONS) - set(commands)) == []


def data(path: Any) -> dict[str, list[tuple[Any, ...]]]:
    con = connect(path)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in DATA_TABLES}
    finally:
        con.close()


class Shop:
    """The CLI with staff signed in through the environment."""

    def __init__(self, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
        self.cli, self.mp = cli, monkeypatch

    def as_(self, who: str | None, approver: str | None = None) -> Shop:
        for var in ("LOYALTY_STAFF", "LOYALTY_PIN", "LOYALTY_APPROVER", "LOYALTY_APPROVER_PIN"):
            self.mp.delenv(var, raising=False)
        if who is not None:
            self.mp.setenv("LOYALTY_STAFF", who)
            self.mp.setenv("LOYALTY_PIN", PINS.get(who, "0000"))
        if approver is not None:
            self.mp.setenv("LOYALTY_APPROVER", approver)
            self.mp.setenv("LOYALTY_APPROVER_PIN", PINS[approver])
        return self

    def run(self, *argv: str) -> tuple[int, str, str]:
        return self.cli.run(*argv)

    def ok(self, *argv: str) -> str:
        code, out, err = self.run(*argv)
        assert (code, err) == (0, ""), err
        return out

    def refused(self, *argv: str, match: str) -> str:
        before = data(self.cli.db)
        code, out, err = self.run(*argv)
        assert (code, out) == (1, ""), err
        assert len(err.strip().splitlines()) == 1 and match in err, err
        assert data(self.cli.db) == before
        return err.strip()


def _build(cli: Cli, monkeypatch: pytest.MonkeyPatch, folder: Path) -> dict[str, Any]:
    """Four members with sales, programs and files made in a shop of one; then its staff."""
    for var in ("LOYALTY_STAFF", "LOYALTY_PIN", "LOYALTY_APPROVER", "LOYALTY_APPROVER_PIN"):
        monkeypatch.delenv(var, raising=False)
    cards = []
    for first in ("Anna", "Ben", "Cleo", "Dora"):
        added = cli.json("member", "add", "--first-name", first, "--last-name", "Test")
        cards.append(added["card"])
    big = [cli.json("sale", "--card", cards[0], "--amount", "200")["sale_id"] for _ in range(2)]
    small = [cli.json("sale", "--card", cards[1], "--amount", "20")["sale_id"] for _ in range(2)]
    for name, spend in (("Gold", "100"), ("Silver", "50")):
        cli.json("tier", "add", name, "--min-spend", spend, "--multiplier", "2")
    for name in ("Double", "Triple"):
        cli.json("campaign", "add", name, "--multiplier", "2", "--weekdays", "mon")
    for name in ("Coffee", "Tea"):
        cli.json("stamps", "add", name, "--stamps", "5", "--reward", "a cup")
    for card in cards[2:]:  # full tea cards, for `stamps reward`
        for _stamp in range(5):
            cli.json("stamps", "give", card, "--program", "Tea")
    members_csv = folder / "members.csv"
    cli.json("members", "export", str(members_csv))
    sales_csv = folder / "sales.csv"
    sales_csv.write_text(f"card,date,amount\n{cards[2]},2026-01-02,12.50\n", encoding="utf-8")
    cli.json("staff", "add", "--name", "Olivia", "--role", "owner", "--pin", "1111")
    monkeypatch.setenv("LOYALTY_STAFF", "Olivia")  # the first account exists: she signs in
    monkeypatch.setenv("LOYALTY_PIN", "1111")
    cli.json("staff", "add", "--name", "Max", "--role", "manager", "--pin", "2222")
    cli.json("staff", "add", "--name", "Carla", "--role", "cashier", "--pin", "3333")
    for extra in ("Extra0", "Extra1"):
        cli.json("staff", "add", "--name", extra, "--role", "cashier", "--pin", "4444")
    return {
        "cards": cards,
        "big": big,
        "small": small,
        "members_csv": members_csv,
        "sales_csv": sales_csv,
        "dir": folder,
    }


@pytest.fixture
def shop(cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    """The shop of :func:`_build` in this test's database (SQLite or PostgreSQL)."""
    return _build(cli, monkeypatch, tmp_path)


class _Quiet(Cli):
    """``loyalty`` in this process with its output kept, for a fixture wider than one test."""

    def __init__(self, db: Path) -> None:
        self.db = db

    def run(self, *argv: str, db: bool = True) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main([*(["--db", str(self.db)] if db else []), *argv])
            except SystemExit as exc:
                code = int(exc.code or 0)
        return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def shop_template(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> tuple[Path, dict[str, Any]]:
    """The shop of :func:`_build` on a SQLite file, made once for this module's table rows."""
    from argon2 import PasswordHasher

    from app.services.staff import pins

    folder = tmp_path_factory.mktemp("shop")
    path = folder / "shop.db"
    copy_sqlite_template(sqlite_template, path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LOYALTY_LANG", "en_US")
        mp.delenv("LOYALTY_DB", raising=False)
        mp.setattr(pins, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        world = _build(_Quiet(path), mp, folder)
    return path, world


@pytest.fixture
def shop_copy(
    shop_template: tuple[Path, dict[str, Any]], db_path: Path, tmp_path: Path
) -> dict[str, Any]:
    """A copy of the module's shop as this test's database (SQLite's backup: WAL included)."""
    source, world = shop_template
    src, dst = sqlite3.connect(source), sqlite3.connect(db_path)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return {**world, "dir": tmp_path}


Argv = Callable[[dict[str, Any], int], list[str]]

# One way to run each guarded command; ``i`` (0, then 1) picks another target for commands
# that can be done once only (erase, merge, remove...).
GUARDED: dict[str, Argv] = {
    "init": lambda w, i: ["init", "--store", "001", "--till", str(i + 1)],
    "member add": lambda w, i: [
        "member",
        "add",
        "--first-name",
        ("Nia", "Noa")[i],
        "--last-name",
        "X",
    ],
    "member update": lambda w, i: [
        "member",
        "update",
        w["cards"][i],
        "--first-name",
        ("Uma", "Ula")[i],
    ],
    "member merge": lambda w, i: ["member", "merge", w["cards"][2 * i], w["cards"][2 * i + 1]],
    "member export": lambda w, i: [
        "member",
        "export",
        w["cards"][0],
        "--out",
        str(w["dir"] / f"one{i}.json"),
    ],
    "member erase": lambda w, i: ["member", "erase", w["cards"][2 + i], "--yes"],
    "members list": lambda w, i: ["members", "list"],
    "members export": lambda w, i: ["members", "export", str(w["dir"] / f"all{i}.csv")],
    "members import": lambda w, i: ["members", "import", str(w["members_csv"]), "--dry-run"],
    "card print": lambda w, i: [
        "card",
        "print",
        w["cards"][0],
        "--format",
        "svg",
        "--out",
        str(w["dir"] / f"card{i}.svg"),
    ],
    "card replace": lambda w, i: ["card", "replace", w["cards"][i]],
    "sale": lambda w, i: ["sale", "--card", w["cards"][0], "--amount", "5"],
    "refund": lambda w, i: ["refund", str(w["small"][i])],  # a small one of today: a cashier's
    "adjust": lambda w, i: ["adjust", w["cards"][0], "--points", "5", "--reason", "goodwill"],
    "sales import": lambda w, i: ["sales", "import", str(w["sales_csv"]), "--dry-run"],
    "feedback": lambda w, i: ["feedback", w["cards"][0], "--score", "9"],
    "coupon create": lambda w, i: ["coupon", "create", "--code", f"SAVE{i}", "--percent", "5"],
    "coupon batch": lambda w, i: [
        "coupon",
        "batch",
        "--count",
        "1",
        "--percent",
        "5",
        "--out",
        str(w["dir"] / f"batch{i}.pdf"),
    ],
    "stamps add": lambda w, i: ["stamps", "add", f"Juice{i}", "--stamps", "5", "--reward", "x"],
    "stamps remove": lambda w, i: ["stamps", "remove", ("Coffee", "Tea")[i]],
    "stamps give": lambda w, i: ["stamps", "give", w["cards"][0], "--program", "Coffee"],
    "stamps reward": lambda w, i: ["stamps", "reward", w["cards"][2 + i], "--program", "Tea"],
    "audit": lambda w, i: ["audit"],
    "settings set": lambda w, i: ["settings", "set", "shop.name", f"Shop {i}"],
    "sync conflicts": lambda w, i: ["sync", "conflicts"],
    "tier add": lambda w, i: [
        "tier",
        "add",
        f"T{i}",
        "--min-spend",
        f"{9 + i}",
        "--multiplier",
        "2",
    ],
    "tier remove": lambda w, i: ["tier", "remove", ("Gold", "Silver")[i]],
    "campaign add": lambda w, i: ["campaign", "add", f"C{i}", "--multiplier", "2"],
    "campaign remove": lambda w, i: ["campaign", "remove", ("Double", "Triple")[i]],
    "points expire": lambda w, i: ["points", "expire"],
    "report summary": lambda w, i: ["report", "summary"],
    "report feedback": lambda w, i: ["report", "feedback"],
    "report day": lambda w, i: ["report", "day"],
    "staff add": lambda w, i: [
        "staff",
        "add",
        "--name",
        f"New{i}",
        "--role",
        "cashier",
        "--pin",
        "5678",
    ],
    "staff list": lambda w, i: ["staff", "list"],
    "staff pin": lambda w, i: ["staff", "pin", "Extra0", "--pin", f"777{i}"],
    "staff role": lambda w, i: ["staff", "role", "Extra0", ("manager", "cashier")[i]],
    "staff disable": lambda w, i: ["staff", "disable", f"Extra{i}"],
    "staff badge": lambda w, i: ["staff", "badge", "Carla", "--out", str(w["dir"] / f"b{i}.png")],
}


def test_every_guarded_command_has_a_case() -> None:
    assert sorted(GUARDED) == sorted(k for k, v in COMMAND_ACTIONS.items() if v is not None)


# The table is read before any database work and the same on both backends: its rows run on
# SQLite only (the services' sign-in and the commands themselves have PostgreSQL variants).
@pytest.mark.sqlite_only
@pytest.mark.parametrize("command", sorted(GUARDED))
def test_the_permission_table_row(
    command: str, shop_copy: dict[str, Any], cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = shop_copy
    action = COMMAND_ACTIONS[command]
    assert action is not None
    argv = GUARDED[command]
    needed = minimum_role(action)
    staff = Shop(cli, monkeypatch)
    # Nobody signed in: refused, whatever LOYALTY_CASHIER says.
    monkeypatch.setenv("LOYALTY_CASHIER", "owner")
    staff.as_(None).refused(*argv(shop, 0), match="sign in with LOYALTY_STAFF and LOYALTY_PIN")
    if needed is Role.CASHIER:
        staff.as_("Carla").ok(*argv(shop, 0))
        staff.as_("Carla", approver="Max").ok(*argv(shop, 1))  # an approver is not needed
        return
    below = ROLE_ORDER[role_rank(needed) - 1]
    err = staff.as_(BY_ROLE[below]).refused(*argv(shop, 0), match="may not")
    assert f"a {needed.value}'s PIN is needed" in err
    if needed is Role.OWNER:
        # A manager cannot approve what only the owner may do.
        staff.as_("Carla", approver="Max").refused(*argv(shop, 0), match="Max (manager) may not")
    staff.as_(BY_ROLE[below], approver=BY_ROLE[needed]).ok(*argv(shop, 0))
    staff.as_(BY_ROLE[needed]).ok(*argv(shop, 1))


def test_a_refund_beyond_a_cashiers_limit_needs_a_manager(
    shop: dict[str, Any], cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff = Shop(cli, monkeypatch)
    big = shop["big"]
    err = staff.as_("Carla").refused("refund", str(big[0]), match="may not refund any sale")
    assert "a manager's PIN is needed" in err
    staff.as_("Carla").ok("refund", str(big[0]), "--amount", "50")  # up to 50.00 is hers
    staff.as_("Carla", approver="Max").ok("refund", str(big[0]), "--amount", "60")
    staff.as_("Max").ok("refund", str(big[1]))
    con = connect(cli.db)
    try:
        rows = con.execute(
            "SELECT actor, approver FROM audit_entry WHERE action = 'sale.refund' ORDER BY id"
        ).fetchall()
    finally:
        con.close()
    who = [(actor, approver) for actor, approver in rows]
    assert who == [("Carla", None), ("Carla", "Max"), ("Max", None)]


# --- loyalty staff ------------------------------------------------------------------------


def test_staff_commands_text_and_json(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for var in ("LOYALTY_STAFF", "LOYALTY_PIN"):
        monkeypatch.delenv(var, raising=False)
    assert cli.ok("staff", "list").strip() == "No staff accounts: anyone at the till may do all"
    refused = cli.run("staff", "add", "--name", "Carla", "--role", "cashier", "--pin", "3333")
    assert refused[0] == 1 and "first staff account must be an owner" in refused[2]
    added = cli.json("staff", "add", "--name", "Olivia", "--role", "Owner", "--pin", "1111")
    assert added == {
        "name": "Olivia",
        "role": "owner",
        "active": True,
        "badge": badge_code(100_001),
        "uuid": added["uuid"],
    }
    staff = Shop(cli, monkeypatch).as_("Olivia")
    out = staff.ok("staff", "add", "--name", "Carla", "--role", "cashier", "--pin", "3333")
    assert out.strip() == f"Staff member added: Carla  cashier  {badge_code(100_002)}"
    for argv, match in (
        (["staff", "add", "--name", "Carla", "--role", "cashier", "--pin", "1"], "4 to 8 digits"),
        (["staff", "add", "--name", "Bo", "--role", "boss", "--pin", "1234"], "Unknown role"),
        (["staff", "add", "--name", "carla", "--role", "cashier", "--pin", "1234"], "already"),
        (["staff", "add", "--name", "Bo", "--role", "cashier"], "--pin"),  # no terminal
        (["staff", "role", "Olivia", "manager"], "one active owner"),
        (["staff", "pin", "Nobody", "--pin", "1234"], "No staff member"),
    ):
        staff.refused(*argv, match=match)
    assert staff.ok("staff", "pin", "carla", "--pin", "4321").strip() == "New PIN set for Carla"
    assert staff.ok("staff", "role", "Carla", "manager").startswith("Carla  manager")
    assert staff.ok("staff", "disable", "Carla").strip().endswith("(disabled)")
    listed = json.loads(staff.ok("staff", "list", "--json"))["staff"]
    assert [(s["name"], s["role"], s["active"]) for s in listed] == [
        ("Carla", "manager", False),
        ("Olivia", "owner", True),
    ]
    every = " ".join(cli.capsys.readouterr())
    assert "4321" not in every and "$argon2" not in every


def test_a_pin_asked_on_a_terminal_is_typed_twice(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import getpass
    import sys

    typed = iter(["2468", "2468", "1357", "7531"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(typed))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    Shop(cli, monkeypatch).as_(None).ok("staff", "add", "--name", "Olivia", "--role", "owner")
    staff = Shop(cli, monkeypatch).as_("Olivia")
    monkeypatch.setenv("LOYALTY_PIN", "2468")
    staff.refused("staff", "pin", "Olivia", match="The two PINs differ")


def test_a_badge_decodes_to_its_staff_code_never_a_card(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from PIL import Image

    from app.domain.cards import validate_card_number
    from app.domain.errors import InvalidCardNumber
    from tests.printing.conftest import decoded

    Shop(cli, monkeypatch).as_(None)
    cli.json("staff", "add", "--name", "Olivia", "--role", "owner", "--pin", "1111")
    staff = Shop(cli, monkeypatch).as_("Olivia")
    out = tmp_path / "olivia.png"
    assert staff.ok("staff", "badge", "Olivia", "--out", str(out)).strip().endswith(str(out))
    code = badge_code(100_001)
    assert decoded(Image.open(out)) == {"Code 128": [code], "QR Code": [code]}
    with pytest.raises(InvalidCardNumber):
        validate_card_number(code)
    for suffix in ("pdf", "svg"):
        staff.ok("staff", "badge", "Olivia", "--out", str(tmp_path / f"b.{suffix}"))
        assert (tmp_path / f"b.{suffix}").stat().st_size > 0
    staff.refused("staff", "badge", "Olivia", "--out", str(tmp_path / "b.txt"), match=".pdf")


def test_wrong_pins_at_the_shell_lock_the_person_across_runs(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    Shop(cli, monkeypatch).as_(None)
    cli.json("staff", "add", "--name", "Olivia", "--role", "owner", "--pin", "1111")
    staff = Shop(cli, monkeypatch)
    monkeypatch.setenv("LOYALTY_STAFF", "Olivia")
    for left in (4, 3, 2, 1):
        monkeypatch.setenv("LOYALTY_PIN", "9999")
        err = staff.refused("staff", "list", match="Wrong PIN")
        assert f"({left} tr" in err
    staff.refused("staff", "list", match="try again in 60 seconds")
    # Each `loyalty` run is a new process: the lock is in the database, not in memory.
    monkeypatch.setenv("LOYALTY_PIN", "1111")
    staff.refused("staff", "list", match="Olivia is locked")
    con = connect(cli.db)
    try:
        kinds = [
            r[0]
            for r in con.execute(
                "SELECT action FROM audit_entry WHERE action LIKE 'staff.%' ORDER BY id"
            )
        ]
    finally:
        con.close()
    assert kinds == ["staff.add", *["staff.sign_in_failed"] * 5, "staff.locked_out"]


def test_loyalty_cashier_names_nobody_once_staff_exist(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    Shop(cli, monkeypatch).as_(None)
    card = cli.json("member", "add", "--first-name", "Anna", "--last-name", "Test")["card"]
    cli.json("staff", "add", "--name", "Olivia", "--role", "owner", "--pin", "1111")
    monkeypatch.setenv("LOYALTY_CASHIER", "owner")
    staff = Shop(cli, monkeypatch).as_("Olivia")
    staff.ok("staff", "add", "--name", "Carla", "--role", "cashier", "--pin", "3333")
    staff.as_("Carla").ok("sale", "--card", card, "--amount", "10")
    staff.as_(None).ok("member", "show", card)  # read-only: no sign-in needed
    con = connect(cli.db)
    try:
        actors = [r[0] for r in con.execute("SELECT actor FROM sale ORDER BY id")]
    finally:
        con.close()
    assert actors == ["Carla"]


def test_demo_creates_three_staff_and_prints_their_pins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.services.context import Context
    from app.services.demo import demo_cashier
    from app.store.database import Database

    demo = Cli(tmp_path / "demo.db", capsys)
    data = demo.json("demo", "--no-open", "--members", "3")
    assert data["staff"] == [
        {"name": "Olivia", "role": "owner", "pin": "1111"},
        {"name": "Max", "role": "manager", "pin": "2222"},
        {"name": "Carla", "role": "cashier", "pin": "3333"},
    ]
    out = demo.ok("demo", "--no-open")
    assert "  Carla  cashier  3333" in out.splitlines()
    database = Database(str(tmp_path / "demo.db"))
    try:
        carla = demo_cashier(Context(database))
    finally:
        database.dispose()
    assert (carla.name, carla.role) == ("Carla", Role.CASHIER)


def test_on_a_terminal_the_person_and_the_approver_are_asked(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins
    import getpass

    from app.cli import permissions

    Shop(cli, monkeypatch).as_(None)
    card = cli.json("member", "add", "--first-name", "Anna", "--last-name", "Test")["card"]
    cli.json("staff", "add", "--name", "Olivia", "--role", "owner", "--pin", "1111")
    staff = Shop(cli, monkeypatch).as_("Olivia")
    staff.ok("staff", "add", "--name", "Max", "--role", "manager", "--pin", "2222")
    staff.ok("staff", "add", "--name", "Carla", "--role", "cashier", "--pin", "3333")
    staff.as_(None)
    names = iter(["Carla", "Max"])
    pins = iter(["3333", "2222"])
    monkeypatch.setattr(permissions, "_terminal", lambda: True)
    monkeypatch.setattr(builtins, "input", lambda prompt="": next(names))
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(pins))
    staff.ok("adjust", card, "--points", "10", "--reason", "goodwill")
    con = connect(cli.db)
    try:
        rows = con.execute(
            "SELECT actor, action, detail, approver FROM audit_entry "
            "WHERE action IN ('staff.approve', 'points.adjust') ORDER BY id"
        ).fetchall()
    finally:
        con.close()
    assert [(r[0], r[1]) for r in rows][-2:] == [
        ("Carla", "staff.approve"),
        ("Carla", rows[-1][1]),
    ]
    assert json.loads(rows[-2][2]) == {"name": "Max", "allowed": "adjust", "staff": "Carla"}
    assert rows[-1][3] == "Max"
