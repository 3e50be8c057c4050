"""A member's personal fields: validation, normalisation and the keys that search uses."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import phonenumbers

from app.domain.errors import ValidationFailed
from app.domain.text import quote_input, unsafe_character, unsafe_text_message
from app.i18n import _

SALUTATIONS = ("", "ms", "mr", "mx")
# Who the member is, in the order every form, member file and table lists it.
PERSON_FIELDS = ("salutation", "first_name", "last_name", "email", "phone", "birthday", "postcode")
# A member's profile: the fields of :class:`Profile`, in that order.
PROFILE_FIELDS = (*PERSON_FIELDS, "marketing_consent", "notes")
_PHONE_PUNCTUATION = frozenset(" +-/()")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]{2,}$")
_POSTCODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{1,9}$")
_NAME_MAX = 80


def salutation_label(code: str) -> str:
    """The salutation as people read it in the current language."""
    labels = {"ms": _("Ms"), "mr": _("Mr"), "mx": _("Mx")}
    return labels.get(code, "")


def fold(text: str) -> str:
    """Case- and accent-insensitive form: ``Müller`` -> ``muller``, ``Straße`` -> ``strasse``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
# What a German umlaut becomes when typed without one: a word holding one of these may mean
# a name with an umlaut (``mueller`` for Müller).
UMLAUT_DIGRAPHS = ("ae", "oe", "ue")


def fold_german(text: str) -> str:
    """:func:`fold` with the German transliteration of the umlauts: ``Müller`` -> ``mueller``
    (``ß`` -> ``ss`` is :func:`fold`'s already)."""
    return fold(unicodedata.normalize("NFC", text.casefold()).translate(_UMLAUTS))


def alt_key(text: str) -> str | None:
    """The transliterated key of a name when it differs from the folded one (``Müller``:
    ``mueller``), else None: only names with an umlaut carry one."""
    german = fold_german(text)
    return german if german != fold(text) else None


def email_domain(email: str) -> str:
    """The folded part of an email after its ``@``: ``example.org``."""
    return fold(email.rsplit("@", 1)[-1])


def digits_of(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def phone_query(text: str) -> tuple[str, bool] | None:
    """A search typed as a phone number: its digits, and whether it is written internationally
    (``+49 171…``, ``0049 171…``, which only the international form can match).

    None when ``text`` is not a phone number (letters in it, or nothing at all).
    """
    stripped = text.strip()
    if not stripped or not all(ch.isdigit() or ch in _PHONE_PUNCTUATION for ch in stripped):
        return None
    digits = digits_of(stripped)
    if stripped.startswith("00"):
        return digits[2:], True
    return digits, stripped.startswith("+")


@dataclass(frozen=True)
class MemberDraft:
    """What a person typed into the enrollment or profile form."""

    first_name: str = ""
    last_name: str = ""
    salutation: str = ""
    email: str = ""
    phone: str = ""
    birthday: str = ""
    postcode: str = ""
    marketing_consent: bool = False
    notes: str = ""


@dataclass(frozen=True)
class Profile:
    """Validated, normalised personal fields, ready to store."""

    first_name: str
    last_name: str
    salutation: str = ""
    email: str | None = None
    phone: str | None = None
    birthday: date | None = None
    postcode: str | None = None
    marketing_consent: bool = False
    notes: str = ""


def profile_values(profile: Profile) -> dict[str, Any]:
    """The profile's fields by name, in the order of :data:`PROFILE_FIELDS`."""
    return {name: getattr(profile, name) for name in PROFILE_FIELDS}


_DATE_SHAPE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{4}")
"""A date written in one of the accepted formats, whether or not the calendar has it."""


def parse_birthday(text: str, today: date) -> date:
    """Accept ``1980-05-17`` and ``17.05.1980``; refuse future dates and impossible ages."""
    raw = text.strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            value = datetime.strptime(raw, fmt).date()
            break
        except ValueError:
            continue
    else:
        if _DATE_SHAPE.fullmatch(raw):
            # The format is right; the day is not in the calendar (31.02., 29.02. of 1990).
            raise ValueError(
                _("{date} does not exist: check the day and the month").format(date=raw)
            )
        raise ValueError(_("Birthday as YYYY-MM-DD or DD.MM.YYYY, e.g. 1980-05-17"))
    if value > today:
        raise ValueError(_("The birthday cannot be in the future"))
    if value.year < today.year - 120:
        raise ValueError(_("That birthday is more than 120 years ago"))
    return value


def parse_phone(text: str, region: str) -> phonenumbers.PhoneNumber:
    """A valid phone number, or ValueError with a reason people can read."""
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValueError(
            _("“{text}” is not a phone number").format(text=quote_input(text))
        ) from None
    if not phonenumbers.is_possible_number(parsed) or not phonenumbers.is_valid_number(parsed):
        raise ValueError(_("“{text}” is not a valid phone number").format(text=quote_input(text)))
    return parsed


def normalize_phone(text: str, region: str) -> str:
    """A phone number in E.164 (``+491712345678``), or ValueError with a readable reason."""
    return phonenumbers.format_number(
        parse_phone(text, region), phonenumbers.PhoneNumberFormat.E164
    )


def display_phone(e164: str | None) -> str:
    """A stored phone number as people read it: ``+49 171 2345678``."""
    if not e164:
        return ""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def national_digits(e164: str, region: str) -> str:
    """The digits as dialled at home (``01712345678``), for searching."""
    parsed = phonenumbers.parse(e164, region)
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return digits_of(national)


def _name(value: str, field_label: str, errors: dict[str, str], key: str) -> str:
    cleaned = " ".join(value.split())
    if not cleaned:
        errors[key] = _("{field} is required").format(field=field_label)
    elif len(cleaned) > _NAME_MAX:
        errors[key] = _("{field} is too long (at most 80 characters)").format(field=field_label)
    elif any(ch.isdigit() for ch in cleaned) or any(ch in "@<>{}[]|\\" for ch in cleaned):
        errors[key] = _("{field} contains characters a name cannot have").format(field=field_label)
    return cleaned


def _unsafe_fields(draft: MemberDraft) -> dict[str, str]:
    """The typed fields holding a control, bidi or zero-width character, with the message."""
    labels = {
        "first_name": _("First name"),
        "last_name": _("Last name"),
        "salutation": _("Salutation"),
        "email": _("Email"),
        "phone": _("Phone"),
        "birthday": _("Birthday"),
        "postcode": _("Postcode"),
        "notes": _("Notes"),
    }
    errors: dict[str, str] = {}
    for key, label in labels.items():
        char = unsafe_character(getattr(draft, key), multiline=key == "notes")
        if char is not None:
            errors[key] = unsafe_text_message(label, char)
    return errors


def validate_profile(draft: MemberDraft, *, today: date, region: str = "DE") -> Profile:
    """Check every field at once; raise ValidationFailed listing each bad field.

    A field holding a control, bidi or zero-width character is refused whatever else it holds
    (see :mod:`app.domain.text`); a note may hold line breaks.
    """
    unsafe = _unsafe_fields(draft)
    if unsafe:
        raise ValidationFailed(unsafe)
    errors: dict[str, str] = {}
    first = _name(draft.first_name, _("First name"), errors, "first_name")
    last = _name(draft.last_name, _("Last name"), errors, "last_name")
    salutation = draft.salutation.strip().lower()
    if salutation not in SALUTATIONS:
        errors["salutation"] = _("Salutation must be one of: ms, mr, mx or empty")
    email = draft.email.strip() or None
    if email is not None:
        if not _EMAIL.match(email) or len(email) > 254:
            errors["email"] = _("“{text}” is not an email address").format(text=quote_input(email))
        else:
            local, domain = email.rsplit("@", 1)
            email = f"{local}@{domain.lower()}"
    phone = None
    if draft.phone.strip():
        try:
            phone = normalize_phone(draft.phone.strip(), region)
        except ValueError as exc:
            errors["phone"] = str(exc)
    birthday = None
    if draft.birthday.strip():
        try:
            birthday = parse_birthday(draft.birthday, today)
        except ValueError as exc:
            errors["birthday"] = str(exc)
    postcode = draft.postcode.strip().upper() or None
    if postcode is not None and not _POSTCODE.match(postcode):
        errors["postcode"] = _("“{text}” is not a postcode").format(text=quote_input(postcode))
    notes = draft.notes.strip()
    if len(notes) > 2000:
        errors["notes"] = _("Notes are too long (at most 2000 characters)")
    if errors:
        raise ValidationFailed(errors)
    return Profile(
        first_name=first,
        last_name=last,
        salutation=salutation,
        email=email,
        phone=phone,
        birthday=birthday,
        postcode=postcode,
        marketing_consent=draft.marketing_consent,
        notes=notes,
    )


@dataclass(frozen=True)
class SearchKeys:
    """Folded forms of the fields a search looks at; each is prefix-searched on an index."""

    first_key: str
    last_key: str
    email_key: str | None
    phone_national: str | None
    phone_international: str | None
    # Migration 0018: a name's transliterated spelling (only with an umlaut), the email's
    # domain and the phone's digits backwards (a prefix of them is the number's end).
    first_alt: str | None = None
    last_alt: str | None = None
    email_domain: str | None = None
    phone_reversed: str | None = None


# Every key column, in the order of :class:`SearchKeys`.
SEARCH_KEY_COLUMNS = (
    "first_key",
    "last_key",
    "email_key",
    "phone_national",
    "phone_international",
    "first_alt",
    "last_alt",
    "email_domain",
    "phone_reversed",
)


def variant_keys(
    first_name: str, last_name: str, email: str | None, phone: str | None
) -> tuple[str | None, str | None, str | None, str | None]:
    """``first_alt``, ``last_alt``, ``email_domain``, ``phone_reversed`` of these fields
    (``phone`` in E.164)."""
    return (
        alt_key(first_name),
        alt_key(last_name),
        email_domain(email) if email else None,
        digits_of(phone)[::-1] if phone else None,
    )


def search_keys(profile: Profile, region: str = "DE") -> SearchKeys:
    first_alt, last_alt, domain, reversed_phone = variant_keys(
        profile.first_name, profile.last_name, profile.email, profile.phone
    )
    return SearchKeys(
        first_key=fold(profile.first_name),
        last_key=fold(profile.last_name),
        email_key=fold(profile.email) if profile.email else None,
        phone_national=national_digits(profile.phone, region) if profile.phone else None,
        phone_international=digits_of(profile.phone) if profile.phone else None,
        first_alt=first_alt,
        last_alt=last_alt,
        email_domain=domain,
        phone_reversed=reversed_phone,
    )
