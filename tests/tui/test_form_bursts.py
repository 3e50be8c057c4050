"""Every form saves what was typed up to F9 (or Enter), also when the keys come in one burst:
the field's Ctrl+U, Backspace and F9 act where they were typed, not after the keys behind them
(``widgets/ordered_input.py``)."""

from __future__ import annotations

from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Input

from app.domain.program import Tier
from app.services.checkout import checkout
from app.services.context import Context
from app.services.lookup import lookup_card
from app.services.member_history import member_profile
from app.services.program_rules import list_tiers
from app.services.views import MemberView
from app.store.models import LedgerEntry, Member, Refund
from app.store.settings import load_settings
from app.tui.app import LoyaltyApp
from app.tui.screens import AdjustScreen, EnrollScreen
from app.tui.screens.form_dialog import FormDialog
from app.tui.screens.member_view import MemberViewScreen
from app.tui.screens.program import TIERS, ProgramScreen
from app.tui.screens.refund import RefundScreen
from tests.tui.conftest import burst, scan, settle
from tests.tui.test_program_screen import go_to

SIZE = (80, 24)


def keys(text: str) -> list[str]:
    """Text as key names (a space is the space key)."""
    return [c if c != " " else "space" for c in text]


async def opened(pilot: Pilot[None], key: str) -> object:
    await pilot.press(key)
    await settle(pilot)
    return pilot.app.screen


async def test_profile_postcode_cleared_retyped_and_saved_in_one_burst(
    ctx: Context, member: MemberView
) -> None:
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scan(pilot, member.card)
        screen = await opened(pilot, "f8")
        assert isinstance(screen, MemberViewScreen)
        screen.query_one("#desk-postcode").focus()
        await pilot.pause()
        await burst(pilot, "end", "ctrl+u", *"70173", "f9")
        assert "Profile saved" in str(screen.query_one("#desk-view-message").render())
        await burst(pilot, "backspace", "backspace", *"95", "f9")
    assert member_profile(ctx, member.member_id).postcode == "70195"


async def test_enroll_with_the_last_name_and_f9_in_one_burst(ctx: Context) -> None:
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await opened(pilot, "f2")
        assert isinstance(screen, EnrollScreen)
        await pilot.press(*"Anna", "enter")
        await pilot.pause()
        await burst(pilot, *"Webre", "backspace", "backspace", *"er", "f9")
        assert screen.enrolled is not None
    with ctx.db.reading() as session:
        names = [(m.first_name, m.last_name) for m in session.exec(select(Member))]
    assert names == [("Anna", "Weber")]


async def test_adjust_with_the_reason_and_f9_in_one_burst(ctx: Context, member: MemberView) -> None:
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scan(pilot, member.card)
        screen = await opened(pilot, "f6")
        assert isinstance(screen, AdjustScreen)
        await pilot.press(*"50", "enter")
        await pilot.pause()
        await burst(pilot, *keys("wrong"), "ctrl+u", *keys("lost receipt"), "f9")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, AdjustScreen)
    with ctx.db.reading() as session:
        rows = session.exec(select(LedgerEntry).where(LedgerEntry.kind == "adjustment")).all()
        assert [(row.points, row.reason) for row in rows] == [(50, "lost receipt")]


async def test_refund_amount_retyped_and_confirmed_in_one_burst(
    ctx: Context, member: MemberView
) -> None:
    checkout(ctx, member.card, 2000)
    member = lookup_card(ctx, member.card)
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scan(pilot, member.card)
        screen = await opened(pilot, "f5")
        assert isinstance(screen, RefundScreen)
        await pilot.press("enter")  # the newest sale: to the amount
        await pilot.pause()
        assert screen.query_one("#amount", Input).value == "20.00"
        await burst(pilot, "end", "ctrl+u", *"7,50", "f9")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, RefundScreen)
    with ctx.db.reading() as session:
        assert [r.amount_cents for r in session.exec(select(Refund))] == [750]


async def test_a_program_setting_retyped_and_saved_in_one_burst(
    app: LoyaltyApp, ctx: Context
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await opened(pilot, "ctrl+r")
        assert isinstance(screen, ProgramScreen)
        assert app.focused is not None and app.focused.id == "set-earn-points-per-unit"
        await burst(pilot, "end", "ctrl+u", "3", "f9")
    assert load_settings(ctx.db)["program.earn_points_per_unit"] == 3


async def test_a_dialog_field_typed_and_saved_in_one_burst(app: LoyaltyApp, ctx: Context) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await opened(pilot, "ctrl+r")
        assert isinstance(screen, ProgramScreen)
        await go_to(pilot, screen, TIERS)
        dialog = await opened(pilot, "f4")
        assert isinstance(dialog, FormDialog)
        for text in ("Gold", "300", "2"):
            await pilot.press(*text, "enter")
            await pilot.pause()
        await burst(pilot, *"99", "ctrl+u", *"15", "f9")
        assert app.screen is screen
    assert list_tiers(ctx) == (Tier("Gold", 30_000, 200, 15),)
