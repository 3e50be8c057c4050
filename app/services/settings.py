"""Settings stored in the database (program rules and shop identity), with defaults."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import phonenumbers
from sqlmodel import select

from app.domain.cards import CardLayout
from app.domain.errors import InvalidInput, LoyaltyError, ValidationFailed
from app.domain.program import Campaign, ProgramSetup, Tier, sorted_tiers
from app.domain.rules import ProgramRules
from app.i18n import _, format_points
from app.store.database import Database
from app.store.models import AuditEntry, Setting
from app.sync import events


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
    text = str(value).strip()
    if not text:
        raise ValueError
    return text


def _currency(value: Any) -> str:
    text = str(value).strip().upper()
    if len(text) != 3 or not text.isalpha():
        raise ValueError
    return text


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
    return "" if value is None else str(value).strip()


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
    "shop.till": (1, _int_range(1, 999)),
    "sync.dir": ("", _optional_text),
    "sync.secret_file": ("", _optional_text),
    "sync.interval_minutes": (0, _int_range(0, 1440)),
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
}


NODE_ID = "sync.node_id"
"""The database's identity in chain sync: set once by migration 0005, never a user setting."""


def load_settings(db: Database) -> dict[str, Any]:
    """Every setting, stored value over default."""
    values = {key: default for key, (default, _parse) in DEFAULTS.items()}
    with db.reading() as session:
        for row in session.exec(select(Setting)):
            # Only settings; the table also keeps the node id and sync's bookkeeping.
            if row.key in DEFAULTS:
                values[row.key] = json.loads(row.value)
    return values


def load_node_id(db: Database) -> str:
    """This database's sync node id."""
    with db.reading() as session:
        row = session.get(Setting, NODE_ID)
    if row is None:  # pragma: no cover - every migrated database has one
        raise RuntimeError("the database has no sync node id")
    return str(json.loads(row.value))


def rules_from(values: dict[str, Any]) -> ProgramRules:
    return ProgramRules(
        earn_points_per_unit=int(values["program.earn_points_per_unit"]),
        redeem_points_per_unit=int(values["program.redeem_points_per_unit"]),
        max_sale_cents=int(values["program.max_sale_cents"]),
        currency=str(values["shop.currency"]),
        earn_on_points_paid=bool(values["program.earn_on_points_paid"]),
        earn_on_discount=bool(values["program.earn_on_discount"]),
    )


def program_from(values: dict[str, Any]) -> ProgramSetup:
    """Tiers, campaigns, bonuses and expiry from the stored settings."""
    return ProgramSetup(
        tiers=sorted_tiers(Tier.from_json(t) for t in values["program.tiers"]),
        tier_period=str(values["program.tier_period"]),
        campaigns=tuple(Campaign.from_json(c) for c in values["program.campaigns"]),
        birthday_points=int(values["program.birthday_points"]),
        birthday_period=str(values["program.birthday_period"]),
        signup_bonus=int(values["program.signup_bonus"]),
        profile_bonus=int(values["program.profile_bonus"]),
        referral_bonus=int(values["program.referral_bonus"]),
        expiry_mode=str(values["program.expiry"]),
        expiry_months=int(values["program.expiry_months"]),
        timezone=str(values["shop.timezone"]),
    )


def parse_setting(key: str, value: Any) -> Any:
    """Validate one setting's new value, or raise a readable error."""
    if key not in DEFAULTS:
        raise InvalidInput(_("Unknown setting “{key}”").format(key=key))
    _default, parse = DEFAULTS[key]
    try:
        return parse(value)
    except (ValueError, TypeError):
        raise InvalidInput(
            _("“{value}” is not a valid value for {key}").format(value=value, key=key)
        ) from None


def setting_bounds(key: str) -> tuple[int, int] | None:
    """The smallest and largest value of a whole-number setting (None for other settings)."""
    return getattr(DEFAULTS[key][1], "bounds", None) if key in DEFAULTS else None


def setting_hint(key: str) -> str:
    """What a setting takes, for a message next to the field: "a whole number from 1 to 1,000"."""
    bounds = setting_bounds(key)
    if bounds is None:
        hint = getattr(DEFAULTS[key][1], "hint", None) if key in DEFAULTS else None
        return hint() if hint is not None else ""
    low, high = bounds
    return _("a whole number from {low} to {high}").format(
        low=format_points(low), high=format_points(high)
    )


def _invalid(key: str, value: Any) -> str:
    hint = setting_hint(key)
    if not hint:
        return _("“{value}” is not a valid value for {key}").format(value=value, key=key)
    if value is None or not str(value).strip():
        return _("Give {hint}").format(hint=hint)
    return _("“{value}”: give {hint}").format(value=str(value).strip(), hint=hint)


def write_setting(
    db: Database,
    key: str,
    value: Any,
    now: datetime | None = None,
    *,
    actor: str = "",
    till: int = 1,
) -> Any:
    """Store one setting (validated) with an audit row of the change; returns the stored value.

    A program rule (``program.*``) is also a sync event: the shops of a chain run one program.
    """
    parsed = parse_setting(key, value)
    with db.transaction() as session:
        _write_setting(session, key, parsed, now or datetime.now(UTC), actor=actor, till=till)
    return parsed


def write_settings(
    db: Database,
    values: dict[str, Any],
    now: datetime | None = None,
    *,
    actor: str = "",
    till: int = 1,
) -> dict[str, Any]:
    """Store several settings at once (the owner's program screen): all or nothing.

    Every value is checked first; with any invalid one :class:`ValidationFailed` names each
    invalid key with a message, and nothing is stored. Unchanged values are not written again
    (no audit row, no sync event). Returns the settings that changed, as stored.
    """
    errors: dict[str, str] = {}
    parsed: dict[str, Any] = {}
    for key, value in values.items():
        if key not in DEFAULTS:
            errors[key] = _("Unknown setting “{key}”").format(key=key)
            continue
        try:
            parsed[key] = DEFAULTS[key][1](value)
        except (ValueError, TypeError, LoyaltyError):
            errors[key] = _invalid(key, value)
    if errors:
        raise ValidationFailed(errors)
    current = load_settings(db)
    changed = {key: value for key, value in parsed.items() if current[key] != value}
    if changed:
        stamp = now or datetime.now(UTC)
        with db.transaction() as session:
            for key, value in changed.items():
                _write_setting(session, key, value, stamp, actor=actor, till=till)
    return changed


def _write_setting(
    session: Any, key: str, parsed: Any, stamp: datetime, *, actor: str, till: int
) -> None:
    """Write one validated setting, its audit row and (for program rules) its sync event."""
    row = session.get(Setting, key)
    old = json.loads(row.value) if row is not None else DEFAULTS[key][0]
    if row is None:
        session.add(Setting(key=key, value=json.dumps(parsed), updated_at=stamp))
    else:
        row.value = json.dumps(parsed)
        row.updated_at = stamp
    # Program rules decide what members earn: who changed them, when, from what, is audited.
    session.add(
        AuditEntry(
            at=stamp,
            actor=actor,
            action="setting.change",
            entity="setting",
            entity_id=key,
            detail=json.dumps({"old": old, "new": parsed}, ensure_ascii=False),
        )
    )
    if key.startswith(events.SYNCED_SETTINGS):
        store = session.get(Setting, "shop.store_code")
        node = session.get(Setting, NODE_ID)
        assert node is not None
        events.write_event(
            session.connection(),
            node=json.loads(node.value),
            store_code=json.loads(store.value) if store else DEFAULTS["shop.store_code"][0],
            till=till,
            kind="setting",
            data={"key": key, "value": parsed, "updated_at": stamp.isoformat()},
            now=stamp,
        )
