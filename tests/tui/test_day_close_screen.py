"""The day's close screen: F6 on the Reports screen or the palette, another date, F7 prints."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from app.services.checkout import checkout
from app.services.context import Context
from app.services.settings import write_setting
from app.services.views import MemberView
from app.tui.app import LoyaltyApp
from app.tui.screens.day_close import DayCloseScreen
from app.tui.screens.reports import ReportsScreen
from tests.tui.conftest import settle

SIZE = (80, 24)


def message(screen: DayCloseScreen) -> str:
    return str(screen.query_one("#close-message", Static).render())


async def test_f6_on_reports_shows_today_and_another_date(ctx: Context, member: MemberView) -> None:
    checkout(ctx, member.card, 25_00)
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, ReportsScreen)
        await pilot.press("f6")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DayCloseScreen)
        text = screen.text()
        assert "Day's close Nov 20, 2026 · shop 001" in text
        assert "Cashier tester" in text and "€25.00" in text
        assert screen.query_one("#close-date", Input).has_focus
        await pilot.press(*"2026-11-19", "enter")
        await settle(pilot)
        assert "Nothing was booked on this day." in screen.text()
        await pilot.press(*"x", "enter")
        await settle(pilot)
        assert "not a date" in message(screen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReportsScreen)


async def test_f7_prints_and_a_missing_printer_is_a_message(
    ctx: Context, member: MemberView, tmp_path: Path
) -> None:
    checkout(ctx, member.card, 25_00)
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.action_day_close()
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DayCloseScreen)
        await pilot.press("f7")
        await settle(pilot)
        assert "No receipt printer is set up" in message(screen)
        printer = tmp_path / "printer.bin"
        write_setting(ctx.db, "printer.kind", "file", ctx.now())
        write_setting(ctx.db, "printer.target", str(printer), ctx.now())
        ctx.forget_settings()
        await pilot.press("f7")
        await settle(pilot)
        assert f"Printed the day's close on file:{printer}" in message(screen)
        assert printer.read_bytes().startswith(b"\x1b@")
        assert b"Cashier tester" in printer.read_bytes()
