"""Text receipts on the thermal printer (ESC/POS): the day's close and the customer's slip.

The job starts with the printer's initialise command (ESC @), so a printer left in bold or
another code page by the last job prints this one right; python-escpos picks a code page for
every character (umlauts, €) the profile's printer has.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.printing.escpos import PrinterConfig, printer_profile

INIT = b"\x1b@"


def receipt_columns(config: PrinterConfig) -> int:
    """How many characters of the printer's normal font fit on one line."""
    return int(printer_profile(config).profile.get_columns("a"))


def text_job(lines: Sequence[str], config: PrinterConfig, *, title: str = "") -> bytes:
    """The ESC/POS bytes of a text receipt: an optional bold title, the lines, a cut."""
    printer = printer_profile(config)
    printer.hw("INIT")
    if title:
        printer.set(bold=True, double_height=True)
        printer.textln(title)
        printer.set(normal_textsize=True, bold=False)
    for line in lines:
        # Babel puts non-breaking spaces into money ("12,50 €"); receipt code pages lack them.
        printer.textln(line.replace("\u00a0", " ").replace("\u202f", " "))
    printer.textln("")
    printer.cut()
    return bytes(printer.output)
