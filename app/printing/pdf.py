"""PDF cards with fpdf2: one card on a card-sized page, or A4 sheets of 10 with cut marks."""

from __future__ import annotations

from collections.abc import Sequence

from fpdf import FPDF

from app.printing.layout import FONT_FAMILY, CardPlan, font_path

PT_PER_MM = 72 / 25.4
A4 = (210.0, 297.0)
SHEET_COLUMNS, SHEET_ROWS = 2, 5
CARDS_PER_SHEET = SHEET_COLUMNS * SHEET_ROWS
CUT_MARK_MM = 5.0
CUT_MARK_GAP_MM = 1.5


def _new_pdf(width: float, height: float) -> FPDF:
    pdf = FPDF(unit="mm", format=(width, height))
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_creator("loyalty counter")
    pdf.add_font(FONT_FAMILY, "", str(font_path(False)))
    pdf.add_font(FONT_FAMILY, "B", str(font_path(True)))
    return pdf


def _draw(pdf: FPDF, plan: CardPlan, ox: float, oy: float) -> None:
    for box, colour in plan.rules:
        pdf.set_fill_color(*colour)
        pdf.rect(ox + box.x, oy + box.y, box.w, box.h, style="F")
    if plan.logo is not None:
        path, box = plan.logo
        pdf.image(str(path), ox + box.x, oy + box.y, box.w, box.h)
    for text in plan.texts:
        pdf.set_font(FONT_FAMILY, "B" if text.bold else "", text.size * PT_PER_MM)
        pdf.set_text_color(*text.colour)
        x = ox + text.x
        if text.anchor == "middle":
            x -= pdf.get_string_width(text.text) / 2
        pdf.text(x, oy + text.y, text.text)
    pdf.set_fill_color(0, 0, 0)
    if plan.barcode is not None:
        bars = plan.barcode
        for start, width in bars.runs:
            pdf.rect(
                ox + bars.x + start * bars.module,
                oy + bars.y,
                width * bars.module,
                bars.height,
                style="F",
            )
    if plan.qr is not None:
        code = plan.qr
        module = code.module
        for r, row in enumerate(code.matrix):
            c = 0
            while c < len(row):
                if not row[c]:
                    c += 1
                    continue
                end = c
                while end < len(row) and row[end]:
                    end += 1
                # A hair of overlap between rows, so renderers leave no seams inside the code.
                pdf.rect(
                    ox + code.x + c * module,
                    oy + code.y + r * module,
                    (end - c) * module,
                    module + 0.001,
                    style="F",
                )
                c = end


def render_pdf(plan: CardPlan) -> bytes:
    """One card on a page of exactly the card's size."""
    pdf = _new_pdf(plan.width, plan.height)
    pdf.add_page()
    _draw(pdf, plan, 0.0, 0.0)
    return bytes(pdf.output())


def _cut_marks(pdf: FPDF, left: float, top: float, width: float, height: float) -> None:
    """Short lines in the margin along every cut line, so the marks never show on a card."""
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    right = left + SHEET_COLUMNS * width
    bottom = top + SHEET_ROWS * height
    for i in range(SHEET_COLUMNS + 1):
        x = left + i * width
        pdf.line(x, top - CUT_MARK_GAP_MM - CUT_MARK_MM, x, top - CUT_MARK_GAP_MM)
        pdf.line(x, bottom + CUT_MARK_GAP_MM, x, bottom + CUT_MARK_GAP_MM + CUT_MARK_MM)
    for j in range(SHEET_ROWS + 1):
        y = top + j * height
        pdf.line(left - CUT_MARK_GAP_MM - CUT_MARK_MM, y, left - CUT_MARK_GAP_MM, y)
        pdf.line(right + CUT_MARK_GAP_MM, y, right + CUT_MARK_GAP_MM + CUT_MARK_MM, y)


def sheet_position(index: int, width: float, height: float) -> tuple[float, float]:
    """Top-left corner (mm) of the ``index``-th card on its A4 sheet (row by row)."""
    left = (A4[0] - SHEET_COLUMNS * width) / 2
    top = (A4[1] - SHEET_ROWS * height) / 2
    slot = index % CARDS_PER_SHEET
    return left + (slot % SHEET_COLUMNS) * width, top + (slot // SHEET_COLUMNS) * height


def render_sheet(plans: Sequence[CardPlan]) -> bytes:
    """A4 pages of up to 10 cards (2 x 5, edge to edge) with cut marks in the margins."""
    pdf = _new_pdf(*A4)
    for i, plan in enumerate(plans):
        if i % CARDS_PER_SHEET == 0:
            pdf.add_page()
            left, top = sheet_position(0, plan.width, plan.height)
            _cut_marks(pdf, left, top, plan.width, plan.height)
        x, y = sheet_position(i, plan.width, plan.height)
        _draw(pdf, plan, x, y)
    return bytes(pdf.output())
