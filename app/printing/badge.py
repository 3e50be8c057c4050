"""Staff badges: the badge code as text, Code128 and QR on a card-sized face (as coupons).

The code is "STF", eight digits and a check digit: its letters keep any scanner from typing
a member card number, so a badge can never be taken for a member's card.
"""

from __future__ import annotations

from pathlib import Path

from app.domain.errors import InvalidInput
from app.domain.text import quote_input
from app.files import write_atomically
from app.i18n import _
from app.printing.coupon import CouponFace, CouponPrintFailed, render_pdf, render_png, render_svg

FORMATS = ("pdf", "png", "svg")


def badge_face(shop: str, name: str, role: str, code: str) -> CouponFace:
    """What a badge shows: the shop, the person's name, their role and the code."""
    return CouponFace(shop_name=shop, title=name, terms=role, code=code)


def write_badge(face: CouponFace, out: Path) -> Path:
    """Write the badge as PDF, PNG or SVG, chosen by the file's ending."""
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise InvalidInput(
            _("A badge file ends in .pdf, .png or .svg, not “{name}”").format(
                name=quote_input(out.name)
            )
        )
    data = {"pdf": lambda: render_pdf([face]), "png": lambda: render_png(face)}.get(
        fmt, lambda: render_svg(face)
    )()
    try:
        write_atomically(out, data)
    except OSError as exc:
        raise CouponPrintFailed(
            _("Cannot write {path}: {reason}").format(path=out, reason=exc.strerror)
        ) from None
    return out
