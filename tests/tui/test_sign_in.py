"""Staff at the till (issue 13): sign-in by name or badge, the PIN, locks, the manager's PIN pad."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select
from textual.widgets import Input, Static

from app.cli.counter import demo_app
from app.domain.roles import Role, badge_code
from app.services.checkout import checkout
from app.services.context import Context
from app.services.demo import seed_demo, seed_demo_staff
from app.services.settings import write_setting
from app.services.staff import StaffView, add_staff
from app.services.views import MemberView
from app.store.models import AuditEntry
from app.tui.app import LoyaltyApp
from app.tui.screens.adjust import AdjustScreen
from app.tui.screens.gate import PinPadScreen
from app.tui.screens.help import HelpScreen
from app.tui.screens.refund import RefundScreen
from app.tui.screens.sign_in import SignInScreen
from tests.conftest import Clock
from tests.tui.conftest import burst, scan, settle, text_of

SIZE = (80, 24)


@pytest.fixture
def team(ctx: Context) -> dict[str, StaffView]:
    """An owner, a manager and a cashier, with their PINs 1111, 2222 and 3333."""
    return {
        "owner": add_staff(ctx, "Olga", Role.OWNER, "1111"),
        "manager": add_staff(ctx, "Max", Role.MANAGER, "2222"),
        "cashier": add_staff(ctx, "Carla", Role.CASHIER, "3333"),
    }


def audit_rows(ctx: Context, action: str) -> list[AuditEntry]:
    with ctx.db.reading() as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)))


def sign_in_message(app: LoyaltyApp) -> str:
    return text_of(app, "#sign-in-message")


async def sign_in_by_name(pilot, name: str, pin: str) -> None:  # type: ignore[no-untyped-def]
    await burst(pilot, *name, "enter", *pin, "enter")


# --- a shop of one ---------------------------------------------------------------------


async def test_a_shop_of_one_opens_on_the_counter_and_says_who_can_change_what(
    app: LoyaltyApp,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not isinstance(app.screen, SignInScreen)
        line = text_of(app, "#shop-of-one")
        assert "Anyone at this till can change everything" in line
        assert "loyalty staff add" in line
        assert app.sub_title == "Store 001 · Till 1"
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert not isinstance(app.screen, SignInScreen)  # nobody to sign in: nothing locks
        assert "🔒" not in text_of(app, "KeyBar")


async def test_the_first_staff_account_locks_a_running_shop_of_one(
    app: LoyaltyApp, ctx: Context, member: MemberView
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await scan(pilot, member.card)
        await settle(pilot)
        add_staff(ctx, "Olga", Role.OWNER, "1111")  # at the shell, while the till is open
        app.refresh_sync_status()  # every 30 seconds
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert app.counter.member is None
        await sign_in_by_name(pilot, "Olga", "1111")
        assert "Olga (owner)" in app.sub_title
        assert not app.screen.query_one("#shop-of-one").display


# --- signing in ------------------------------------------------------------------------


async def test_with_staff_the_till_opens_locked_and_a_name_and_pin_sign_in(
    ctx: Context, team: dict[str, StaffView], member: MemberView
) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert "Locked" in app.sub_title
        await sign_in_by_name(pilot, "Carla", "3333")
        assert not isinstance(app.screen, SignInScreen)
        assert "Carla (cashier)" in app.sub_title
        assert ctx.staff is not None and ctx.staff.name == "Carla"
        assert app.focused is not None and app.focused.id == "scan"
        assert not app.screen.query_one("#shop-of-one").display
        # The cashier may not adjust points alone: with a member on screen the key bar says so.
        await scan(pilot, member.card)
        await settle(pilot)
        assert "🔒Adjust" in text_of(app, "KeyBar")
        assert "🔒Refund" not in text_of(app, "KeyBar")


async def test_a_badge_scanned_with_the_pin_right_behind_signs_in(
    ctx: Context, team: dict[str, StaffView]
) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        badge = badge_code(team["manager"].number)
        await burst(pilot, *badge, "enter", *"2222", "enter")
        assert not isinstance(app.screen, SignInScreen)
        assert "Max (manager)" in app.sub_title
        # A manager adjusts without a PIN: no lock on the key bar.
        assert "🔒" not in text_of(app, "KeyBar")


async def test_the_name_can_be_picked_from_the_list(
    ctx: Context, team: dict[str, StaffView]
) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SignInScreen)
        # By name: Carla (highlighted), Max, Olga; the arrows move in the list from the field.
        assert [person.name for person in screen.staff] == ["Carla", "Max", "Olga"]
        await pilot.press("down", "down", "up", "enter")
        await settle(pilot)
        assert "Max (manager)" in text_of(app, "#pin-prompt")
        await burst(pilot, *"2222", "enter")
        assert "Max (manager)" in app.sub_title


async def test_a_wrong_pin_is_told_and_nothing_opens(
    ctx: Context, team: dict[str, StaffView]
) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await sign_in_by_name(pilot, "Carla", "9999")
        assert isinstance(app.screen, SignInScreen)
        assert "wrong pin" in sign_in_message(app).lower()
        field = app.screen.query_one("#pin-input", Input)
        assert field.password and field.value == ""
        assert ctx.staff is None
        # The right PIN then signs in (the person is still chosen).
        await burst(pilot, *"3333", "enter")
        assert "Carla (cashier)" in app.sub_title


async def test_five_wrong_pins_lock_the_person_out(
    ctx: Context, team: dict[str, StaffView]
) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await sign_in_by_name(pilot, "Carla", "0000")
        for _attempt in range(4):
            await burst(pilot, *"0000", "enter")
        assert "locked" in sign_in_message(app).lower()
        # Even the right PIN does not open the till now.
        await burst(pilot, *"3333", "enter")
        assert isinstance(app.screen, SignInScreen)
        assert "locked" in sign_in_message(app).lower()


async def test_a_short_pin_or_a_member_card_is_no_attempt(
    ctx: Context, team: dict[str, StaffView], member: MemberView
) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # A member card scanned at the locked till: refused, it reaches no counter.
        await scan(pilot, member.card)
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert "member card" in sign_in_message(app)
        await sign_in_by_name(pilot, "Carla", "12")
        assert "4 to 8 digits" in sign_in_message(app)
        await burst(pilot, *member.card, "enter")
        assert "4 to 8 digits" in sign_in_message(app)
        await burst(pilot, *"3333", "enter")
        assert not isinstance(app.screen, SignInScreen)
        counter = app.counter
        assert counter.member is None
        assert counter.scan_input.value == ""


# --- locking ---------------------------------------------------------------------------


async def test_ctrl_l_locks_and_clears_the_member(
    ctx: Context, team: dict[str, StaffView], member: MemberView
) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await sign_in_by_name(pilot, "Carla", "3333")
        await scan(pilot, member.card)
        await settle(pilot)
        assert app.counter.member is not None
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert "Locked" in app.sub_title
        assert ctx.staff is None
        assert app.counter.member is None
        await sign_in_by_name(pilot, "Max", "2222")
        assert app.counter.member is None
        assert text_of(app, "#member-name") == ""


async def test_the_till_locks_itself_after_the_idle_minutes(
    ctx: Context, clock: Clock, team: dict[str, StaffView], member: MemberView
) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await sign_in_by_name(pilot, "Carla", "3333")
        await scan(pilot, member.card)
        await settle(pilot)
        # Four minutes without a key: still open (staff.lock_minutes is 5 by default).
        clock.now += timedelta(minutes=4)
        app.lock_if_idle()
        await settle(pilot)
        assert not isinstance(app.screen, SignInScreen)
        clock.now += timedelta(minutes=1)
        app.lock_if_idle()
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert app.counter.member is None


async def test_a_key_keeps_the_till_open(
    ctx: Context, clock: Clock, team: dict[str, StaffView]
) -> None:
    write_setting(ctx.db, "staff.lock_minutes", 1)
    ctx.forget_settings()
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await sign_in_by_name(pilot, "Carla", "3333")
        clock.now += timedelta(seconds=50)
        await pilot.press("f3")
        clock.now += timedelta(seconds=50)
        app.lock_if_idle()
        await settle(pilot)
        assert not isinstance(app.screen, SignInScreen)
        # A minute after the last key (staff.lock_minutes = 1), the till locks.
        clock.now += timedelta(seconds=10)
        app.lock_if_idle()
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)


# --- the manager's PIN pad -------------------------------------------------------------


async def test_a_manager_allows_a_cashier_one_adjustment(
    ctx: Context, team: dict[str, StaffView], member: MemberView
) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await sign_in_by_name(pilot, "Carla", "3333")
        await scan(pilot, member.card)
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, PinPadScreen)
        # A cashier's PIN does not allow it.
        await burst(pilot, *"Carla", "enter", *"3333", "enter")
        assert isinstance(app.screen, PinPadScreen)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        badge = badge_code(team["manager"].number)
        await burst(pilot, *badge, "enter", *"2222", "enter")
        adjust = app.screen
        assert isinstance(adjust, AdjustScreen)
        assert adjust.ctx.staff is not None and adjust.ctx.staff.name == "Carla"
        assert adjust.ctx.approver == "Max"
        await pilot.press(*"50", "enter", *"Receipt", "space", *"lost", "enter")
        await settle(pilot)
        assert not isinstance(app.screen, AdjustScreen)
        # Both names are recorded: who did it, and who allowed it.
        [entry] = audit_rows(ctx, "points.adjust")
        assert entry.actor == "Carla"
        assert entry.approver == "Max"
        # Once: the counter's own context is still the cashier's alone.
        assert ctx.approver is None
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, PinPadScreen)


async def test_a_cashier_refunds_a_small_sale_of_today_alone_a_large_one_with_a_pin(
    ctx: Context, team: dict[str, StaffView], member: MemberView
) -> None:
    checkout(ctx, member.card, 8000)  # above staff.cashier_refund_limit (50.00)
    checkout(ctx, member.card, 1999)
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await sign_in_by_name(pilot, "Carla", "3333")
        await scan(pilot, member.card)
        await settle(pilot)
        # The newest sale (19.99) comes first, refunded in full by the cashier alone.
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, RefundScreen)
        await pilot.press("f9")
        await settle(pilot)
        assert not isinstance(app.screen, RefundScreen | PinPadScreen)
        assert "Refund of sale" in text_of(app, "#message")
        # 80.00 is beyond the cashier: the manager's PIN pad, then the refund.
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, PinPadScreen)
        await burst(pilot, *"Max", "enter", *"2222", "enter")
        assert not isinstance(app.screen, RefundScreen | PinPadScreen)
        assert "Refund of sale" in text_of(app, "#message")
        entries = audit_rows(ctx, "sale.refund")
        assert [e.approver for e in entries] == [None, "Max"]
        assert {entry.actor for entry in entries} == {"Carla"}


async def test_the_help_marks_what_needs_a_pin(ctx: Context, team: dict[str, StaffView]) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await sign_in_by_name(pilot, "Carla", "3333")
        await pilot.press("f1")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        lines = {
            str(key.render()): str(meaning.render())
            for key, meaning in zip(screen.query(".key"), screen.query(".meaning"), strict=True)
        }
        assert lines["F6"].startswith("🔒")
        assert lines["Ctrl+R"].startswith("🔒")
        assert lines["F5"] == "Refund a sale (🔒 above €50.00 or not today here)"
        assert "Ctrl+L" in lines
        assert "F7" in lines and not lines["F7"].startswith("🔒")
        # Still every line on the 80x24 terminal, the note on the locks included.
        dialog = screen.query_one("#dialog")
        assert dialog.region.height <= 24
        assert all(label.region.height == 1 for label in screen.query(".meaning"))
        hint = screen.query_one(".hint", Static)
        assert "manager's or owner's badge and PIN" in str(hint.render())
        # On screen, above the key bar (it fell below the 24th line once).
        assert hint.region.height == 1 and hint.region.bottom <= 23
        # The command palette marks the same.
        titles = [title for title, _help, _call in app.counter.palette_commands()]
        assert "🔒Adjust points" in titles and "🔒Program rules" in titles
        assert "Enroll a new member" in titles and "Refund a sale" in titles
        system = [command.title for command in app.get_system_commands(app.counter)]
        assert "🔒Sync conflicts" in system and "🔒Day's close" in system


# --- the demo --------------------------------------------------------------------------


async def test_the_demo_opens_signed_in_as_carla_the_cashier(ctx: Context) -> None:
    cards = seed_demo(ctx, members=3)
    seed_demo_staff(ctx)
    app = demo_app(ctx, cards)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not isinstance(app.screen, SignInScreen)
        assert "Carla (cashier)" in app.sub_title
        assert not app.screen.query_one("#shop-of-one").display
        # A newcomer scans at once.
        await scan(pilot, cards[0][0])
        await settle(pilot)
        assert app.counter.member is not None
        assert "🔒Adjust" in text_of(app, "KeyBar")
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
