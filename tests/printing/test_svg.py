"""SVG cards, rendered with resvg (a Rust SVG renderer, pip wheel, no system libraries) using only
the shipped fonts, then decoded with zxing-cpp."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import resvg_py
from PIL import Image

from app.printing.face import FONT_BOLD, FONT_REGULAR, CardFace
from app.printing.svg import render_svg
from tests.printing.conftest import assert_both_codes

NUMBER = "2900100000017"
SVG = "{http://www.w3.org/2000/svg}"


def _raster(svg: bytes, dpi: int = 300) -> Image.Image:
    png = resvg_py.svg_to_bytes(
        svg_string=svg.decode("utf-8"),
        dpi=dpi,  # the SVG is sized in mm
        width=round(85.60 / 25.4 * dpi),
        background="#ffffff",
        skip_system_fonts=True,
        font_files=[str(FONT_REGULAR), str(FONT_BOLD)],
    )
    return Image.open(io.BytesIO(bytes(png)))


def test_svg_codes_decode_to_the_card_number() -> None:
    img = _raster(render_svg(CardFace("Bäckerei Sonnenschein", "Jürgen Weiß", NUMBER)))
    assert img.size == (1011, 638)
    assert_both_codes(img, NUMBER)


def test_svg_is_id1_with_the_names_as_text() -> None:
    root = ET.fromstring(render_svg(CardFace("Café Zoë", "Zoë García", NUMBER)))
    assert (root.get("width"), root.get("height")) == ("85.6mm", "53.98mm")
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["Café Zoë", "Zoë García", NUMBER]
    assert root.find(f"{SVG}image") is not None  # the logo, embedded


def test_svg_without_logo_and_with_markup_in_names() -> None:
    svg = render_svg(CardFace("Tom & Jerry <Shop>", "Ann & Bob", NUMBER, logo=None))
    root = ET.fromstring(svg)  # well-formed despite & and <
    assert root.find(f"{SVG}image") is None
    assert [t.text for t in root.iter(f"{SVG}text")][:2] == ["Tom & Jerry <Shop>", "Ann & Bob"]
    assert_both_codes(_raster(svg), NUMBER)
