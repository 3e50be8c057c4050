"""The two symbols of a card number: EAN-13 (python-barcode) and QR (qrcode), as module grids.

The renderers draw these grids themselves, so every format has bars of exactly equal width.
"""

from __future__ import annotations

import barcode
import qrcode
from qrcode.constants import ERROR_CORRECT_M

from app.domain.cards import validate_card_number


def ean13_modules(number: str) -> str:
    """The 95 modules ('1' = bar) of the EAN-13 symbol for a valid card number."""
    number = validate_card_number(number)
    symbol = barcode.get("ean13", number)
    # python-barcode recomputes the check digit; a card number is already checked above.
    assert symbol.get_fullcode() == number
    return "".join(symbol.build())


def bar_runs(modules: str) -> list[tuple[int, int]]:
    """(start, width) of each bar, in modules: adjacent dark modules drawn as one rectangle."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, bit in enumerate([*modules, "0"]):
        if bit == "1" and start is None:
            start = i
        elif bit != "1" and start is not None:
            runs.append((start, i - start))
            start = None
    return runs


def qr_matrix(content: str) -> tuple[tuple[bool, ...], ...]:
    """The QR modules (True = dark) for ``content``, without the quiet zone.

    Level M: a card in a wallet gets scratched; 13 digits still fit version 1 (21 x 21).
    """
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, box_size=1)
    code.add_data(content)
    code.make(fit=True)
    return tuple(tuple(bool(cell) for cell in row) for row in code.get_matrix())
