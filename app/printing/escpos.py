"""Member cards on a thermal receipt printer (ESC/POS, python-escpos).

A narrow receipt layout (the card is wider than the paper): shop, member name, EAN-13 and the
digits go as one raster image, so names with umlauts print whatever code pages the printer
has; the QR code uses the printer's own QR command when its profile has one, else it is part
of the raster image. The whole job is built in memory first, then sent in one go: an
unreachable printer fails before anything is printed.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass

from escpos.constants import QR_ECLEVEL_M
from escpos.exceptions import Error as EscposError
from escpos.printer import Dummy
from PIL import Image, ImageDraw, ImageFont

from app.domain.errors import LoyaltyError
from app.files import PRIVATE_FILE
from app.i18n import _
from app.printing import face as f

KINDS = ("none", "network", "usb", "serial", "file")
QR_MODES = ("native", "image")
DEFAULT_WIDTH_DOTS = 512
EAN_HEIGHT_DOTS = 96
QR_MODULE_DOTS = 6
NETWORK_PORT = 9100
NETWORK_TIMEOUT_S = 5.0


class PrinterUnavailable(LoyaltyError):
    """The receipt printer is not set up, not reachable or refused the job."""


@dataclass(frozen=True)
class PrinterConfig:
    """Where the receipt printer is and what it can do (from the ``printer.*`` settings)."""

    kind: str = "none"
    target: str = ""
    profile: str = "default"
    qr: str = "native"


def printer_profile(config: PrinterConfig) -> Dummy:
    try:
        return Dummy(profile=config.profile or None)
    except (EscposError, KeyError):
        raise PrinterUnavailable(
            _("Unknown printer profile “{profile}”").format(profile=config.profile)
        ) from None


def _fitting_font(text: str, bold: bool, size: int, max_width: int) -> ImageFont.FreeTypeFont:
    """The font at ``size`` dots, or smaller (not below 14) so the text fits the paper."""
    while size > 14 and f.font(bold, size).getlength(text) > max_width:
        size -= 2
    return f.font(bold, size)


def card_raster(face: f.CardFace, width_dots: int, *, qr: bool) -> Image.Image:
    """The receipt's card as a 1-bit image ``width_dots`` wide (bars in whole dots)."""
    pad = 8
    module = 3 if width_dots >= (95 + 18) * 3 else 2
    matrix = f.qr_matrix(face.number) if qr else []
    qr_side = len(matrix) * QR_MODULE_DOTS
    shop_font = _fitting_font(face.shop_name, True, 32, width_dots - 2 * pad - 46)
    name_font = _fitting_font(face.member_name, False, 28, width_dots - 2 * pad)
    digit_font = f.font(False, 24)
    height = 40 + 44 + 16 + EAN_HEIGHT_DOTS + 34 + (qr_side + 40 if qr else 0)
    img = Image.new("1", (width_dots, height), 1)
    draw = ImageDraw.Draw(img)
    x = pad
    logo = f.logo_image(face)
    if logo is not None:
        logo.thumbnail((36, 36), Image.Resampling.LANCZOS)
        flat = Image.alpha_composite(Image.new("RGBA", logo.size, "white"), logo).convert("L")
        img.paste(flat.point(lambda v: 255 if v >= 128 else 0).convert("1"), (pad, 2))
        x = pad + logo.width + 10
    draw.text((x, 32), face.shop_name, font=shop_font, fill=0, anchor="ls")
    draw.text((pad, 76), face.member_name, font=name_font, fill=0, anchor="ls")
    top = 100
    x0 = (width_dots - 95 * module) // 2
    for start, length in f.dark_runs(f.ean13_modules(face.number)):
        left = x0 + start * module
        draw.rectangle((left, top, left + length * module - 1, top + EAN_HEIGHT_DOTS - 1), fill=0)
    draw.text(
        (width_dots // 2, top + EAN_HEIGHT_DOTS + 28),
        face.number,
        font=digit_font,
        fill=0,
        anchor="ms",
    )
    if qr:
        qx, qy = (width_dots - qr_side) // 2, top + EAN_HEIGHT_DOTS + 34 + 24
        for r, row in enumerate(matrix):
            for c, dark in enumerate(row):
                if dark:
                    left, y = qx + c * QR_MODULE_DOTS, qy + r * QR_MODULE_DOTS
                    draw.rectangle(
                        (left, y, left + QR_MODULE_DOTS - 1, y + QR_MODULE_DOTS - 1), fill=0
                    )
    return img


def paper_width(printer: Dummy) -> int:
    """Printable width in dots from the printer's profile, or a width every 80 mm printer has."""
    width = printer.profile.profile_data.get("media", {}).get("width", {}).get("pixels")
    return width if isinstance(width, int) and width > 0 else DEFAULT_WIDTH_DOTS


def build_job(faces: Sequence[f.CardFace], config: PrinterConfig) -> bytes:
    """The ESC/POS bytes that print these cards, one after the other, each cut off.

    The job starts with the printer's initialise command (ESC @): a printer left in bold or
    another code page by the last job prints the card right."""
    printer = printer_profile(config)
    printer.hw("INIT")
    native = config.qr == "native" and bool(printer.profile.supports("qrCode"))
    width = paper_width(printer)
    for face in faces:
        raster = card_raster(face, width, qr=not native)
        # python-escpos prints a notice on stdout for profiles without a paper width.
        with contextlib.redirect_stdout(io.StringIO()):
            printer.image(raster, center=False)
        if native:
            printer.set(align="center")
            printer.qr(face.number, ec=QR_ECLEVEL_M, size=6, native=True)
            printer.set(align="left")
        printer.text("\n")
        printer.cut()
    return bytes(printer.output)


def _split_port(target: str, default: int) -> tuple[str, int]:
    host, sep, port = target.rpartition(":")
    if sep and port.isdigit():
        return host, int(port)
    return target, default


def _device(config: PrinterConfig) -> object:
    from escpos import printer

    target = config.target.strip()
    if config.kind == "network":
        host, port = _split_port(target, NETWORK_PORT)
        return printer.Network(host, port, timeout=NETWORK_TIMEOUT_S)
    if config.kind == "serial":
        devfile, baud = _split_port(target, 9600)
        return printer.Serial(devfile, baudrate=baud)
    if config.kind == "usb":
        vendor, _sep, product = target.partition(":")
        try:
            return printer.Usb(int(vendor, 16), int(product, 16), timeout=5000)
        except ValueError:
            raise PrinterUnavailable(
                _("A USB printer is set as vendor:product in hex, e.g. 04b8:0202")
            ) from None
    raise PrinterUnavailable(_("Unknown printer kind “{kind}”").format(kind=config.kind))


def _reason(exc: BaseException) -> str:
    if type(exc).__name__ == "NoBackendError":  # pyusb without the system's libusb
        return _("the USB library libusb is not installed")
    context = exc.__context__
    if isinstance(context, OSError) and context.strerror:
        return context.strerror
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[0].rstrip(") :") if lines else type(exc).__name__


def send(data: bytes, config: PrinterConfig) -> None:
    """Send a finished job to the configured printer, or raise PrinterUnavailable."""
    if config.kind == "none" or not config.target.strip():
        raise PrinterUnavailable(
            _(
                "No receipt printer is set up: set printer.kind and printer.target "
                "(loyalty settings set ...)"
            )
        )
    if config.kind == "file":
        try:
            # A new file is its owner's only: a slip or a card names the member.
            fd = os.open(config.target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        except OSError as exc:
            raise PrinterUnavailable(
                _("Cannot write to the printer {target}: {reason}").format(
                    target=config.target, reason=exc.strerror
                )
            ) from None
        return
    device = None
    try:
        device = _device(config)
        device.open()  # type: ignore[attr-defined]
        device._raw(data)  # type: ignore[attr-defined]
    except PrinterUnavailable:
        raise
    except Exception as exc:
        # python-escpos reports a missing device or driver with many exception types.
        raise PrinterUnavailable(
            _("The printer {target} is not reachable: {reason}").format(
                target=config.target, reason=_reason(exc)
            )
        ) from None
    finally:
        if device is not None:
            with contextlib.suppress(Exception):
                device.close()  # type: ignore[attr-defined]
