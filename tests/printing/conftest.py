"""Helpers for card tests: decode images with a real decoder (zxing-cpp)."""

from __future__ import annotations

import zxingcpp
from PIL import Image


def decoded(img: Image.Image) -> dict[str, list[str]]:
    """Every code zxing-cpp finds in the image, by kind ("EAN-13", "QR Code")."""
    found: dict[str, list[str]] = {}
    # No downscaled second pass: on a 300 dpi image it only adds misreads of narrow bars
    # (1 in 60 rendered coupons read a second, wrong Code 128 that passed its checksum).
    for result in zxingcpp.read_barcodes(img.convert("L"), try_downscale=False):
        found.setdefault(str(result.format), []).append(result.text)
    return found


def assert_both_codes(img: Image.Image, number: str) -> None:
    """The card image carries the number as EAN-13 and as QR code, and nothing else."""
    assert decoded(img) == {"EAN-13": [number], "QR Code": [number]}
