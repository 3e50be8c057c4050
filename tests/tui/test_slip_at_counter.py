"""The customer's slip at the counter: printed after F9 (always), offered (ask), Ctrl+B."""

from __future__ import annotations

from pathlib import Path

from app.services.context import Context
from app.services.settings import write_setting
from app.services.views import MemberView
from app.tui.app import LoyaltyApp
from tests.tui.conftest import burst, confirm, scan, settle, text_of, type_text

SIZE = (80, 24)


def printer_file(ctx: Context, tmp_path: Path, mode: str) -> Path:
    printer = tmp_path / "printer.bin"
    for key, value in (
        ("printer.kind", "file"),
        ("printer.target", str(printer)),
        ("printer.slip", mode),
    ):
        write_setting(ctx.db, key, value, ctx.now())
    ctx.forget_settings()
    return printer


async def test_always_prints_the_slip_after_the_sale_and_the_next_scan_goes_on(
    ctx: Context, member: MemberView, other_member: MemberView, tmp_path: Path
) -> None:
    printer = printer_file(ctx, tmp_path, "always")
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await scan(pilot, member.card)
        await type_text(pilot, "12.50")
        await confirm(pilot)
        await settle(pilot)
        job = printer.read_bytes()
        assert job.startswith(b"\x1b@") and b"Thank you, Anna!" in job
        assert b"Points earned" in job
        assert "Sale saved" in text_of(app, "#message")
        # The next customer's card straight after: loaded, the slip never in the way.
        await burst(pilot, *other_member.card, "enter")
        assert app.screen.member is not None
        assert app.screen.member.first_name == "Jonas"


async def test_ask_offers_ctrl_b_and_off_prints_only_on_ctrl_b(
    ctx: Context, member: MemberView, tmp_path: Path
) -> None:
    printer = printer_file(ctx, tmp_path, "ask")
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+b")
        await settle(pilot)
        assert "Confirm a sale first" in text_of(app, "#message")
        await scan(pilot, member.card)
        await type_text(pilot, "20")
        await confirm(pilot)
        assert "Ctrl+B prints the customer's slip." in text_of(app, "#message")
        assert not printer.exists()
        await pilot.press("ctrl+b")
        await settle(pilot)
        assert b"Thank you, Anna!" in printer.read_bytes()


async def test_a_missing_printer_is_a_notification_and_the_sale_stays(
    ctx: Context, member: MemberView
) -> None:
    write_setting(ctx.db, "printer.slip", "always", ctx.now())
    ctx.forget_settings()
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await scan(pilot, member.card)
        await type_text(pilot, "20")
        await confirm(pilot)
        await settle(pilot)
        assert "Sale saved" in text_of(app, "#message")
        notes = [n.message for n in app._notifications]
        assert any("No receipt printer is set up" in note for note in notes)
