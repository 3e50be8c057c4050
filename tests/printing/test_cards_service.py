"""Card service: print to real files, decode them, mark cards printed; replace a lost card."""

from __future__ import annotations

import io
import json
import socket
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from app.domain.cards import CardLayout, make_card_number
from app.domain.errors import CardBlocked, CardNotFound, InvalidCardNumber, InvalidInput
from app.domain.profile import MemberDraft
from app.printing.escpos import PrinterUnavailable
from app.services.adjustments import adjust_points
from app.services.cards import (
    PrintFailed,
    card_face,
    new_cards,
    print_card,
    print_new_cards,
    replace_card,
)
from app.services.context import Context
from app.services.lookup import lookup_card
from app.services.members import enroll_member
from app.services.settings import write_setting
from app.services.views import MemberView
from tests.printing.conftest import assert_both_codes, decoded
from tests.services.dbstate import scalar, snapshot

UNKNOWN = make_card_number(CardLayout(), 9999)


def pdf_pages(path: Path) -> list[tuple[Image.Image, str]]:
    """Each page rendered at 300 dpi, with its extracted text."""
    doc = pdfium.PdfDocument(str(path))
    pages = []
    for page in doc:
        pages.append((page.render(scale=300 / 72).to_pil(), page.get_textpage().get_text_range()))
    return pages


def printed_at(db_path: Path, number: str) -> object:
    return scalar(db_path, "SELECT printed_at FROM card WHERE number = ?", (number,))


def test_png_card_decodes_and_is_marked_printed(
    ctx: Context, member: MemberView, tmp_path: Path, db_path: Path
) -> None:
    out = tmp_path / "card.png"
    result = print_card(ctx, member.card, "png", out)
    assert result.cards == (member.card,)
    assert_both_codes(Image.open(out), member.card)
    assert printed_at(db_path, member.card) is not None
    audit = scalar(db_path, "SELECT detail FROM audit_entry WHERE action = 'card.print'")
    assert json.loads(audit) == {"format": "png"}


def test_pdf_card_decodes_and_has_the_umlaut_name(
    ctx: Context, member: MemberView, tmp_path: Path
) -> None:
    out = tmp_path / "card.pdf"
    print_card(ctx, member.card, "pdf", out)
    [(image, text)] = pdf_pages(out)
    assert_both_codes(image, member.card)
    assert "Anna Müller" in text
    assert member.card in text


def test_svg_card_names_the_member(ctx: Context, member: MemberView, tmp_path: Path) -> None:
    out = tmp_path / "card.svg"
    print_card(ctx, member.card, "svg", out)
    text = out.read_text(encoding="utf-8")
    assert text.lstrip().startswith("<")
    assert "Anna Müller" in text
    assert member.card in text


def test_escpos_to_a_file(ctx: Context, member: MemberView, tmp_path: Path) -> None:
    out = tmp_path / "job.bin"
    print_card(ctx, member.card, "escpos", out)
    assert member.card.encode() in out.read_bytes()


def test_escpos_goes_to_the_configured_file_printer(
    ctx: Context, member: MemberView, tmp_path: Path
) -> None:
    device = tmp_path / "lp0"
    write_setting(ctx.db, "printer.kind", "file")
    write_setting(ctx.db, "printer.target", str(device))
    ctx.forget_settings()
    result = print_card(ctx, member.card, "escpos")
    assert result.destination == f"file:{device}"
    assert member.card.encode() in device.read_bytes()


def test_shop_name_and_no_logo_come_from_the_settings(ctx: Context, member: MemberView) -> None:
    write_setting(ctx.db, "shop.name", "Café Zoë")
    write_setting(ctx.db, "shop.logo", "none")
    ctx.forget_settings()
    face = card_face(ctx, member.card)
    assert (face.shop_name, face.member_name, face.logo) == ("Café Zoë", "Anna Müller", None)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("card", "fmt", "out", "error", "message"),
    [
        (UNKNOWN, "png", "x.png", CardNotFound, "Unknown card"),
        ("2900100000018", "png", "x.png", InvalidCardNumber, "check digit"),
        (None, "gif", "x.gif", InvalidInput, "Unknown card format"),
        (None, "png", "missing/x.png", PrintFailed, "Cannot write"),
        (None, "png", ".", PrintFailed, "folder"),
        (None, "pdf", None, InvalidInput, "--out"),
        (None, "escpos", None, PrinterUnavailable, "No receipt printer is set up"),
    ],
)
def test_bad_input_is_a_message_and_changes_nothing(
    ctx: Context,
    member: MemberView,
    tmp_path: Path,
    db_path: Path,
    card: str | None,
    fmt: str,
    out: str | None,
    error: type[Exception],
    message: str,
) -> None:
    before = snapshot(db_path)
    with pytest.raises(error) as err:
        print_card(ctx, card or member.card, fmt, tmp_path / out if out else None)
    assert message in str(err.value)
    assert snapshot(db_path) == before
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(db_path.name)] == []


def test_unreachable_network_printer_changes_nothing(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    write_setting(ctx.db, "printer.kind", "network")
    write_setting(ctx.db, "printer.target", f"127.0.0.1:{_closed_port()}")
    ctx.forget_settings()
    before = snapshot(db_path)
    with pytest.raises(PrinterUnavailable, match="not reachable"):
        print_card(ctx, member.card, "escpos")
    assert snapshot(db_path) == before


def _enroll(ctx: Context, count: int) -> list[str]:
    names = ["Jürgen", "Zoë", "François", "Małgorzata", "Søren", "Ana", "Ömer", "Chloé"]
    last = ["Weiß", "Groß", "Núñez", "Dvořák", "Çelik", "Schön", "Lefèvre", "Ødegaard"]
    return [
        enroll_member(
            ctx, MemberDraft(first_name=names[i % len(names)], last_name=last[(i + i // 8) % 8])
        ).card
        for i in range(count)
    ]


def test_all_new_cards_on_a4_sheets_each_card_decodes(
    ctx: Context, member: MemberView, tmp_path: Path, db_path: Path
) -> None:
    numbers = [member.card, *_enroll(ctx, 11)]
    out = tmp_path / "sheet.pdf"
    result = print_new_cards(ctx, "pdf", out)
    assert list(result.cards) == sorted(numbers)
    pages = pdf_pages(out)
    assert len(pages) == 2
    found: list[str] = []
    for image, _text in pages:
        assert abs(image.width - 2480) <= 1 and abs(image.height - 3508) <= 1  # A4, 300 dpi
        codes = decoded(image)
        assert sorted(codes["EAN-13"]) == sorted(codes["QR Code"])
        found += codes["EAN-13"]
    assert sorted(found) == sorted(numbers)
    assert "Małgorzata Dvořák" in pages[0][1]
    assert all(printed_at(db_path, n) is not None for n in numbers)
    assert print_new_cards(ctx, "pdf", tmp_path / "again.pdf").cards == ()
    assert not (tmp_path / "again.pdf").exists()


def test_all_new_png_writes_one_file_per_card(ctx: Context, tmp_path: Path) -> None:
    numbers = _enroll(ctx, 2)
    folder = tmp_path / "cards"
    folder.mkdir()
    print_new_cards(ctx, "png", folder)
    for number in numbers:
        assert_both_codes(Image.open(folder / f"card-{number}.png"), number)


def test_a_failed_batch_marks_nothing_printed(
    ctx: Context, member: MemberView, tmp_path: Path, db_path: Path
) -> None:
    _enroll(ctx, 2)
    before = snapshot(db_path)
    with pytest.raises(PrintFailed):
        print_new_cards(ctx, "pdf", tmp_path / "no" / "sheet.pdf")
    with pytest.raises(PrintFailed):
        print_new_cards(ctx, "png", tmp_path / "no-folder")
    assert snapshot(db_path) == before
    assert len(new_cards(ctx)) == 3


def test_replace_card_keeps_balance_and_blocks_the_old_number(
    ctx: Context, member: MemberView, db_path: Path, tmp_path: Path
) -> None:
    adjust_points(ctx, member.card, 250, "welcome bonus")
    sales_before = scalar(db_path, "SELECT count(*) FROM ledger_entry")
    result = replace_card(ctx, member.card)
    assert result.old_card == member.card
    assert result.new_card != member.card
    assert result.member_id == member.member_id

    with pytest.raises(CardBlocked) as err:
        lookup_card(ctx, member.card)
    assert "ask for the new card or search by name" in err.value.message

    view = lookup_card(ctx, result.new_card)
    assert (view.member_id, view.points, view.card) == (member.member_id, 250, result.new_card)
    assert scalar(db_path, "SELECT count(*) FROM ledger_entry") == sales_before
    row = scalar(
        db_path, "SELECT status || ' ' || replaced_by FROM card WHERE number = ?", (member.card,)
    )
    assert row == f"replaced {result.new_card}"
    audit = scalar(db_path, "SELECT detail FROM audit_entry WHERE action = 'card.replace'")
    assert json.loads(audit)["new_card"] == result.new_card

    # The new card waits to be printed; the old one can be neither printed nor replaced again.
    assert [face.number for face in new_cards(ctx)] == [result.new_card]
    with pytest.raises(PrintFailed, match=result.new_card):
        print_card(ctx, member.card, "png", tmp_path / "old.png")
    before = snapshot(db_path)
    with pytest.raises(CardBlocked):
        replace_card(ctx, member.card)
    assert snapshot(db_path) == before


def test_replace_unknown_card_changes_nothing(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    before = snapshot(db_path)
    with pytest.raises(CardNotFound):
        replace_card(ctx, UNKNOWN)
    assert snapshot(db_path) == before


def test_png_bytes_are_a_300_dpi_id1_image(
    ctx: Context, member: MemberView, tmp_path: Path
) -> None:
    out = tmp_path / "card.png"
    print_card(ctx, member.card, "png", out)
    image = Image.open(io.BytesIO(out.read_bytes()))
    assert image.size == (1011, 638)
    assert round(image.info["dpi"][0]) == 300


def test_limit_prints_one_sheet_and_leaves_the_rest_waiting(
    ctx: Context, member: MemberView, tmp_path: Path
) -> None:
    numbers = sorted([member.card, *_enroll(ctx, 11)])
    result = print_new_cards(ctx, "pdf", tmp_path / "first.pdf", limit=10)
    assert list(result.cards) == numbers[:10]
    assert len(pdf_pages(tmp_path / "first.pdf")) == 1
    assert [face.number for face in new_cards(ctx)] == numbers[10:]
    with pytest.raises(InvalidInput):
        print_new_cards(ctx, "pdf", tmp_path / "none.pdf", limit=0)
