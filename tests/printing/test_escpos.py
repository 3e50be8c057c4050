"""ESC/POS cards: the raster read back from the job decodes; native QR carries the digits."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from app.printing import face as f
from app.printing.escpos import PrinterConfig, PrinterUnavailable, build_job, send
from tests.printing.conftest import decoded

NUMBER = "2900100000017"
FACE = f.CardFace("Bäckerei Sonnenschein", "Jürgen Müller-Lüdenscheidt", NUMBER)
RASTER = b"\x1dv0"  # GS v 0: print raster bit image
QR_STORE = b"\x1d(k"  # GS ( k: 2-D code function


def raster_images(data: bytes) -> list[Image.Image]:
    """Every GS v 0 raster image in an ESC/POS job, as the printer would print it."""
    images = []
    pos = data.find(RASTER)
    while pos != -1:
        header = data[pos + 4 : pos + 8]
        width_bytes = header[0] + header[1] * 256
        rows = header[2] + header[3] * 256
        body = data[pos + 8 : pos + 8 + width_bytes * rows]
        # In the printer's raster a set bit is a black dot; in PIL's "1" mode a set bit is white.
        img = Image.frombytes("1", (width_bytes * 8, rows), bytes(255 - b for b in body))
        images.append(img)
        pos = data.find(RASTER, pos + 8 + width_bytes * rows)
    return images


def stacked(images: list[Image.Image]) -> Image.Image:
    """python-escpos sends tall images in fragments: put them back together, on white."""
    width = max(i.width for i in images)
    out = Image.new("L", (width + 80, sum(i.height for i in images) + 80), 255)
    y = 40
    for img in images:
        out.paste(img.convert("L"), (40, y))
        y += img.height
    return out


def qr_store_payloads(data: bytes) -> list[bytes]:
    """The data of every 'store QR symbol data' command (GS ( k pL pH 49 80 48 d1...dk)."""
    found = []
    pos = data.find(QR_STORE)
    while pos != -1:
        length = data[pos + 3] + data[pos + 4] * 256
        cn, fn, m = data[pos + 5], data[pos + 6], data[pos + 7]
        if (cn, fn, m) == (49, 80, 48):
            found.append(data[pos + 8 : pos + 5 + length])
        pos = data.find(QR_STORE, pos + 5 + length)
    return found


def test_native_qr_carries_exactly_the_digits_and_the_raster_has_the_barcode() -> None:
    data = build_job([FACE], PrinterConfig(profile="TM-T88V"))
    assert qr_store_payloads(data) == [NUMBER.encode()]
    assert b"\x1d(k\x03\x001Q0" in data  # print the stored symbol
    image = stacked(raster_images(data))
    assert decoded(image) == {"EAN-13": [NUMBER]}
    assert image.width - 80 == 512  # the TM-T88V profile's paper width in dots


def test_printer_without_qr_command_gets_the_qr_as_raster() -> None:
    data = build_job([FACE], PrinterConfig(profile="TM-U220"))
    assert qr_store_payloads(data) == []
    assert decoded(stacked(raster_images(data))) == {"EAN-13": [NUMBER], "QR Code": [NUMBER]}


def test_qr_image_setting_forces_the_raster_fallback() -> None:
    data = build_job([FACE], PrinterConfig(qr="image"))
    assert QR_STORE not in data
    assert decoded(stacked(raster_images(data))) == {"EAN-13": [NUMBER], "QR Code": [NUMBER]}


def test_several_cards_make_one_job_with_one_cut_each() -> None:
    other = f.CardFace("Shop", "Zoë García", "2900100000024")
    data = build_job([FACE, other], PrinterConfig(profile="TM-T88V"))
    assert qr_store_payloads(data) == [NUMBER.encode(), b"2900100000024"]
    assert data.count(b"\x1dV") == 2  # GS V: cut


def test_a_card_job_starts_with_the_printers_initialise_command() -> None:
    # ESC @: a printer left in bold or another code page by the last job prints the card right.
    for config in (PrinterConfig(profile="TM-T88V"), PrinterConfig(qr="image")):
        assert build_job([FACE], config).startswith(b"\x1b@")


def test_the_shipped_font_has_every_letter_of_the_names() -> None:
    cmap = TTFont(f.FONT_REGULAR)["cmap"].getBestCmap()
    for ch in "Jürgen Müller-Lüdenscheidt Zoë García Weiß ÄÖÜ äöü éèçñ":
        assert ord(ch) in cmap, ch


def test_file_printer_gets_the_job(tmp_path: Path) -> None:
    target = tmp_path / "printer.bin"
    data = build_job([FACE], PrinterConfig())
    send(data, PrinterConfig(kind="file", target=str(target)))
    assert target.read_bytes() == data


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (PrinterConfig(), "No receipt printer is set up"),
        (PrinterConfig(kind="network", target=f"127.0.0.1:{_closed_port()}"), "not reachable"),
        (PrinterConfig(kind="serial", target="/dev/no-such-printer"), "not reachable"),
        (PrinterConfig(kind="usb", target="not-hex"), "vendor:product"),
        (PrinterConfig(kind="usb", target="ffff:fffe"), "not reachable"),
        (PrinterConfig(kind="file", target="/no/such/folder/printer"), "Cannot write"),
    ],
)
def test_a_missing_printer_is_a_readable_error(config: PrinterConfig, message: str) -> None:
    with pytest.raises(PrinterUnavailable) as err:
        send(b"\x1b@", config)
    assert message in err.value.message
    assert "Traceback" not in err.value.message


def test_unknown_profile_is_a_readable_error() -> None:
    with pytest.raises(PrinterUnavailable, match="Unknown printer profile"):
        build_job([FACE], PrinterConfig(profile="no-such-printer"))
