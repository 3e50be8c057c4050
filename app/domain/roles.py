"""Staff roles and what each may do; staff badge codes and PIN formats (pure, no I/O).

The permission table below is the one README.md shows: the CLI, the TUI and the services all
ask :func:`allows`, so a role cannot do more at the shell than at the till.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from app.domain.errors import InvalidInput
from app.i18n import _


class Role(StrEnum):
    """A staff member's role, ordered cashier < manager < owner."""

    CASHIER = "cashier"
    MANAGER = "manager"
    OWNER = "owner"


ROLE_ORDER: tuple[Role, ...] = (Role.CASHIER, Role.MANAGER, Role.OWNER)


def role_rank(role: Role) -> int:
    """0 for a cashier, 1 for a manager, 2 for the owner."""
    return ROLE_ORDER.index(role)


def parse_role(text: str) -> Role:
    """A role typed by a person (any case), or InvalidInput."""
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise InvalidInput(
            _("Unknown role “{role}”: use cashier, manager or owner").format(role=text[:20])
        ) from None


class Action(StrEnum):
    """Something a person does that a role may or may not allow."""

    LOOKUP = "lookup"
    SELL = "sell"
    REDEEM = "redeem"
    COUPON = "coupon"
    STAMP = "stamp"
    ENROLL = "enroll"
    PRINT_CARD = "print_card"
    REFUND_SMALL = "refund_small"
    """A cashier's refund of a sale of today at this till, up to staff.cashier_refund_limit."""
    REFUND = "refund"
    ADJUST = "adjust"
    EDIT_PROFILE = "edit_profile"
    MERGE = "merge"
    REPLACE_CARD = "replace_card"
    EXPORT_MEMBER = "export_member"
    ERASE = "erase"
    CONFLICTS = "conflicts"
    PROGRAM = "program"
    SETTINGS = "settings"
    STAFF = "staff"
    BULK_EXPORT = "bulk_export"
    BULK_IMPORT = "bulk_import"
    COUPON_BATCH = "coupon_batch"
    REPORTS = "reports"
    AUDIT = "audit"


_CASHIER = frozenset(
    {
        Action.LOOKUP,
        Action.SELL,
        Action.REDEEM,
        Action.COUPON,
        Action.STAMP,
        Action.ENROLL,
        Action.PRINT_CARD,
        Action.REFUND_SMALL,
    }
)
_MANAGER = _CASHIER | {
    Action.REFUND,
    Action.ADJUST,
    Action.EDIT_PROFILE,
    Action.MERGE,
    Action.REPLACE_CARD,
    Action.EXPORT_MEMBER,
    Action.ERASE,
    Action.CONFLICTS,
    Action.AUDIT,
}
_OWNER = frozenset(Action)

PERMISSIONS: Mapping[Role, frozenset[Action]] = {
    Role.CASHIER: _CASHIER,
    Role.MANAGER: frozenset(_MANAGER),
    Role.OWNER: _OWNER,
}
"""The default permission table (issue 13): each role may do what the one below it may."""


def allows(role: Role, action: Action) -> bool:
    """Whether ``role`` may do ``action`` without anybody's approval."""
    return action in PERMISSIONS[role]


def minimum_role(action: Action) -> Role:
    """The lowest role that may do ``action``."""
    for role in ROLE_ORDER:
        if allows(role, action):
            return role
    raise AssertionError(f"no role allows {action}")  # pragma: no cover - the owner may all


def action_label(action: Action) -> str:
    """What the action is, for a person (messages, the README's table)."""
    labels = {
        Action.LOOKUP: _("look members up"),
        Action.SELL: _("sell"),
        Action.REDEEM: _("redeem points"),
        Action.COUPON: _("take coupons"),
        Action.STAMP: _("give stamps"),
        Action.ENROLL: _("enroll members"),
        Action.PRINT_CARD: _("print a card"),
        Action.REFUND_SMALL: _("refund a small sale of today at this till"),
        Action.REFUND: _("refund any sale"),
        Action.ADJUST: _("adjust points"),
        Action.EDIT_PROFILE: _("edit a profile"),
        Action.MERGE: _("merge members"),
        Action.REPLACE_CARD: _("replace a card"),
        Action.EXPORT_MEMBER: _("export one member's data"),
        Action.ERASE: _("erase a member"),
        Action.CONFLICTS: _("settle sync conflicts"),
        Action.PROGRAM: _("change the program rules"),
        Action.SETTINGS: _("change settings"),
        Action.STAFF: _("manage staff"),
        Action.BULK_EXPORT: _("export all members"),
        Action.BULK_IMPORT: _("import members"),
        Action.COUPON_BATCH: _("create coupon batches"),
        Action.REPORTS: _("see reports"),
        Action.AUDIT: _("read the audit log"),
    }
    return labels[action]


def role_label(role: Role) -> str:
    """The role's name for a person."""
    return {Role.CASHIER: _("cashier"), Role.MANAGER: _("manager"), Role.OWNER: _("owner")}[role]


@dataclass(frozen=True)
class StaffView:
    """A staff account as the screens and commands see it (never its PIN or hash)."""

    id: int
    uuid: str
    name: str
    role: Role
    active: bool
    number: int
    """The badge number: the store code's three digits, then a five-digit serial."""


def staff_name_key(name: str) -> str:
    """How a typed name finds its account: case and spaces around or between do not matter."""
    return " ".join(name.split()).casefold()


# --- badges -----------------------------------------------------------------------------

BADGE_PREFIX = "STF"
BADGE_DIGITS = 8
BADGE_MAX = 10**BADGE_DIGITS - 1


def _check_digit(digits: str) -> str:
    """The Luhn check digit of ``digits``."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def badge_code(staff_number: int) -> str:
    """The code on a staff badge: "STF", eight digits and a check digit.

    The letters make sure no scanner reading it types a member card number (13 digits).
    """
    if not 1 <= staff_number <= BADGE_MAX:
        raise InvalidInput(_("A staff number has at most eight digits"))
    digits = f"{staff_number:0{BADGE_DIGITS}d}"
    return BADGE_PREFIX + digits + _check_digit(digits)


def parse_badge(text: str) -> int | None:
    """The staff number of a scanned badge code, or None when ``text`` is not one."""
    code = text.strip().upper()
    body = code[len(BADGE_PREFIX) :]
    if (
        not code.startswith(BADGE_PREFIX)
        or len(body) != BADGE_DIGITS + 1
        or not body.isascii()
        or not body.isdigit()
    ):
        return None
    digits, check = body[:-1], body[-1]
    if _check_digit(digits) != check or int(digits) == 0:
        return None
    return int(digits)


def staff_number(store_code: str, serial: int) -> int:
    """A badge number unique in the chain: the store code's digits, then a serial (1–99999)."""
    if not 1 <= serial <= 99_999:
        raise InvalidInput(_("This shop has no staff numbers left"))
    return int(store_code) * 100_000 + serial


# --- PINs -------------------------------------------------------------------------------

PIN_MIN = 4
PIN_MAX = 8


def check_pin_format(pin: str) -> str:
    """The PIN itself when it is 4 to 8 digits, else InvalidInput (the PIN is never shown)."""
    if not (PIN_MIN <= len(pin) <= PIN_MAX) or not pin.isascii() or not pin.isdigit():
        raise InvalidInput(_("A PIN is {low} to {high} digits").format(low=PIN_MIN, high=PIN_MAX))
    return pin


# --- lock-out ---------------------------------------------------------------------------

FAILURES_TO_LOCK = 5
FIRST_LOCK_SECONDS = 60
LONGEST_LOCK_SECONDS = 15 * 60


def lock_seconds(locks: int) -> int:
    """How long the ``locks``-th lock (1 = the first) of one person lasts: 60 s, doubling,
    at most 15 minutes."""
    if locks < 1:
        return 0
    return min(LONGEST_LOCK_SECONDS, FIRST_LOCK_SECONDS * 2 ** min(locks - 1, 10))
