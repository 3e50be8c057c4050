"""One rule for F7 and `loyalty card print CARD`: the receipt printer, or without one a PDF
in the user data folder, on a real database file."""

from __future__ import annotations

import json
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from app.services.cards import PrintFailed, print_or_save_card
from app.services.context import Context
from app.services.settings import write_setting
from app.services.views import MemberView
from tests.printing.conftest import assert_both_codes
from tests.services.dbstate import scalar, snapshot


def test_without_a_printer_the_card_is_a_pdf_in_the_data_folder(
    ctx: Context,
    member: MemberView,
    db_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    result = print_or_save_card(ctx, member.card)
    pdf = tmp_path / "data" / "loyalty-counter" / "cards" / f"card-{member.card}.pdf"
    assert (result.cards, result.format, result.destination) == ((member.card,), "pdf", str(pdf))
    assert result.no_printer
    (page,) = list(pdfium.PdfDocument(pdf.read_bytes()))
    assert_both_codes(page.render(scale=300 / 72).to_pil(), member.card)
    assert "Anna Müller" in page.get_textpage().get_text_range()
    assert scalar(db_path, "SELECT printed_at FROM card") is not None
    audit = scalar(db_path, "SELECT detail FROM audit_entry WHERE action = 'card.print'")
    assert json.loads(audit) == {"format": "pdf"}
    # Printing again replaces the file instead of refusing.
    assert print_or_save_card(ctx, member.card).destination == str(pdf)


def test_with_a_printer_the_card_goes_to_it(
    ctx: Context,
    member: MemberView,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    device = tmp_path / "lp0"
    write_setting(ctx.db, "printer.kind", "file")
    write_setting(ctx.db, "printer.target", str(device))
    ctx.forget_settings()
    result = print_or_save_card(ctx, member.card)
    assert (result.format, result.destination, result.no_printer) == (
        "escpos",
        f"file:{device}",
        False,
    )
    assert member.card.encode() in device.read_bytes()
    assert not (tmp_path / "data").exists()


def test_a_data_folder_that_cannot_be_made_is_a_message_and_changes_nothing(
    ctx: Context,
    member: MemberView,
    db_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    before = snapshot(db_path)
    with pytest.raises(PrintFailed, match="Cannot write"):
        print_or_save_card(ctx, member.card)
    assert snapshot(db_path) == before
