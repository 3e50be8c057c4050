"""The member card as a standalone SVG document (millimetre units, codes as filled paths)."""

from __future__ import annotations

import base64
import io
from xml.sax.saxutils import escape, quoteattr

from PIL import Image

from app.printing import face as f

FONT_FAMILY = "'DejaVu Sans', Verdana, Arial, sans-serif"
LOGO_PX = 150  # embedded logo side in pixels: 12 mm at about 300 dpi, a few kB


def _n(value: float) -> str:
    """A coordinate with at most 3 decimals (micrometres), without trailing zeros."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _bars_path(number: str) -> str:
    m, y, h = f.EAN_MODULE, f.EAN_Y, f.EAN_H
    return "".join(
        f"M{_n(f.EAN_X + start * m)} {_n(y)}h{_n(length * m)}v{_n(h)}h{_n(-length * m)}z"
        for start, length in f.dark_runs(f.ean13_modules(number))
    )


def _qr_path(number: str) -> str:
    m = f.QR_MODULE
    parts = []
    for r, row in enumerate(f.qr_matrix(number)):
        for start, length in f.dark_runs("".join("1" if v else "0" for v in row)):
            x, y = f.QR_X + start * m, f.QR_Y + r * m
            parts.append(f"M{_n(x)} {_n(y)}h{_n(length * m)}v{_n(m)}h{_n(-length * m)}z")
    return "".join(parts)


def _logo_data(face: f.CardFace) -> str | None:
    logo = f.logo_image(face)
    if logo is None:
        return None
    logo.thumbnail((LOGO_PX, LOGO_PX), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    logo.save(buf, format="PNG", optimize=True)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def render_svg(face: f.CardFace) -> bytes:
    """The card as UTF-8 SVG, 85.60 x 53.98 mm; text set in DejaVu Sans where installed."""
    w, h = _n(f.CARD_W), _n(f.CARD_H)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" '
        f'viewBox="0 0 {w} {h}">',
        f"<title>{escape(face.member_name)} {face.number}</title>",
        f'<rect width="{w}" height="{h}" fill="#ffffff"/>',
    ]
    data = _logo_data(face)
    if data is not None:
        x, y, side = f.LOGO_BOX
        out.append(
            f'<image x="{_n(x)}" y="{_n(y)}" width="{_n(side)}" height="{_n(side)}" '
            f'href="data:image/png;base64,{data}"/>'
        )
    family = quoteattr(FONT_FAMILY)
    for text, bold, x, baseline, size_pt in f.text_lines(face):
        weight = ' font-weight="bold"' if bold else ""
        out.append(
            f'<text x="{_n(x)}" y="{_n(baseline)}" font-family={family} '
            f'font-size="{_n(size_pt * f.PT_MM)}"{weight} fill="#000000">{escape(text)}</text>'
        )
    # crispEdges: no anti-aliased seams between modules when rasterised.
    out.append(
        f'<path id="ean13" fill="#000000" shape-rendering="crispEdges" '
        f'd="{_bars_path(face.number)}"/>'
    )
    out.append(
        f'<path id="qr" fill="#000000" shape-rendering="crispEdges" d="{_qr_path(face.number)}"/>'
    )
    out.append("</svg>")
    return ("\n".join(out) + "\n").encode("utf-8")
