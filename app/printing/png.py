"""The member card as a PNG image (300 dpi by default), drawn with Pillow."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from app.printing import face as f


def render_image(face: f.CardFace, dpi: int = 300) -> Image.Image:
    """The card as a white RGB image; modules snap to whole pixels so the codes stay sharp."""
    scale = dpi / 25.4

    def px(mm: float) -> int:
        return round(mm * scale)

    img = Image.new("RGB", (px(f.CARD_W), px(f.CARD_H)), "white")
    draw = ImageDraw.Draw(img)
    logo = f.logo_image(face)
    if logo is not None:
        x, y, side = f.LOGO_BOX
        logo.thumbnail((px(side), px(side)), Image.Resampling.LANCZOS)
        img.paste(logo, (px(x), px(y)), logo)
    for text, bold, x, baseline, size_pt in f.text_lines(face):
        font = f.font(bold, size_pt * f.PT_MM * scale)
        draw.text((px(x), px(baseline)), text, fill="black", font=font, anchor="ls")

    module = max(1, round(f.EAN_MODULE * scale))
    x0, y0, y1 = px(f.EAN_X), px(f.EAN_Y), px(f.EAN_Y + f.EAN_H)
    for start, length in f.dark_runs(f.ean13_modules(face.number)):
        draw.rectangle(
            (x0 + start * module, y0, x0 + (start + length) * module - 1, y1 - 1), "black"
        )

    matrix = f.qr_matrix(face.number)
    qmod = max(1, round(f.QR_MODULE * scale))
    qx = px(f.CARD_W - f.MARGIN) - len(matrix) * qmod
    qy = y1 - len(matrix) * qmod
    for r, row in enumerate(matrix):
        for start, length in f.dark_runs("".join("1" if v else "0" for v in row)):
            draw.rectangle(
                (
                    qx + start * qmod,
                    qy + r * qmod,
                    qx + (start + length) * qmod - 1,
                    qy + (r + 1) * qmod - 1,
                ),
                "black",
            )
    return img


def render_png(face: f.CardFace, dpi: int = 300) -> bytes:
    """The card as PNG bytes with the resolution stored in the file."""
    buf = io.BytesIO()
    render_image(face, dpi).save(buf, format="PNG", dpi=(dpi, dpi))
    return buf.getvalue()
