"""PDF cards (fpdf2), rendered with pypdfium2 and decoded with zxing-cpp; text extracted."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from PIL import Image

from app.domain.cards import CardLayout, make_card_number
from app.domain.errors import InvalidInput
from app.printing.face import CARD_H, CARD_W, CardFace
from app.printing.pdf import render_pdf, render_sheet, sheet_position
from tests.printing.conftest import assert_both_codes, decoded

NUMBER = "2900100000017"
DPI = 300
PX_PER_MM = DPI / 25.4


def _pages(data: bytes) -> list[pdfium.PdfPage]:
    return list(pdfium.PdfDocument(data))


def _image(page: pdfium.PdfPage) -> Image.Image:
    return page.render(scale=DPI / 72).to_pil()


def _crop_card(img: Image.Image, index: int) -> Image.Image:
    x, y = sheet_position(index)
    box = (x, y, x + CARD_W, y + CARD_H)
    return img.crop(tuple(round(v * PX_PER_MM) for v in box))  # type: ignore[arg-type]


def test_single_card_is_id1_and_both_codes_decode() -> None:
    (page,) = _pages(render_pdf(CardFace("Bäckerei Sonnenschein", "Jürgen Weiß", NUMBER)))
    width_pt, height_pt = page.get_size()
    assert (round(width_pt * 25.4 / 72, 2), round(height_pt * 25.4 / 72, 2)) == (85.6, 53.98)
    assert_both_codes(_image(page), NUMBER)


def test_umlauts_and_accents_are_real_text() -> None:
    (page,) = _pages(render_pdf(CardFace("Café Zoë", "Jürgen Weiß", NUMBER)))
    text = page.get_textpage().get_text_range()
    assert "Jürgen Weiß" in text
    assert "Café Zoë" in text
    assert NUMBER in text
    (page,) = _pages(render_pdf(CardFace("Shop", "Zoë García", NUMBER)))
    assert "Zoë García" in page.get_textpage().get_text_range()


def test_sheet_of_ten_every_card_decodes() -> None:
    layout = CardLayout(prefix="29", store_code="001")
    numbers = [make_card_number(layout, serial) for serial in range(1, 11)]
    faces = [CardFace("Shop", f"Zoë García {i}", n) for i, n in enumerate(numbers)]
    (page,) = _pages(render_sheet(faces))
    width_pt, height_pt = page.get_size()
    assert (round(width_pt * 25.4 / 72), round(height_pt * 25.4 / 72)) == (210, 297)
    img = _image(page)
    for i, number in enumerate(numbers):
        assert_both_codes(_crop_card(img, i), number)
    # and the whole page holds exactly these 10 numbers in each symbology
    found = decoded(img)
    assert sorted(found["EAN-13"]) == numbers
    assert sorted(found["QR Code"]) == numbers
    assert "Zoë García 9" in page.get_textpage().get_text_range()


def test_eleven_cards_take_a_second_sheet() -> None:
    layout = CardLayout(prefix="29", store_code="001")
    numbers = [make_card_number(layout, serial) for serial in range(1, 12)]
    pages = _pages(render_sheet([CardFace("Shop", "Anna", n, logo=None) for n in numbers]))
    assert len(pages) == 2
    assert_both_codes(_crop_card(_image(pages[1]), 10), numbers[10])


def test_bad_number_and_unreadable_logo_are_readable_errors(tmp_path) -> None:
    with pytest.raises(InvalidInput, match="check digit"):
        render_pdf(CardFace("Shop", "Anna", "2900100000018"))
    broken = tmp_path / "logo.png"
    broken.write_bytes(b"not an image")
    with pytest.raises(InvalidInput, match="shop logo"):
        render_pdf(CardFace("Shop", "Anna", NUMBER, logo=broken))
