"""PNG cards: both codes decode to exactly the 13 digits; 300 dpi; ID-1 size."""

from __future__ import annotations

import io

from PIL import Image

from app.printing.face import CardFace
from app.printing.png import render_png
from tests.printing.conftest import assert_both_codes

NUMBER = "2900100000017"


def test_png_codes_decode_to_the_card_number() -> None:
    data = render_png(CardFace("Bäckerei Sonnenschein", "Jürgen Weiß", NUMBER))
    img = Image.open(io.BytesIO(data))
    assert_both_codes(img, NUMBER)


def test_png_is_id1_at_300_dpi() -> None:
    img = Image.open(io.BytesIO(render_png(CardFace("Shop", "Zoë García", NUMBER))))
    assert img.size == (1011, 638)  # 85.60 x 53.98 mm at 300 dpi
    assert round(img.info["dpi"][0]) == 300


def test_long_names_shrink_and_codes_still_decode() -> None:
    name = "Maximiliane Johanna von Hohenzollern-Sigmaringen-Württemberg"
    img = Image.open(io.BytesIO(render_png(CardFace("Shop " * 10, name, NUMBER, logo=None))))
    assert_both_codes(img, NUMBER)
