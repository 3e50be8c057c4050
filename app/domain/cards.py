"""Card numbers: EAN-13 in the GS1 in-store range (prefix 20-29).

Layout: two-digit prefix + three-digit store code + seven-digit serial + GS1 check digit.
"""

from __future__ import annotations

from dataclasses import dataclass

from stdnum import ean
from stdnum.exceptions import InvalidChecksum, ValidationError

from app.domain.errors import InvalidCardNumber
from app.domain.text import quote_input
from app.i18n import _

CARD_LENGTH = 13
SERIAL_DIGITS = 7
MAX_SERIAL = 10**SERIAL_DIGITS - 1


@dataclass(frozen=True)
class CardLayout:
    """The shop's numbering: in-store prefix and store code."""

    prefix: str = "29"
    store_code: str = "001"

    def __post_init__(self) -> None:
        if len(self.prefix) != 2 or not self.prefix.isdigit() or not "20" <= self.prefix <= "29":
            raise InvalidCardNumber(_("The card prefix must be two digits from 20 to 29"))
        if len(self.store_code) != 3 or not self.store_code.isdigit():
            raise InvalidCardNumber(_("The store code must be three digits"))

    @property
    def stem(self) -> str:
        return self.prefix + self.store_code


def make_card_number(layout: CardLayout, serial: int) -> str:
    """The full 13-digit number for a serial, with its GS1 check digit."""
    if not 1 <= serial <= MAX_SERIAL:
        raise InvalidCardNumber(_("No card numbers left for this store"))
    body = f"{layout.stem}{serial:0{SERIAL_DIGITS}d}"
    return body + ean.calc_check_digit(body)


def serial_of(number: str) -> int:
    return int(number[5:12])


def normalize_card_input(text: str) -> str:
    """Strip what people add around a number (spaces, dashes) but nothing else."""
    return "".join(ch for ch in (text or "").strip() if ch not in " -")


def validate_card_number(text: str) -> str:
    """Return the 13 digits of a typed or scanned card number, or raise a readable error."""
    number = normalize_card_input(text)
    if not number:
        raise InvalidCardNumber(_("Scan a card or type its 13 digits"))
    if not number.isdigit():
        raise InvalidCardNumber(
            _("“{text}” is not a card number: a card number has only digits").format(
                text=quote_input(text)
            )
        )
    if len(number) != CARD_LENGTH:
        raise InvalidCardNumber(
            _("A card number has 13 digits; “{number}” has {count}").format(
                number=quote_input(number), count=len(number)
            )
        )
    try:
        ean.validate(number)
    except InvalidChecksum:
        raise InvalidCardNumber(
            _("Wrong check digit in {number}: scan again or type the number carefully").format(
                number=number
            )
        ) from None
    except ValidationError:
        raise InvalidCardNumber(
            _("“{number}” is not a card number").format(number=quote_input(number))
        ) from None
    return number


def looks_like_card(text: str, prefix: str) -> bool:
    """Whether scan-field input is meant as a card number rather than a search.

    Thirteen digits always are; other all-digit input starting with the shop's prefix is a
    misread card (so it gets a length message); other digits (phone numbers) are a search.
    """
    raw = (text or "").strip()
    if not raw.isdigit():
        compact = normalize_card_input(raw)
        return compact.isdigit() and len(compact) == CARD_LENGTH and raw[:1] != "+"
    return len(raw) == CARD_LENGTH or (raw.startswith(prefix) and 8 <= len(raw) <= 14)
