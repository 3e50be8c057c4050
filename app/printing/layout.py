"""What goes where on a member card (ID-1, 85.60 x 53.98 mm), in millimetres.

Every output format (PNG, SVG, PDF, the thermal printer's raster) draws the same plan, so the
cards look alike and a change of layout is made once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from PIL import ImageFont

from app.printing.codes import bar_runs, ean13_modules, qr_matrix

CARD_WIDTH_MM = 85.60
CARD_HEIGHT_MM = 53.98
MARGIN_MM = 4.0
ACCENT = (20, 90, 140)
INK = (0, 0, 0)

ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets"
FONT_REGULAR = ASSETS_DIR / "fonts" / "DejaVuSans.ttf"
FONT_BOLD = ASSETS_DIR / "fonts" / "DejaVuSans-Bold.ttf"
DEFAULT_LOGO = ASSETS_DIR / "logo.png"
FONT_FAMILY = "DejaVu Sans"

# Nominal sizes; raster outputs snap them to whole dots so every bar has the same width.
EAN_MODULE_MM = 0.33
EAN_QUIET_MODULES = 11  # left quiet zone of EAN-13 (the right one needs 7)
BARCODE_HEIGHT_MM = 13.0
QR_SIZE_MM = 17.0
NAME_MAX_WIDTH_MM = 55.0


@dataclass(frozen=True)
class CardFace:
    """What a card shows: the member's name and number, the shop's name and logo."""

    number: str
    member_name: str
    shop_name: str
    logo: Path | None = None
    label: str = ""


@dataclass(frozen=True)
class Text:
    """A line of text; ``y`` is the baseline, ``size`` the em size, both in mm."""

    x: float
    y: float
    size: float
    text: str
    bold: bool = False
    anchor: str = "start"  # "start" or "middle", as in SVG
    colour: tuple[int, int, int] = INK


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Barcode:
    """An EAN-13 symbol: ``modules`` is a string of 95 '1'/'0', drawn from ``x`` on."""

    x: float
    y: float
    module: float
    height: float
    modules: str

    @property
    def runs(self) -> list[tuple[int, int]]:
        return bar_runs(self.modules)

    @property
    def width(self) -> float:
        return self.module * len(self.modules)


@dataclass(frozen=True)
class QrCode:
    """A QR symbol: ``matrix`` rows of dark (True) modules, without the quiet zone."""

    x: float
    y: float
    size: float
    matrix: tuple[tuple[bool, ...], ...]

    @property
    def module(self) -> float:
        return self.size / len(self.matrix)


@dataclass(frozen=True)
class CardPlan:
    width: float
    height: float
    texts: list[Text] = field(default_factory=list)
    rules: list[tuple[Box, tuple[int, int, int]]] = field(default_factory=list)
    logo: tuple[Path, Box] | None = None
    barcode: Barcode | None = None
    qr: QrCode | None = None


@cache
def _font(bold: bool, size: int = 200) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_BOLD if bold else FONT_REGULAR), size)


def font_path(bold: bool) -> Path:
    return FONT_BOLD if bold else FONT_REGULAR


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in mm of ``text`` set in the shipped font at em size ``size`` mm."""
    return float(_font(bold).getlength(text)) * size / 200


def _fit(text: str, size: float, bold: bool, max_width: float, min_size: float) -> float:
    """The largest em size up to ``size`` at which the text fits, not below ``min_size``."""
    width = text_width(text, size, bold)
    if width <= max_width:
        return size
    return max(min_size, size * max_width / width)


def _clip(text: str, size: float, bold: bool, max_width: float) -> str:
    while len(text) > 1 and text_width(text, size, bold) > max_width:
        text = text[:-2] + "…"
    return text


def plan_card(face: CardFace, *, qr: bool = True) -> CardPlan:
    """Place everything on the card; ``qr=False`` leaves the QR code to the printer."""
    right = CARD_WIDTH_MM - MARGIN_MM
    texts: list[Text] = []
    x = MARGIN_MM
    logo = None
    if face.logo is not None and face.logo.is_file():
        logo = (face.logo, Box(MARGIN_MM, 3.5, 10.0, 10.0))
        x = MARGIN_MM + 12.0
    label_width = text_width(face.label, 2.6) if face.label else 0.0
    shop_max = right - x - (label_width + 2.0 if label_width else 0.0)
    shop_size = _fit(face.shop_name, 4.6, True, shop_max, 3.0)
    texts.append(
        Text(x, 10.4, shop_size, _clip(face.shop_name, shop_size, True, shop_max), bold=True)
    )
    if face.label:
        texts.append(Text(right - label_width, 10.4, 2.6, face.label, colour=ACCENT))

    name_size = _fit(face.member_name, 4.4, False, NAME_MAX_WIDTH_MM, 2.8)
    texts.append(
        Text(
            MARGIN_MM, 23.0, name_size, _clip(face.member_name, name_size, False, NAME_MAX_WIDTH_MM)
        )
    )
    bars = Barcode(
        x=MARGIN_MM + 3.0,
        y=29.0,
        module=EAN_MODULE_MM,
        height=BARCODE_HEIGHT_MM,
        modules=ean13_modules(face.number),
    )
    texts.append(
        Text(bars.x + bars.width / 2, bars.y + bars.height + 4.0, 3.4, face.number, anchor="middle")
    )
    code = None
    if qr:
        code = QrCode(right - QR_SIZE_MM, 27.0, QR_SIZE_MM, qr_matrix(face.number))
    return CardPlan(
        CARD_WIDTH_MM,
        CARD_HEIGHT_MM,
        texts=texts,
        rules=[(Box(MARGIN_MM, 15.5, right - MARGIN_MM, 0.5), ACCENT)],
        logo=logo,
        barcode=bars,
        qr=code,
    )
