"""Member CSV files: encoding, separator and format detection, and row checking (pure).

The generic format (written by ``loyalty members export``, read by ``loyalty members import``)
has this header, in this order on export (on import the order does not matter and only
``first_name`` and ``last_name`` are required)::

    card,salutation,first_name,last_name,email,phone,birthday,postcode,consent,consent_at,points,tier,notes

- ``card``: the 13-digit card number (EAN-13, check digit verified); empty: a new card is issued.
- ``salutation``: ``ms``, ``mr``, ``mx`` or empty.
- ``first_name``, ``last_name``: required.
- ``email``, ``postcode``: optional.
- ``phone``: optional; any way of writing it, numbers without a country code are read in the
  shop's phone region; exported in E.164 (``+491712345678``).
- ``birthday``: ``YYYY-MM-DD`` (also ``DD.MM.YYYY`` on import).
- ``consent``: marketing consent, ``yes``/``no`` (also ``1``/``0``, ``true``/``false``,
  ``ja``/``nein`` on import).
- ``consent_at``: when consent was given, ISO 8601 (``2024-03-01T09:30:00+00:00``; without a
  time zone it is read as UTC); empty with ``consent=yes``: the time of the import.
- ``points``: the points balance, a whole number >= 0; imported as one ``opening_balance``
  ledger row.
- ``tier``: the member's tier name (at most 40 characters), optional.
- ``notes``: free text, optional.

Export writes UTF-8 without BOM, comma separated, with a header line. Import reads UTF-8 with
or without BOM, UTF-16 (little or big endian, with or without BOM) and Windows-1252, separated
by ``,`` or ``;`` (or tab); a file mixing UTF-8 lines with lines in another encoding is refused
naming the first line that is not UTF-8, and so is a header naming a column twice. It also
reads the customer files of Open Source Point of Sale (customer import CSV) and Square
(customer export), recognised by their header.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

import phonenumbers

from app.domain.cards import validate_card_number
from app.domain.errors import InvalidCardNumber, InvalidInput, ValidationFailed
from app.domain.numbers import MAX_POINTS
from app.domain.profile import (
    PERSON_FIELDS,
    MemberDraft,
    Profile,
    digits_of,
    parse_phone,
    validate_profile,
)
from app.domain.program import member_tier
from app.domain.spreadsheet import unescape_cell
from app.domain.text import quote_input
from app.i18n import _

# The generic file names its columns after the member's fields (the module's docstring and a
# test spell the header out: it is a file format, which a renamed field must not change).
GENERIC_COLUMNS = (
    "card",
    *PERSON_FIELDS,
    "consent",
    "consent_at",
    "points",
    "tier",
    "notes",
)
OSPOS_COLUMNS = (
    "First Name",
    "Last Name",
    "Gender",
    "Consent",
    "Email",
    "Phone Number",
    "Address 1",
    "Address2",
    "City",
    "State",
    "Zip",
    "Country",
    "Comments",
    "Company",
    "Account Number",
    "Discount",
    "Discount_Type",
    "Taxable",
)
SQUARE_COLUMNS = (
    "Reference ID",
    "First Name",
    "Last Name",
    "Email Address",
    "Phone Number",
    "Nickname",
    "Company Name",
    "Street Address 1",
    "Street Address 2",
    "City",
    "State",
    "Postal Code",
    "Birthday",
    "Memo",
    "Square Customer ID",
    "Creation Source",
    "First Visit",
    "Last Visit",
    "Transaction Count",
    "Lifetime Spend",
    "Email Subscription Status",
    "Instant Profile",
)
FORMATS = ("generic", "ospos", "square")
_TRUE = {"yes", "y", "1", "true", "ja", "j", "x", "subscribed", "opted in", "opted_in"}
_FALSE = {
    "no",
    "n",
    "0",
    "false",
    "nein",
    "",
    "unsubscribed",
    "not subscribed",
    "unknown",
    "opted out",
    "opted_out",
}
_US_DATE = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$")
_NO_YEAR = re.compile(r"^(?:0000-)?(\d{1,2})-(\d{1,2})$")


@dataclass(frozen=True)
class RowIssue:
    """A row that was not imported: its line in the file and why."""

    line: int
    reason: str

    def to_json(self) -> dict[str, object]:
        return {"line": self.line, "reason": self.reason}


@dataclass(frozen=True)
class RawRow:
    """One data row mapped to our fields, still as text."""

    line: int
    card: str = ""
    salutation: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    birthday: str = ""
    postcode: str = ""
    consent: str = ""
    consent_at: str = ""
    points: str = ""
    tier: str = ""
    notes: str = ""


@dataclass(frozen=True)
class MemberRow:
    """A checked row, ready to store."""

    line: int
    card: str | None
    profile: Profile
    consent_at: datetime | None
    points: int
    tier: str | None
    phone_national: str | None = None


@dataclass
class ParsedFile:
    """A read file: its detected shape and its rows (not yet checked)."""

    format: str
    encoding: str
    delimiter: str
    rows: list[RawRow] = field(default_factory=list)


def decode(data: bytes) -> tuple[str, str]:
    """The text of a file and the encoding it was in.

    UTF-16 with a byte order mark (Excel's "Unicode text"), or without one when every second
    byte of the start is NUL; UTF-8 with or without BOM; else Windows-1252. A file with
    UTF-8 lines and lines in another encoding is refused, naming the first line that is not
    UTF-8: read as Windows-1252, its UTF-8 names would come out garbled (``MÃ¼ller``).
    """
    utf16 = _utf16_codec(data)
    if utf16 is not None:
        codec, name = utf16
        try:
            return data.decode(codec), name
        except UnicodeDecodeError as exc:
            newline = "\n".encode(name)
            line = data[: exc.start - exc.start % 2].count(newline) + 1
            raise InvalidInput(
                _("The file is UTF-16 text, but line {line} cannot be read as UTF-16").format(
                    line=line
                )
            ) from None
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    try:
        return body.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError as exc:
        bad_line = body.count(b"\n", 0, exc.start) + 1
        if bom or _has_utf8_text(body):
            raise InvalidInput(
                _(
                    "Line {line} is not UTF-8 text like the rest of the file: the file mixes "
                    "encodings (save it again as CSV UTF-8)"
                ).format(line=bad_line)
            ) from None
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise InvalidInput(
            _("The file is neither UTF-8 nor Windows-1252 text: save it as CSV UTF-8")
        ) from None


def _utf16_codec(data: bytes) -> tuple[str, str] | None:
    """The codec to decode a UTF-16 file with and the name of its byte order, or None."""
    if data.startswith(b"\xff\xfe"):
        return "utf-16", "utf-16-le"  # the "utf-16" codec reads and drops the BOM
    if data.startswith(b"\xfe\xff"):
        return "utf-16", "utf-16-be"
    head = data[:200]
    if len(head) >= 4 and len(head) % 2 == 0:
        # A header line of ASCII column names in UTF-16 has NUL in every other byte.
        if head[1::2].count(0) == len(head) // 2 and 0 not in head[0::2]:
            return "utf-16-le", "utf-16-le"
        if head[0::2].count(0) == len(head) // 2 and 0 not in head[1::2]:
            return "utf-16-be", "utf-16-be"
    return None


def _has_utf8_text(data: bytes) -> bool:
    """Whether some line holds non-ASCII characters that are valid UTF-8 (a mixed file)."""
    for line in data.split(b"\n"):
        if not line.isascii():
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                continue
            return True
    return False


def detect_delimiter(header_line: str) -> str:
    """The separator of the header line: the most frequent of ``,``, ``;`` and tab."""
    counts = {sep: header_line.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _norm(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").strip().lower().replace("_", " ").split())


def detect_format(header: list[str]) -> str:
    """Which system wrote the file, from its header; InvalidInput when none fits."""
    names = {_norm(h) for h in header}
    if {"first name", "last name", "gender", "account number"} <= names:
        return "ospos"
    if {"first name", "last name", "email address"} <= names and (
        "reference id" in names or "square customer id" in names
    ):
        return "square"
    raw = {h.replace("\ufeff", "").strip().lower() for h in header}
    if {"first_name", "last_name"} <= raw:
        return "generic"
    raise InvalidInput(
        _(
            "Unknown file format: the first line must be the header "
            "card,salutation,first_name,last_name,… (or an OSPOS or Square customer file)"
        )
    )


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0]


def read_file(data: bytes) -> ParsedFile:
    """Decode, split and map every data row of a member CSV file (no checking yet)."""
    text, encoding = decode(data)
    if not text.strip():
        raise InvalidInput(_("The file is empty"))
    delimiter = detect_delimiter(_first_line(text))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise InvalidInput(
            _("Line {line} cannot be read: {reason}").format(line=1, reason=exc)
        ) from None
    kind = detect_format(header)
    keys = [_norm(h) for h in header]
    _refuse_duplicate_columns(header, keys)
    parsed = ParsedFile(format=kind, encoding=encoding, delimiter=delimiter)
    mapper = {"generic": _generic, "ospos": _ospos, "square": _square}[kind]
    line = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InvalidInput(
                _("Line {line} cannot be read: {reason}").format(line=line, reason=exc)
            ) from None
        if any(v.strip() for v in values):
            # A cell our export wrote as '=… (see app.domain.spreadsheet) reads as =… again.
            cells = {k: unescape_cell(v.strip()) for k, v in zip(keys, values, strict=False) if k}
            parsed.rows.append(mapper(line, cells))
        line = reader.line_num + 1
    return parsed


def _refuse_duplicate_columns(header: list[str], keys: list[str]) -> None:
    """Two columns of one name: which of them holds the value would be a guess."""
    seen: set[str] = set()
    for name, key in zip(header, keys, strict=True):
        if key and key in seen:
            raise InvalidInput(
                _("The column “{name}” appears twice in the header line").format(
                    name=quote_input(name)
                )
            )
        seen.add(key)


def _generic(line: int, cells: dict[str, str]) -> RawRow:
    get = cells.get
    return RawRow(
        line=line,
        card=get("card", ""),
        salutation=get("salutation", ""),
        first_name=get("first name", ""),
        last_name=get("last name", ""),
        email=get("email", ""),
        phone=get("phone", ""),
        birthday=get("birthday", ""),
        postcode=get("postcode", ""),
        consent=get("consent", ""),
        consent_at=get("consent at", ""),
        points=get("points", ""),
        tier=get("tier", ""),
        notes=get("notes", ""),
    )


def _join_notes(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


def _card_or_note(value: str, label: str) -> tuple[str, str]:
    """An id from the other system: our card if it is a valid card number, else a note."""
    if not value:
        return "", ""
    try:
        return validate_card_number(value), ""
    except InvalidCardNumber:
        return "", f"{label}: {value}"


def _ospos(line: int, cells: dict[str, str]) -> RawRow:
    get = cells.get
    gender = get("gender", "").lower()
    # OSPOS stores gender as 1 (male) / 0 (female); files from people may spell it out.
    salutation = {"1": "mr", "m": "mr", "male": "mr", "0": "ms", "f": "ms", "female": "ms"}.get(
        gender, ""
    )
    card, account_note = _card_or_note(get("account number", ""), "Account number")
    company = get("company", "")
    return RawRow(
        line=line,
        card=card,
        salutation=salutation,
        first_name=get("first name", ""),
        last_name=get("last name", ""),
        email=get("email", ""),
        phone=get("phone number", ""),
        postcode=get("zip", ""),
        consent=get("consent", ""),
        notes=_join_notes(
            get("comments", ""), f"Company: {company}" if company else "", account_note
        ),
    )


def _square_birthday(value: str) -> tuple[str, str]:
    """Square writes ``YYYY-MM-DD``, ``0000-MM-DD`` (no year) or ``M/D/YYYY``."""
    if not value:
        return "", ""
    if _NO_YEAR.match(value):
        return "", f"Birthday (no year): {value.removeprefix('0000-')}"
    us = _US_DATE.match(value)
    if us:
        month, day, year = us.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}", ""
    return value.split("T", 1)[0], ""


def _square(line: int, cells: dict[str, str]) -> RawRow:
    get = cells.get
    card, reference_note = _card_or_note(get("reference id", ""), "Reference ID")
    birthday, birthday_note = _square_birthday(get("birthday", ""))
    company = get("company name", "")
    return RawRow(
        line=line,
        card=card,
        first_name=get("first name", ""),
        last_name=get("last name", ""),
        email=get("email address", ""),
        phone=get("phone number", ""),
        birthday=birthday,
        postcode=get("postal code", ""),
        consent=get("email subscription status", ""),
        notes=_join_notes(
            get("memo", ""),
            f"Company: {company}" if company else "",
            reference_note,
            birthday_note,
        ),
    )


def parse_consent(text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(_("Consent must be yes or no, not “{text}”").format(text=quote_input(text)))


def parse_timestamp(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            _("“{text}” is not a time: use ISO 8601, e.g. 2024-03-01T09:30:00+00:00").format(
                text=quote_input(text)
            )
        ) from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def phone_and_key(text: str, region: str) -> tuple[str, str]:
    """E.164 form and national digits (the search key) of a phone number, parsed once.

    The same checks as enrolment; parsing once matters when importing 100 000 rows.
    """
    parsed = parse_phone(text, region)
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return e164, digits_of(national)


def check_row(raw: RawRow, *, today: date, region: str) -> MemberRow:
    """Validate one row like an enrolment; ValidationFailed lists every bad field."""
    errors: dict[str, str] = {}
    card = None
    if raw.card:
        try:
            card = validate_card_number(raw.card)
        except InvalidCardNumber as exc:
            errors["card"] = exc.message
    consent = False
    try:
        consent = parse_consent(raw.consent)
    except ValueError as exc:
        errors["consent"] = str(exc)
    consent_at = None
    if raw.consent_at and consent:
        try:
            consent_at = parse_timestamp(raw.consent_at)
        except ValueError as exc:
            errors["consent_at"] = str(exc)
    points = 0
    if raw.points:
        text = raw.points.replace(" ", "").replace("_", "")
        if not text.isascii() or not text.isdigit():
            errors["points"] = _("Points must be a whole number of 0 or more, not “{text}”").format(
                text=quote_input(raw.points)
            )
        elif len(text.lstrip("0")) > 9 or int(text) > MAX_POINTS:
            errors["points"] = _("{points} points is too many").format(points=quote_input(text))
        else:
            points = int(text)
    phone = national = None
    if raw.phone.strip():
        try:
            phone, national = phone_and_key(raw.phone.strip(), region)
        except ValueError as exc:
            errors["phone"] = str(exc)
    tier = None
    try:
        tier = member_tier(raw.tier)
    except ValueError as exc:
        errors["tier"] = str(exc)
    profile = None
    try:
        profile = validate_profile(
            MemberDraft(
                first_name=raw.first_name,
                last_name=raw.last_name,
                salutation=raw.salutation,
                email=raw.email,
                birthday=raw.birthday,
                postcode=raw.postcode,
                marketing_consent=consent,
                notes=raw.notes,
            ),
            today=today,
            region=region,
        )
    except ValidationFailed as exc:
        errors = {**exc.errors, **errors}
    if errors or profile is None:
        raise ValidationFailed(errors)
    return MemberRow(
        line=raw.line,
        card=card,
        profile=replace(profile, marketing_consent=consent, phone=phone),
        consent_at=consent_at,
        points=points,
        tier=tier,
        phone_national=national,
    )


def consent_text(value: bool) -> str:
    """How the generic format writes consent."""
    return "yes" if value else "no"
