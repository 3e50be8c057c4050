"""What a member card shows and where (in millimetres), shared by every output format.

One geometry for PNG, SVG and PDF so the three look alike; the thermal printer has its own
narrow layout in ``escpos.py``. Codes come from python-barcode (EAN-13 modules) and qrcode
(QR matrix); each backend only draws black rectangles where a module is dark.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import barcode
import qrcode
from PIL import Image, ImageFont

from app.domain.cards import validate_card_number
from app.domain.errors import InvalidInput
from app.i18n import _

ASSETS = Path(__file__).resolve().parents[2] / "assets"
FONT_REGULAR = ASSETS / "fonts" / "DejaVuSans.ttf"
FONT_BOLD = ASSETS / "fonts" / "DejaVuSans-Bold.ttf"
DEFAULT_LOGO = ASSETS / "logo.png"

# ID-1 (ISO/IEC 7810), the size of a bank card.
CARD_W = 85.60
CARD_H = 53.98
MARGIN = 4.0

LOGO_BOX = (MARGIN, MARGIN, 12.0)  # x, y, side
SHOP_X, SHOP_BASELINE, SHOP_PT = 19.0, 12.0, 11.0
NAME_X, NAME_BASELINE, NAME_PT = MARGIN, 22.0, 10.0
NUMBER_X, NUMBER_BASELINE, NUMBER_PT = MARGIN, 28.0, 9.0
TEXT_MAX_W = CARD_W - 2 * MARGIN

# EAN-13: 0.33 mm modules (nominal 100 %), 11 quiet modules on the left are the card margin.
EAN_X, EAN_Y, EAN_H, EAN_MODULE = MARGIN, 33.0, 15.0, 0.33
# QR of the 13 digits: version 1 (21 x 21); the quiet zone of 4 modules lies inside the card.
QR_MODULE = 0.8
QR_SIDE = 21 * QR_MODULE
QR_X = CARD_W - MARGIN - QR_SIDE
QR_Y = EAN_Y + EAN_H - QR_SIDE

PT_MM = 25.4 / 72


@dataclass(frozen=True)
class CardFace:
    """Everything printed on one card."""

    shop_name: str
    member_name: str
    number: str
    logo: Path | None = DEFAULT_LOGO


def ean13_modules(number: str) -> str:
    """The 95 modules of the EAN-13 symbol ('1' dark, '0' light) for a valid card number."""
    number = validate_card_number(number)
    code = barcode.get_barcode_class("ean13")(number[:12])
    # python-barcode computes the check digit itself; the card number was checked above.
    assert code.get_fullcode() == number
    return code.build()[0]


def qr_matrix(number: str) -> list[list[bool]]:
    """The QR code's modules without quiet zone (``True`` is dark)."""
    qr = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(number)
    qr.make(fit=True)
    return qr.get_matrix()


@lru_cache(maxsize=64)
def font(bold: bool, size_px: float) -> ImageFont.FreeTypeFont:
    """DejaVu Sans (shipped in assets/, covers umlauts and accents) at a pixel size."""
    return ImageFont.truetype(str(FONT_BOLD if bold else FONT_REGULAR), size=max(1, round(size_px)))


def fitted_pt(text: str, bold: bool, size_pt: float, max_w_mm: float) -> float:
    """The font size (pt) at most ``size_pt`` at which ``text`` fits ``max_w_mm``."""
    ref = 100.0
    width_mm = font(bold, ref).getlength(text) / ref * size_pt * PT_MM
    if width_mm <= max_w_mm:
        return size_pt
    return size_pt * max_w_mm / width_mm


def text_lines(face: CardFace) -> list[tuple[str, bool, float, float, float]]:
    """(text, bold, x mm, baseline mm, size pt) for the three text lines of the card."""
    shop_w = CARD_W - MARGIN - SHOP_X
    return [
        (
            face.shop_name,
            True,
            SHOP_X,
            SHOP_BASELINE,
            fitted_pt(face.shop_name, True, SHOP_PT, shop_w),
        ),
        (
            face.member_name,
            True,
            NAME_X,
            NAME_BASELINE,
            fitted_pt(face.member_name, True, NAME_PT, TEXT_MAX_W),
        ),
        (face.number, False, NUMBER_X, NUMBER_BASELINE, NUMBER_PT),
    ]


def dark_runs(modules: str) -> list[tuple[int, int]]:
    """(start, length) of each run of dark modules, so bars are drawn as single rectangles."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, bit in enumerate(modules + "0"):
        if bit == "1" and start is None:
            start = i
        elif bit != "1" and start is not None:
            runs.append((start, i - start))
            start = None
    return runs


def logo_image(face: CardFace) -> Image.Image | None:
    """The shop logo as RGBA, or ``None`` when the card has none; unreadable files are errors."""
    if face.logo is None:
        return None
    try:
        with Image.open(face.logo) as img:
            return img.convert("RGBA")
    except (OSError, ValueError) as exc:
        raise InvalidInput(
            _("Cannot read the shop logo {path}: {reason}").format(path=face.logo, reason=exc)
        ) from None
