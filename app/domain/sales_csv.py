"""Sales history files (`loyalty sales import`): reading and checking rows (pure).

The header names the columns, in any order; ``card``, ``date`` and ``amount`` are required::

    card,date,amount,receipt,store,points_earned,points_redeemed

- ``card``: the member's 13-digit card number (any card the member ever had).
- ``date``: ``YYYY-MM-DD``, optionally with a time (``2024-03-01 14:30`` or
  ``2024-03-01T14:30:00``), in the shop's time zone; a date alone is read as 12:00 that day.
- ``amount``: the sale's amount, written as amounts are everywhere (``12.50``, ``12,50``).
- ``receipt``: the old system's receipt number (at most 64 characters); a row whose receipt
  (in its shop) was imported before is skipped, so a file can be imported again.
- ``store``: the shop's 3-digit store code (default: this shop's).
- ``points_earned``, ``points_redeemed``: whole numbers >= 0; without them the row moves no
  points (the balances came with the member import).

Files are read like member files: UTF-8 (with or without BOM), UTF-16 or Windows-1252,
separated by ``,``, ``;`` or tab.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from app.domain.cards import validate_card_number
from app.domain.csv_formats import RowIssue, decode, detect_delimiter
from app.domain.errors import InvalidInput, LoyaltyError
from app.domain.money import parse_amount
from app.domain.numbers import MAX_POINTS, parse_whole_number
from app.domain.text import quote_input
from app.i18n import _

REQUIRED = ("card", "date", "amount")
OPTIONAL = ("receipt", "store", "points_earned", "points_redeemed")
RECEIPT_MAX = 64
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_STORE = re.compile(r"^\d{3}$")


@dataclass(frozen=True, slots=True)
class SaleRow:
    """One checked row of a sales history file."""

    line: int
    card: str
    at: datetime
    amount_cents: int
    receipt: str | None
    store: str | None
    points_earned: int
    points_redeemed: int


@lru_cache(maxsize=4096)
def parse_when(text: str, zone: str) -> datetime:
    """A row's date (and time) in the shop's time zone, as an aware datetime.

    Cached: a history file repeats its days (and its cards) many thousand times.
    """
    found = _DATE.match(text.strip())
    if found is None:
        raise InvalidInput(
            _("“{text}” is not a date like 2024-03-01 (or 2024-03-01 14:30)").format(
                text=quote_input(text)
            )
        )
    day_text, hour, minute, second = found.groups()
    try:
        day = datetime.fromisoformat(day_text).date()
        moment = time(int(hour), int(minute), int(second or 0)) if hour is not None else time(12)
    except ValueError:
        raise InvalidInput(
            _("“{text}” is not a day of the calendar").format(text=quote_input(text))
        ) from None
    tz = ZoneInfo(zone) if zone else datetime.now().astimezone().tzinfo
    return datetime.combine(day, moment, tzinfo=tz)


def _points(text: str, column: str) -> int:
    if not text:
        return 0
    if text.isascii() and text.isdigit() and len(text) <= 8:  # the common case, quickly
        return int(text)
    try:
        return parse_whole_number(text, low=0, high=MAX_POINTS)
    except InvalidInput as exc:
        raise InvalidInput(f"{column}: {exc.message}") from None


@lru_cache(maxsize=65536)
def _card(text: str) -> str:
    return validate_card_number(text)


def check_sale_row(
    line: int, cells: dict[str, str], *, zone: str, max_cents: int, currency: str
) -> SaleRow:
    """One row checked, or InvalidInput with the reason (the caller adds the line)."""
    card = _card(cells.get("card", ""))
    at = parse_when(cells.get("date", ""), zone)
    amount = parse_amount(cells.get("amount", ""), max_cents=max_cents, currency=currency)
    receipt = cells.get("receipt", "").strip() or None
    if receipt is not None and len(receipt) > RECEIPT_MAX:
        raise InvalidInput(
            _("the receipt number has more than {limit} characters").format(limit=RECEIPT_MAX)
        )
    store = cells.get("store", "").strip() or None
    if store is not None and not _STORE.match(store):
        raise InvalidInput(
            _("“{store}” is not a store code (3 digits)").format(store=quote_input(store))
        )
    return SaleRow(
        line=line,
        card=card,
        at=at,
        amount_cents=amount,
        receipt=receipt,
        store=store,
        points_earned=_points(cells.get("points_earned", ""), "points_earned"),
        points_redeemed=_points(cells.get("points_redeemed", ""), "points_redeemed"),
    )


@dataclass
class SalesFile:
    """A sales history file, decoded and split; its rows are checked one by one."""

    encoding: str
    delimiter: str
    header: list[str]
    text: str

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(line, cells by column) of every data row that is not blank."""
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)
        next(reader)
        keys = self.header
        line = reader.line_num + 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InvalidInput(
                    _("Line {line} cannot be read: {reason}").format(line=line, reason=exc)
                ) from None
            if any(v.strip() for v in values):
                yield line, {k: v.strip() for k, v in zip(keys, values, strict=False) if k}
            line = reader.line_num + 1


def read_sales_file(data: bytes) -> SalesFile:
    """Decode a sales history file and check its header."""
    text, encoding = decode(data)
    if not text.strip():
        raise InvalidInput(_("The file is empty"))
    delimiter = detect_delimiter(text.split("\n", 1)[0])
    header_row = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    header = [h.replace("\ufeff", "").strip().lower() for h in header_row]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise InvalidInput(
            _("The header must name the columns card, date and amount (missing: {names})").format(
                names=", ".join(missing)
            )
        )
    seen: set[str] = set()
    for name in header:
        if name in seen and name:
            raise InvalidInput(
                _("The header names the column {name} twice").format(name=quote_input(name))
            )
        seen.add(name)
    known = {*REQUIRED, *OPTIONAL}
    header = [name if name in known else "" for name in header]
    return SalesFile(encoding, delimiter, header, text)


def issue(line: int, exc: LoyaltyError) -> RowIssue:
    """A row's problem, for the report."""
    return RowIssue(line, exc.message)
