"""Staff accounts, sign-in, the lock-out (stored: it survives a restart) and the permissions."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.domain.errors import InvalidInput
from app.domain.roles import Action, Role, badge_code
from app.services.context import Context
from app.services.staff import (
    SignInRefused,
    act_as,
    add_staff,
    approve,
    disable_staff,
    find_staff,
    has_staff,
    list_staff,
    permits,
    set_pin,
    set_role,
    sign_in,
)
from app.store.database import Database
from app.store.tables import AUDIT, STAFF, SYNC_EVENT
from tests.conftest import Clock


def _audit(ctx: Context, action: str) -> list[dict[str, Any]]:
    with ctx.db.reading() as session:
        rows = session.connection().execute(
            select(AUDIT.c.actor, AUDIT.c.approver, AUDIT.c.detail)
            .where(AUDIT.c.action == action)
            .order_by(AUDIT.c.id)
        )
        # The approver has its own column in the chained row (migration 0017_audit_chain).
        return [{"actor": r.actor, "approved_by": r.approver, **json.loads(r.detail)} for r in rows]


@pytest.fixture
def team(ctx: Context) -> Context:
    add_staff(ctx, "Olivia", Role.OWNER, "1111")
    add_staff(ctx, "Max", Role.MANAGER, "2222")
    add_staff(ctx, "Carla", Role.CASHIER, "3333")
    return ctx


def test_a_shop_without_staff_lets_anyone_do_everything(ctx: Context) -> None:
    assert not has_staff(ctx)
    assert permits(ctx, None, Action.STAFF)


def test_accounts_are_listed_found_by_name_or_badge_and_keep_no_pin(team: Context) -> None:
    assert [s.name for s in list_staff(team)] == ["Carla", "Max", "Olivia"]
    carla = find_staff(team, "  carla ")
    assert carla.role is Role.CASHIER and carla.number == 100_003
    assert find_staff(team, badge_code(carla.number)) == carla
    with team.db.reading() as session:
        hashes = session.connection().execute(select(STAFF.c.pin_hash)).scalars().all()
        payloads = session.connection().execute(select(SYNC_EVENT.c.payload)).scalars().all()
    assert all(h.startswith("$argon2id$") and "3333" not in h for h in hashes)
    assert all('"3333"' not in p for p in payloads)
    with pytest.raises(InvalidInput, match="No staff member"):
        find_staff(team, "Nobody")


def test_the_first_account_is_the_owner_and_the_last_owner_stays(ctx: Context) -> None:
    with pytest.raises(InvalidInput, match="first staff account"):
        add_staff(ctx, "Carla", Role.CASHIER, "3333")
    add_staff(ctx, "Olivia", Role.OWNER, "1111")
    with pytest.raises(InvalidInput, match="already"):
        add_staff(ctx, "OLIVIA", Role.MANAGER, "1234")
    with pytest.raises(InvalidInput, match="active owner"):
        set_role(ctx, "Olivia", Role.MANAGER)
    with pytest.raises(InvalidInput, match="active owner"):
        disable_staff(ctx, "Olivia")


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "١٢٣٤", ""])
def test_a_pin_is_four_to_eight_digits(ctx: Context, pin: str) -> None:
    with pytest.raises(InvalidInput, match="4 to 8 digits"):
        add_staff(ctx, "Olivia", Role.OWNER, pin)
    assert list_staff(ctx) == []


def test_sign_in_with_the_right_pin_and_the_actor_is_the_person(team: Context) -> None:
    carla = sign_in(team, "Carla", "3333")
    act_as(team, carla)
    assert team.actor == "Carla" and team.staff == carla
    assert permits(team, carla, Action.SELL)
    assert not permits(team, carla, Action.ADJUST)
    assert not permits(team, None, Action.SELL)  # staff exist: nobody signed in may nothing
    assert [a["name"] for a in _audit(team, "staff.sign_in")] == ["Carla"]


def test_changes_pin_role_and_disable(team: Context) -> None:
    set_pin(team, "Carla", "4444")
    with pytest.raises(SignInRefused):
        sign_in(team, "Carla", "3333")
    assert sign_in(team, "Carla", "4444").name == "Carla"
    assert set_role(team, "Carla", Role.MANAGER).role is Role.MANAGER
    disable_staff(team, "Carla")
    with pytest.raises(SignInRefused, match="disabled"):
        sign_in(team, "Carla", "4444")
    kinds = [a for a in ("staff.pin", "staff.role", "staff.disable") if _audit(team, a)]
    assert kinds == ["staff.pin", "staff.role", "staff.disable"]
    assert all("pin_hash" not in a for a in _audit(team, "staff.pin"))


def test_five_wrong_pins_lock_for_60_s_then_doubling_up_to_15_min(
    team: Context, clock: Clock
) -> None:
    expected = [60, 120, 240, 480, 900, 900]
    for seconds in expected:
        for attempt in range(4):
            with pytest.raises(SignInRefused, match="Wrong PIN"):
                sign_in(team, "Max", f"99{attempt}9")
        with pytest.raises(SignInRefused, match=f"try again in {seconds} seconds"):
            sign_in(team, "Max", "0000")
        # Locked: even the right PIN is refused until the time is up.
        clock.now += timedelta(seconds=seconds - 1)
        with pytest.raises(SignInRefused, match=r"try again in 1 second$"):
            sign_in(team, "Max", "2222")
        clock.now += timedelta(seconds=1)
    assert [a["seconds"] for a in _audit(team, "staff.locked_out")] == expected
    assert len(_audit(team, "staff.sign_in_failed")) == 5 * len(expected)
    assert sign_in(team, "Max", "2222").name == "Max"
    # A good sign-in starts the doubling again; Carla was never locked by Max's guesses.
    for _ in range(5):
        with pytest.raises(SignInRefused):
            sign_in(team, "Max", "0000")
    assert _audit(team, "staff.locked_out")[-1]["seconds"] == 60
    assert sign_in(team, "Carla", "3333").name == "Carla"


def test_the_lock_survives_a_restart(team: Context, db_path: Path, clock: Clock) -> None:
    for _ in range(5):
        with pytest.raises(SignInRefused):
            sign_in(team, "Carla", "0000")
    team.db.dispose()
    again = Database(str(db_path))
    try:
        fresh = Context(again, clock=clock, actor="tester", till=1)
        with pytest.raises(SignInRefused, match="locked"):
            sign_in(fresh, "Carla", "3333")
        clock.now += timedelta(seconds=60)
        assert sign_in(fresh, "Carla", "3333").name == "Carla"
    finally:
        again.dispose()


def test_a_manager_approves_what_a_cashier_may_not_and_both_are_recorded(team: Context) -> None:
    carla = sign_in(team, "Carla", "3333")
    with pytest.raises(SignInRefused, match=r"Carla \(cashier\) may not adjust points"):
        approve(team, Action.ADJUST, "Carla", "3333")
    with pytest.raises(SignInRefused, match="owner's PIN"):
        approve(team, Action.SETTINGS, "Max", "2222")
    with pytest.raises(SignInRefused, match="Wrong PIN"):
        approve(team, Action.ADJUST, "Max", "9999")
    max_ = approve(team, Action.ADJUST, "Max", "2222")
    act_as(team, carla, approver=max_)
    assert (team.actor, team.approver) == ("Carla", "Max")
    set_pin(team, "Carla", "5555")  # any audited change names the approver
    last = _audit(team, "staff.pin")[-1]
    assert (last["actor"], last["approved_by"], last["name"]) == ("Carla", "Max", "Carla")


def test_the_shop_hashes_pins_with_argon2id_at_full_cost() -> None:
    from app.services.staff.pins import production_hasher

    hashed = production_hasher().hash("1234")
    assert production_hasher().verify(hashed, "1234")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    from app.services.staff.pins import pin_matches

    assert pin_matches(hashed, "1234") and not pin_matches(hashed, "1235")
    assert not pin_matches("not a hash", "1234")
