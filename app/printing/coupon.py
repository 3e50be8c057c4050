"""Printed coupons: the code as text, as Code128 barcode and as QR code, card-sized.

The same ID-1 size and A4 sheet (2 x 5 with cut marks) as member cards, so one paper stock and
one cutter serve both. A coupon is drawn as a list of shapes in millimetres (black rectangles
and text lines) that each format renders, so PNG, SVG and PDF show the same thing.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import barcode
from PIL import Image, ImageDraw

from app.domain.coupons import Coupon, coupon_label
from app.domain.errors import InvalidInput, LoyaltyError
from app.domain.text import quote_input
from app.files import write_atomically
from app.i18n import _, format_day
from app.printing import face as f

FORMATS = ("pdf", "png", "svg")
BAR_X, BAR_Y, BAR_H = f.MARGIN, 33.0, 15.0
QR_SIDE = 16.8
BAR_MAX_W = f.CARD_W - 2 * f.MARGIN - QR_SIDE - 4.0
MAX_MODULE = 0.33


class CouponPrintFailed(LoyaltyError):
    """The coupons could not be written; no file was left behind."""


@dataclass(frozen=True)
class CouponFace:
    """Everything printed on one coupon."""

    shop_name: str
    title: str
    terms: str
    code: str


Rect = tuple[float, float, float, float]
Text = tuple[str, bool, float, float, float]  # text, bold, x, baseline, size pt


def coupon_faces(shop: str, coupons: Sequence[Coupon], currency: str) -> list[CouponFace]:
    """What each coupon shows: what it gives, its terms, and its code."""
    faces = []
    for coupon in coupons:
        terms = []
        if coupon.min_spend_cents:
            from app.i18n import format_money

            terms.append(
                _("from {amount}").format(amount=format_money(coupon.min_spend_cents, currency))
            )
        if coupon.valid_until:
            terms.append(_("valid until {day}").format(day=format_day(coupon.valid_until)))
        title = coupon_label(coupon, currency).removesuffix(" " + coupon.code)
        faces.append(CouponFace(shop, title, " · ".join(terms), coupon.code))
    return faces


def code128_modules(code: str) -> str:
    """The Code128 modules ('1' dark) of a coupon code."""
    return str(barcode.get_barcode_class("code128")(code).build()[0])


def shapes(face: CouponFace) -> tuple[list[Rect], list[Text]]:
    """The coupon's black rectangles and text lines, in millimetres from its top-left corner."""
    width = f.CARD_W - 2 * f.MARGIN
    texts: list[Text] = [
        (face.shop_name, True, f.MARGIN, 9.0, f.fitted_pt(face.shop_name, True, 10.0, width)),
        (face.title, True, f.MARGIN, 18.0, f.fitted_pt(face.title, True, 16.0, width)),
    ]
    if face.terms:
        texts.append((face.terms, False, f.MARGIN, 24.0, f.fitted_pt(face.terms, False, 8, width)))
    texts.append((face.code, False, f.MARGIN, 30.0, f.fitted_pt(face.code, False, 9.0, width)))
    rects: list[Rect] = []
    modules = code128_modules(face.code)
    module = min(MAX_MODULE, BAR_MAX_W / len(modules))
    for start, length in f.dark_runs(modules):
        rects.append((BAR_X + start * module, BAR_Y, length * module, BAR_H))
    matrix = f.qr_matrix(face.code)
    q = QR_SIDE / len(matrix)
    qx, qy = f.CARD_W - f.MARGIN - QR_SIDE, BAR_Y + BAR_H - QR_SIDE
    for r, row in enumerate(matrix):
        for start, length in f.dark_runs("".join("1" if v else "0" for v in row)):
            rects.append((qx + start * q, qy + r * q, length * q, q))
    return rects, texts


def render_png(face: CouponFace, dpi: int = 300) -> bytes:
    """One coupon as a PNG image; edges snap to whole pixels so the codes stay sharp."""
    scale = dpi / 25.4
    img = Image.new("RGB", (round(f.CARD_W * scale), round(f.CARD_H * scale)), "white")
    draw = ImageDraw.Draw(img)
    rects, texts = shapes(face)
    for text, bold, x, baseline, size in texts:
        font = f.font(bold, size * f.PT_MM * scale)
        draw.text((round(x * scale), round(baseline * scale)), text, "black", font, anchor="ls")
    for x, y, w, h in rects:
        x0, y0 = round(x * scale), round(y * scale)
        x1, y1 = round((x + w) * scale), round((y + h) * scale)
        draw.rectangle((x0, y0, max(x0, x1 - 1), max(y0, y1 - 1)), "black")
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(dpi, dpi))
    return buf.getvalue()


def _n(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def render_svg(face: CouponFace) -> bytes:
    """One coupon as an SVG document in millimetres."""
    w, h = _n(f.CARD_W), _n(f.CARD_H)
    rects, texts = shapes(face)
    family = quoteattr("'DejaVu Sans', Verdana, Arial, sans-serif")
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" '
        f'viewBox="0 0 {w} {h}">',
        f"<title>{escape(face.code)}</title>",
        f'<rect width="{w}" height="{h}" fill="#ffffff"/>',
    ]
    for text, bold, x, baseline, size in texts:
        weight = ' font-weight="bold"' if bold else ""
        out.append(
            f'<text x="{_n(x)}" y="{_n(baseline)}" font-family={family} '
            f'font-size="{_n(size * f.PT_MM)}"{weight} fill="#000000">{escape(text)}</text>'
        )
    path = "".join(f"M{_n(x)} {_n(y)}h{_n(w_)}v{_n(h_)}h{_n(-w_)}z" for x, y, w_, h_ in rects)
    out.append(f'<path fill="#000000" shape-rendering="crispEdges" d="{path}"/>')
    out.append("</svg>")
    return ("\n".join(out) + "\n").encode("utf-8")


def render_pdf(faces: Sequence[CouponFace]) -> bytes:
    """A4 pages of up to 10 coupons with cut marks (the member cards' sheet)."""
    from app.printing import pdf as p

    doc = p._new_pdf(p.A4_W, p.A4_H, "Coupons")
    for i, face in enumerate(faces):
        if i % p.PER_SHEET == 0:
            doc.add_page()
            p._cut_marks(doc)
        ox, oy = p.sheet_position(i)
        rects, texts = shapes(face)
        doc.set_text_color(0)
        for text, bold, x, baseline, size in texts:
            doc.set_font(p.FAMILY, "B" if bold else "", size)
            doc.text(ox + x, oy + baseline, text)
        doc.set_fill_color(0)
        for x, y, w, h in rects:
            doc.rect(ox + x, oy + y, w, h, style="F")
    if not faces:
        doc.add_page()
    return bytes(doc.output())


def _write(path: Path, data: bytes) -> None:
    """Write a coupon file; a failure leaves no half file and is a readable error."""
    try:
        write_atomically(path, data)
    except OSError as exc:
        raise CouponPrintFailed(
            _("Cannot write {path}: {reason}").format(path=path, reason=exc.strerror)
        ) from None


def check_target(fmt: str, out: str | Path | None) -> Path:
    """Refuse an unknown format or an unusable destination before anything is created."""
    if fmt not in FORMATS:
        raise InvalidInput(
            _("Unknown coupon format “{format}”: use one of {formats}").format(
                format=quote_input(fmt), formats=", ".join(FORMATS)
            )
        )
    if out is None or not str(out).strip():
        raise InvalidInput(_("Give the file or folder to print the coupons to (--out)"))
    path = Path(out)
    if fmt == "pdf":
        if path.is_dir():
            raise CouponPrintFailed(_("Cannot write {path}: it is a folder").format(path=path))
        if not path.parent.is_dir():
            raise CouponPrintFailed(
                _("Cannot write {path}: the folder does not exist").format(path=path)
            )
    elif not path.is_dir():
        raise CouponPrintFailed(
            _("Cannot write the coupons to {path}: not an existing folder").format(path=path)
        )
    return path


def remove_coupons(fmt: str, out: str | Path | None, codes: Sequence[str]) -> None:
    """Take back what :func:`write_coupons` wrote (the batch was not stored after all)."""
    if out is None:
        return
    path = Path(out)
    targets = [path] if fmt == "pdf" else [path / f"coupon-{code}.{fmt}" for code in codes]
    for target in targets:
        with contextlib.suppress(OSError):
            target.unlink()


def write_coupons(faces: Sequence[CouponFace], fmt: str, out: str | Path | None) -> str:
    """A PDF of A4 sheets at ``out``, or ``coupon-<code>.png|svg`` per code in the folder."""
    path = check_target(fmt, out)
    if fmt == "pdf":
        _write(path, render_pdf(faces))
        return str(path)
    written: list[Path] = []
    try:
        for face in faces:
            target = path / f"coupon-{face.code}.{fmt}"
            _write(target, render_png(face) if fmt == "png" else render_svg(face))
            written.append(target)
    except LoyaltyError:
        for target in written:
            with contextlib.suppress(OSError):
                target.unlink()
        raise
    return str(path)
