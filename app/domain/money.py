"""Money as integer minor units (cents) and the parsing of amounts people type."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from app.domain.errors import InvalidInput
from app.domain.numbers import MAX_DIGITS, MAX_POINTS
from app.domain.text import quote_input
from app.i18n import _, format_money

_GROUPED = re.compile(r"^\d{1,3}([.,' ]\d{3})+$")


# A refund is bounded by what is left of its sale (the service checks), not by today's maximum
# sale: a sale made before the owner lowered that maximum must still be refundable in part.
REFUND_TYPING_LIMIT_CENTS = 10**12


def parse_amount(
    text: str, *, max_cents: int, allow_zero: bool = False, currency: str = "EUR"
) -> int:
    """Parse a typed amount (``12.50``, ``12,50``, ``1.234,56``, ``€ 7``) into cents.

    Rejects negative, zero (unless ``allow_zero``), non-numeric, more than two decimals and
    anything above ``max_cents``.
    """
    raw = (text or "").strip()
    for symbol in ("€", "EUR", "eur", "$", "£", "CHF"):
        raw = raw.replace(symbol, "")
    raw = raw.strip()
    if not raw:
        raise InvalidInput(_("Enter an amount, for example 12.50"))
    if raw.startswith("-"):
        raise InvalidInput(_("The amount cannot be negative"))
    if raw.startswith("+"):
        raw = raw[1:]
    integer, decimals = raw, ""
    last_sep = max(raw.rfind("."), raw.rfind(","))
    if last_sep >= 0:
        integer, decimals = raw[:last_sep], raw[last_sep + 1 :]
        if len(decimals) > 2 or not decimals.isdigit():
            # "1.234" could be a German thousand: refuse rather than guess.
            raise InvalidInput(
                _(
                    "“{text}” is not an amount: use at most two decimals, like 12.50 or 12,50"
                ).format(text=quote_input(text))
            )
    if integer and not integer.isdigit():
        if not _GROUPED.match(integer):
            raise InvalidInput(_("“{text}” is not an amount").format(text=quote_input(text)))
        integer = re.sub(r"[.,' ]", "", integer)
    if not integer:
        integer = "0"
    if len(integer.lstrip("0")) > MAX_DIGITS - 2:
        # Babel cannot even format a 27-digit amount; no till takes a trillion.
        raise InvalidInput(_("That amount is too large"))
    try:
        value = Decimal(f"{integer}.{decimals or '0'}")
    except InvalidOperation:
        raise InvalidInput(_("“{text}” is not an amount").format(text=quote_input(text))) from None
    cents = int((value * 100).to_integral_value())
    if cents == 0 and not allow_zero:
        raise InvalidInput(_("The amount must be more than zero"))
    if cents > max_cents:
        raise InvalidInput(
            _("{amount} is more than the largest allowed sale ({maximum})").format(
                amount=format_money(cents, currency), maximum=format_money(max_cents, currency)
            )
        )
    return cents


def parse_points(text: str, *, allow_negative: bool = False) -> int:
    """Parse a whole number of points; empty means zero."""
    raw = (text or "").strip().replace(" ", "")
    if not raw:
        return 0
    sign = 1
    if raw[0] in "+-":
        sign = -1 if raw[0] == "-" else 1
        raw = raw[1:]
    # isdigit() alone lets "²" through, which int() then refuses with a traceback.
    if not (raw.isascii() and raw.isdigit()):
        raise InvalidInput(_("Points are whole numbers, like 250"))
    # int() of thousands of digits is slow (and refused past 4,300): the length decides first.
    if len(raw.lstrip("0")) > 9:
        raise InvalidInput(_("That is far too many points"))
    value = sign * int(raw)
    if value < 0 and not allow_negative:
        raise InvalidInput(_("Points cannot be negative"))
    if abs(value) > MAX_POINTS:
        raise InvalidInput(_("That is far too many points"))
    return value
