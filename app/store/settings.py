"""The settings table: program rules and shop identity (JSON values), their defaults and parsers.

Below the services and sync: a use case changes a setting with its audit row and sync event
(``app/services/settings.py``); a sync import takes another shop's program rule through
:func:`parse_setting` and :func:`put_setting`; both read and write the table only here. The
table also keeps the node id and sync's bookkeeping, which are no settings: :func:`load_settings`
leaves them out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import phonenumbers
from babel.numbers import is_currency
from sqlalchemy import Connection, insert, select, update

from app.domain.cards import CardLayout
from app.domain.errors import InvalidInput, LoyaltyError
from app.domain.program import Campaign, Tier, sorted_tiers
from app.domain.text import UnsafeText, check_text, quote_input
from app.i18n import _
from app.store.database import Database
from app.store.tables import SETTING


def _positive_int(maximum: int) -> Callable[[Any], int]:
    """A whole number from 1 to ``maximum``: ``2.5`` or ``true`` are refused, not truncated."""

    def parse(value: Any) -> int:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError
        number = int(value)
        # The bound keeps every amount and balance within SQLite's 64-bit integers.
        if not 0 < number <= maximum:
            raise ValueError
        return number

    parse.bounds = (1, maximum)  # type: ignore[attr-defined]
    return parse


def _text(value: Any) -> str:
    text = check_text(str(value), _("The value")).strip()
    if not text:
        raise ValueError
    return text


def _currency(value: Any) -> str:
    text = str(value).strip().upper()
    # Babel knows the ISO 4217 codes (and how to write their amounts): "QQQ" is none.
    if len(text) != 3 or not text.isalpha() or not is_currency(text):
        raise ValueError
    return text


_currency.hint = lambda: _(  # type: ignore[attr-defined]
    "an ISO 4217 currency code like EUR, CHF or USD"
)


def _region(value: Any) -> str:
    text = str(value).strip().upper()
    if text not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError
    return text


def _prefix(value: Any) -> str:
    text = str(value)
    CardLayout(prefix=text)
    return text


def _store_code(value: Any) -> str:
    text = str(value)
    CardLayout(store_code=text)
    return text


def _choice(*allowed: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = str(value).strip().lower()
        if text not in allowed:
            raise ValueError
        return text

    return parse


def _int_range(low: int, high: int) -> Callable[[Any], int]:
    """A whole number from ``low`` to ``high``."""

    def parse(value: Any) -> int:
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError
        number = int(value)
        if not low <= number <= high:
            raise ValueError
        return number

    parse.bounds = (low, high)  # type: ignore[attr-defined]
    return parse


def _optional_text(value: Any) -> str:
    return "" if value is None else check_text(str(value), _("The value")).strip()


def _logo(value: Any) -> str:
    """The shipped logo for "", no logo for "none", else an image file that exists now."""
    text = _optional_text(value)
    if text and text.lower() != "none" and not Path(text).expanduser().is_file():
        raise ValueError
    return text


def _printer_profile(value: Any) -> str:
    from escpos.capabilities import CAPABILITIES

    text = str(value).strip()
    if text not in CAPABILITIES["profiles"]:
        raise ValueError
    return text


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise ValueError


def _points(value: Any) -> int:
    """Bonus points: 0 (off) up to a million, whole numbers only."""
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError
    number = int(value)
    if not 0 <= number <= 1_000_000:
        raise ValueError
    return number


_points.bounds = (0, 1_000_000)  # type: ignore[attr-defined]


def _timezone(value: Any) -> str:
    text = _optional_text(value)
    if text:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError from None
    return text


_timezone.hint = lambda: _(  # type: ignore[attr-defined]
    "a time zone like Europe/Berlin (empty: the till computer's)"
)


def _json_list(value: Any) -> list[Any]:
    if isinstance(value, str):
        value = json.loads(value)
    if not isinstance(value, list):
        raise ValueError
    return value


def _tiers(value: Any) -> list[dict[str, Any]]:
    """A list of tiers (see ``loyalty tier add``), names unique."""
    try:
        tiers = [Tier.from_json(item) for item in _json_list(value)]
    except (KeyError, TypeError, LoyaltyError, json.JSONDecodeError):
        raise ValueError from None
    if len({t.name.casefold() for t in tiers}) != len(tiers):
        raise ValueError
    return [t.to_json() for t in sorted_tiers(tiers)]


def _campaigns(value: Any) -> list[dict[str, Any]]:
    """A list of campaigns (see ``loyalty campaign add``), names unique."""
    try:
        campaigns = [Campaign.from_json(item) for item in _json_list(value)]
    except (KeyError, TypeError, LoyaltyError, json.JSONDecodeError):
        raise ValueError from None
    if len({c.name.casefold() for c in campaigns}) != len(campaigns):
        raise ValueError
    return [c.to_json() for c in campaigns]


# key -> (default, parser that raises ValueError/LoyaltyError on bad values)
DEFAULTS: dict[str, tuple[Any, Callable[[Any], Any]]] = {
    "program.earn_points_per_unit": (1, _positive_int(1_000)),
    "program.redeem_points_per_unit": (100, _positive_int(1_000_000)),
    "program.max_sale_cents": (1_000_000, _positive_int(10_000_000_000)),
    "shop.name": ("Loyalty Counter", _text),
    "shop.currency": ("EUR", _currency),
    "shop.phone_region": ("DE", _region),
    "shop.store_code": ("001", _store_code),
    "card.prefix": ("29", _prefix),
    "shop.logo": ("", _logo),
    "printer.kind": ("none", _choice("none", "network", "usb", "serial", "file")),
    "printer.target": ("", _optional_text),
    "printer.profile": ("default", _printer_profile),
    "printer.qr": ("native", _choice("native", "image")),
    "printer.slip": ("off", _choice("off", "ask", "always")),
    "feedback.every_n_sales": (0, _int_range(0, 1000)),
    "shop.till": (1, _int_range(1, 999)),
    "sync.dir": ("", _optional_text),
    "sync.secret_file": ("", _optional_text),
    "sync.interval_minutes": (0, _int_range(0, 1440)),
    "sync.retention_days": (30, _int_range(0, 3650)),
    "sync.max_file_mb": (200, _positive_int(100_000)),
    "program.earn_on_points_paid": (False, _bool),
    "program.earn_on_discount": (False, _bool),
    "program.tiers": ([], _tiers),
    "program.tier_period": ("12months", _choice("12months", "lifetime")),
    "program.campaigns": ([], _campaigns),
    "program.birthday_points": (0, _points),
    "program.birthday_period": ("week", _choice("week", "month")),
    "program.signup_bonus": (0, _points),
    "program.profile_bonus": (0, _points),
    "program.referral_bonus": (0, _points),
    "program.expiry": ("never", _choice("never", "earned", "inactive")),
    "program.expiry_months": (12, _positive_int(600)),
    "shop.timezone": ("", _timezone),
    "report.active_days": (365, _positive_int(3650)),
    # Staff (issue 13): the till locks itself after so many minutes without a key (0: never);
    # a cashier may refund a sale of today at this till up to so many cents.
    "staff.lock_minutes": (5, _int_range(0, 240)),
    "staff.cashier_refund_limit": (5000, _int_range(0, 10_000_000_000)),
}


# The settings one shop sends the others, and the only ones a sync file may carry: the program
# rules the whole chain shares. A shop's own identity, printer, card numbers and sync set-up
# never travel (a file carrying one is rejected whole). Kept here, in one place: export and
# import both read it.
SYNCED_SETTINGS: frozenset[str] = frozenset(
    (
        "program.earn_points_per_unit",
        "program.redeem_points_per_unit",
        "program.max_sale_cents",
        "program.earn_on_points_paid",
        "program.earn_on_discount",
        "program.tiers",
        "program.tier_period",
        "program.campaigns",
        "program.birthday_points",
        "program.birthday_period",
        "program.signup_bonus",
        "program.profile_bonus",
        "program.referral_bonus",
        "program.expiry",
        "program.expiry_months",
    )
)
NEWER_RULES = "program."
"""A key under this prefix that this version does not know is a newer version's program rule."""


def synced_setting(key: str) -> bool:
    """Whether a change of ``key`` travels to the other shops of the chain."""
    return key in SYNCED_SETTINGS


def may_arrive(key: str) -> bool:
    """Whether a sync file may carry ``key``: a shared program rule, or a newer version's."""
    return key in SYNCED_SETTINGS or (key.startswith(NEWER_RULES) and key not in DEFAULTS)


NODE_ID = "sync.node_id"
"""The database's identity in chain sync: set once by migration 0005, never a user setting."""


def parse_setting(key: str, value: Any) -> Any:
    """Validate one setting's new value, or raise a readable error."""
    if key not in DEFAULTS:
        raise InvalidInput(_("Unknown setting “{key}”").format(key=quote_input(key)))
    _default, parse = DEFAULTS[key]
    try:
        return parse(value)
    except UnsafeText as exc:
        raise UnsafeText(f"{key}: {exc.message}") from None
    except (ValueError, TypeError):
        hint = getattr(parse, "hint", None)
        if hint is not None:
            # What the setting takes ("an ISO 4217 currency code like EUR…"), not only "no".
            raise InvalidInput(
                _("“{value}”: give {hint}").format(value=quote_input(value), hint=hint())
            ) from None
        raise InvalidInput(
            _("“{value}” is not a valid value for {key}").format(value=quote_input(value), key=key)
        ) from None


def load_settings(db: Database) -> dict[str, Any]:
    """Every setting, stored value over default."""
    values = {key: default for key, (default, _parse) in DEFAULTS.items()}
    with db.reading() as session:
        rows = session.connection().execute(select(SETTING.c.key, SETTING.c.value))
        for row in rows:
            # Only settings; the table also keeps the node id and sync's bookkeeping.
            if row.key in DEFAULTS:
                values[row.key] = json.loads(row.value)
    return values


def load_node_id(db: Database) -> str:
    """This database's sync node id."""
    with db.reading() as session:
        return read_node_id(session.connection())


def read_node_id(conn: Connection) -> str:
    """This database's sync node id, inside a transaction."""
    stored = read_setting(conn, NODE_ID)
    if stored is None:  # pragma: no cover - every migrated database has one
        raise RuntimeError("the database has no sync node id")
    return str(stored.value)


@dataclass(frozen=True)
class StoredSetting:
    """A row of the settings table: its value (decoded) and when it was set."""

    value: Any
    updated_at: datetime


def read_setting(conn: Connection, key: str) -> StoredSetting | None:
    """The stored row of ``key``, or None when it was never written (its default holds)."""
    row = conn.execute(
        select(SETTING.c.value, SETTING.c.updated_at).where(SETTING.c.key == key)
    ).first()
    return None if row is None else StoredSetting(json.loads(row.value), row.updated_at)


def put_setting(conn: Connection, key: str, value: Any, at: datetime) -> None:
    """Store ``value`` (already parsed) under ``key``, set at ``at``: no check, no audit."""
    text = json.dumps(value)
    done = conn.execute(
        update(SETTING).where(SETTING.c.key == key).values(value=text, updated_at=at)
    )
    if not done.rowcount:
        conn.execute(insert(SETTING).values(key=key, value=text, updated_at=at))
