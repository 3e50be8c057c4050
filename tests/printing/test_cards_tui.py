"""F7 at the counter prints the member's card in a worker: to the receipt printer, or as a PDF
in the user data folder when no printer is set up; a printer error is a message, not a crash."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from app.services.context import Context
from app.services.settings import write_setting
from app.services.views import MemberView
from app.tui.app import LoyaltyApp
from tests.printing.conftest import assert_both_codes
from tests.tui.conftest import scan, settle, text_of


def _printed_at(db_path: Path, card: str) -> str | None:
    with sqlite3.connect(db_path) as con:
        return con.execute("SELECT printed_at FROM card WHERE number = ?", (card,)).fetchone()[0]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_f7_prints_the_card_on_the_receipt_printer(
    ctx: Context, member: MemberView, db_path: Path, tmp_path: Path
) -> None:
    job = tmp_path / "printer.bin"
    write_setting(ctx.db, "printer.kind", "file")
    write_setting(ctx.db, "printer.target", str(job))
    ctx.forget_settings()
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        await pilot.press("f7")
        await settle(pilot)
        assert text_of(app, "#message") == f"Card {member.card} printed"
        assert app.screen.query_one("#message").has_class("-success")
    # the printer's own QR command carries exactly the 13 digits
    assert b"\x1d(k\x10\x001P0" + member.card.encode() in job.read_bytes()
    assert _printed_at(db_path, member.card) is not None


async def test_f7_without_a_printer_writes_a_pdf_and_says_where(
    ctx: Context, member: MemberView, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        await pilot.press("f7")
        await settle(pilot)
        message = text_of(app, "#message")
    pdf = tmp_path / "data" / "loyalty-counter" / "cards" / f"card-{member.card}.pdf"
    assert pdf.is_file()
    assert str(pdf) in message.replace("\n", "")
    assert message.startswith("No receipt printer is set up: card saved as")
    (page,) = list(pdfium.PdfDocument(pdf.read_bytes()))
    assert_both_codes(page.render(scale=300 / 72).to_pil(), member.card)
    assert "Anna Müller" in page.get_textpage().get_text_range()
    assert _printed_at(db_path, member.card) is not None


async def test_f7_with_an_unreachable_printer_says_so_and_marks_nothing(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    write_setting(ctx.db, "printer.kind", "network")
    write_setting(ctx.db, "printer.target", f"127.0.0.1:{_closed_port()}")
    ctx.forget_settings()
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        await pilot.press("f7")
        await settle(pilot)
        message = text_of(app, "#message")
        assert app.screen.query_one("#message").has_class("-error")
        # the till goes on: the member is still there, ready for the amount
        assert app.screen.member is not None
    assert "not reachable" in message
    assert _printed_at(db_path, member.card) is None


async def test_f7_without_a_member_prints_nothing(
    ctx: Context, member: MemberView, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f7")
        await settle(pilot)
    assert not (tmp_path / "data").exists()


async def test_f7_is_on_the_help_screen(ctx: Context) -> None:
    from app.tui.screens.help import counter_keys

    assert ("F7", "Print the member's card") in counter_keys()


async def test_right_after_enrolment_f7_prints_the_new_card(
    ctx: Context, db_path: Path, tmp_path: Path
) -> None:
    from tests.tui.test_enroll import members_card, type_text

    job = tmp_path / "printer.bin"
    write_setting(ctx.db, "printer.kind", "file")
    write_setting(ctx.db, "printer.target", str(job))
    ctx.forget_settings()
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        await type_text(pilot, "Lea")
        await pilot.press("enter")
        await type_text(pilot, "Koch")
        await pilot.press("f9")
        await pilot.pause()
        await pilot.press("enter")  # close the new-card view: back at the counter with Lea
        await pilot.pause()
        card = members_card(ctx)
        assert _printed_at(db_path, card) is None
        await pilot.press("f7")
        await settle(pilot)
        assert text_of(app, "#message") == f"Card {card} printed"
    assert b"1P0" + card.encode() in job.read_bytes()
    assert _printed_at(db_path, card) is not None
