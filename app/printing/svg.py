"""SVG cards: millimetre coordinates, bars and QR modules as filled paths, the logo embedded.

Text stays text (searchable, selectable) in DejaVu Sans with common fallbacks, all of which
carry umlauts and accents.
"""

from __future__ import annotations

import base64
from xml.sax.saxutils import escape, quoteattr

from app.printing.layout import FONT_FAMILY, CardPlan


def _n(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text or "0"


def _hex(colour: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*colour)


def barcode_path(plan: CardPlan) -> str:
    """The path data of the EAN-13 bars: one rectangle per bar."""
    bars = plan.barcode
    if bars is None:
        return ""
    return "".join(
        f"M{_n(bars.x + start * bars.module)} {_n(bars.y)}"
        f"h{_n(width * bars.module)}v{_n(bars.height)}h{_n(-width * bars.module)}z"
        for start, width in bars.runs
    )


def qr_path(plan: CardPlan) -> str:
    """The path data of the QR code: one rectangle per horizontal run of dark modules."""
    code = plan.qr
    if code is None:
        return ""
    module = code.module
    parts = []
    for r, row in enumerate(code.matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            end = c
            while end < len(row) and row[end]:
                end += 1
            parts.append(
                f"M{_n(code.x + c * module)} {_n(code.y + r * module)}"
                f"h{_n((end - c) * module)}v{_n(module)}h{_n(-(end - c) * module)}z"
            )
            c = end
    return "".join(parts)


def render_svg(plan: CardPlan, *, title: str = "") -> bytes:
    """The card as a standalone SVG document (UTF-8)."""
    w, h = _n(plan.width), _n(plan.height)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" '
        f'viewBox="0 0 {w} {h}" shape-rendering="crispEdges">',
    ]
    if title:
        out.append(f"<title>{escape(title)}</title>")
    out.append(f'<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>')
    for box, colour in plan.rules:
        out.append(
            f'<rect x="{_n(box.x)}" y="{_n(box.y)}" width="{_n(box.w)}" height="{_n(box.h)}" '
            f'fill="{_hex(colour)}"/>'
        )
    if plan.logo is not None:
        path, box = plan.logo
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        out.append(
            f'<image x="{_n(box.x)}" y="{_n(box.y)}" width="{_n(box.w)}" height="{_n(box.h)}" '
            f'href="data:image/png;base64,{data}"/>'
        )
    family = quoteattr(f"'{FONT_FAMILY}', 'DejaVu Sans', Verdana, Arial, sans-serif")
    for text in plan.texts:
        weight = ' font-weight="bold"' if text.bold else ""
        out.append(
            f'<text x="{_n(text.x)}" y="{_n(text.y)}" font-family={family} '
            f'font-size="{_n(text.size)}"{weight} text-anchor="{text.anchor}" '
            f'fill="{_hex(text.colour)}">{escape(text.text)}</text>'
        )
    if plan.barcode is not None:
        out.append(f'<path id="ean13" fill="#000000" d="{barcode_path(plan)}"/>')
    if plan.qr is not None:
        out.append(f'<path id="qr" fill="#000000" d="{qr_path(plan)}"/>')
    out.append("</svg>")
    return ("\n".join(out) + "\n").encode("utf-8")
