"""The member card as PDF (fpdf2): one ID-1 page, or A4 sheets of 10 cards with cut marks."""

from __future__ import annotations

from collections.abc import Sequence

from fpdf import FPDF

from app.printing import face as f

A4_W, A4_H = 210.0, 297.0
SHEET_COLS, SHEET_ROWS = 2, 5
PER_SHEET = SHEET_COLS * SHEET_ROWS
# The cards touch, so one cut separates two of them; marks sit in the margins around the grid.
SHEET_LEFT = (A4_W - SHEET_COLS * f.CARD_W) / 2
SHEET_TOP = (A4_H - SHEET_ROWS * f.CARD_H) / 2
MARK_GAP, MARK_LEN = 1.5, 5.0
FAMILY = "DejaVu"


def _new_pdf(width: float, height: float, title: str) -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format=(width, height))
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.add_font(FAMILY, "", str(f.FONT_REGULAR))
    pdf.add_font(FAMILY, "B", str(f.FONT_BOLD))
    pdf.set_title(title)
    pdf.set_creator("loyalty counter")
    return pdf


def _draw_card(pdf: FPDF, face: f.CardFace, ox: float, oy: float) -> None:
    """Draw one card with its top-left corner at (ox, oy) mm."""
    logo = f.logo_image(face)
    if logo is not None:
        x, y, side = f.LOGO_BOX
        pdf.image(logo, x=ox + x, y=oy + y, w=side, h=side, keep_aspect_ratio=True)
    pdf.set_text_color(0)
    for text, bold, x, baseline, size_pt in f.text_lines(face):
        pdf.set_font(FAMILY, "B" if bold else "", size_pt)
        pdf.text(ox + x, oy + baseline, text)
    pdf.set_fill_color(0)
    m = f.EAN_MODULE
    for start, length in f.dark_runs(f.ean13_modules(face.number)):
        pdf.rect(ox + f.EAN_X + start * m, oy + f.EAN_Y, length * m, f.EAN_H, style="F")
    q = f.QR_MODULE
    for r, row in enumerate(f.qr_matrix(face.number)):
        for start, length in f.dark_runs("".join("1" if v else "0" for v in row)):
            pdf.rect(ox + f.QR_X + start * q, oy + f.QR_Y + r * q, length * q, q, style="F")


def render_pdf(face: f.CardFace) -> bytes:
    """One card on a page of exactly ID-1 size (85.60 x 53.98 mm)."""
    pdf = _new_pdf(f.CARD_W, f.CARD_H, f"{face.member_name} {face.number}")
    pdf.add_page()
    _draw_card(pdf, face, 0.0, 0.0)
    return bytes(pdf.output())


def sheet_position(index: int) -> tuple[float, float]:
    """Top-left corner (mm) of the ``index``-th card on its A4 sheet (row by row)."""
    slot = index % PER_SHEET
    return (
        SHEET_LEFT + (slot % SHEET_COLS) * f.CARD_W,
        SHEET_TOP + (slot // SHEET_COLS) * f.CARD_H,
    )


def _cut_marks(pdf: FPDF) -> None:
    pdf.set_draw_color(0)
    pdf.set_line_width(0.2)
    right = SHEET_LEFT + SHEET_COLS * f.CARD_W
    bottom = SHEET_TOP + SHEET_ROWS * f.CARD_H
    for col in range(SHEET_COLS + 1):
        x = SHEET_LEFT + col * f.CARD_W
        pdf.line(x, SHEET_TOP - MARK_GAP - MARK_LEN, x, SHEET_TOP - MARK_GAP)
        pdf.line(x, bottom + MARK_GAP, x, bottom + MARK_GAP + MARK_LEN)
    for row in range(SHEET_ROWS + 1):
        y = SHEET_TOP + row * f.CARD_H
        pdf.line(SHEET_LEFT - MARK_GAP - MARK_LEN, y, SHEET_LEFT - MARK_GAP, y)
        pdf.line(right + MARK_GAP, y, right + MARK_GAP + MARK_LEN, y)


def render_sheet(faces: Sequence[f.CardFace]) -> bytes:
    """A4 pages of up to 10 cards (2 x 5, touching) with cut marks, for a batch of new cards."""
    pdf = _new_pdf(A4_W, A4_H, "Member cards")
    for i, face in enumerate(faces):
        if i % PER_SHEET == 0:
            pdf.add_page()
            _cut_marks(pdf)
        _draw_card(pdf, face, *sheet_position(i))
    if not faces:
        pdf.add_page()
    return bytes(pdf.output())
