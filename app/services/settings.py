"""Settings use cases: a validated change with its audit row and (for program rules) sync event.

The table, the defaults and the parsers are the store's (``app/store/settings.py``); here the
domain objects built from the values, the hints shown next to a field, and the writers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from app.domain.errors import LoyaltyError, ValidationFailed
from app.domain.program import Campaign, ProgramSetup, Tier, sorted_tiers
from app.domain.rules import ProgramRules
from app.domain.text import UnsafeText, quote_input
from app.i18n import _, format_points
from app.store.audit_log import NewEntry, append
from app.store.database import Database
from app.store.settings import (
    DEFAULTS,
    load_settings,
    parse_setting,
    put_setting,
    read_node_id,
    read_setting,
    synced_setting,
)
from app.sync import events
from app.sync.origin import Origin


def rules_from(values: dict[str, Any]) -> ProgramRules:
    """Earning, redeeming and the sale limit from the stored settings."""
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
        return _("“{value}” is not a valid value for {key}").format(
            value=quote_input(value), key=quote_input(key)
        )
    if value is None or not str(value).strip():
        return _("Give {hint}").format(hint=hint)
    return _("“{value}”: give {hint}").format(value=quote_input(value), hint=hint)


def write_setting(
    db: Database,
    key: str,
    value: Any,
    now: datetime | None = None,
    *,
    actor: str = "",
    till: int = 1,
    approver: str | None = None,
) -> Any:
    """Store one setting (validated) with an audit row of the change; returns the stored value.

    A program rule (``program.*``) is also a sync event: the shops of a chain run one program.
    """
    parsed = parse_setting(key, value)
    with db.transaction() as session:
        _write_setting(
            session,
            key,
            parsed,
            now or datetime.now(UTC),
            actor=actor,
            till=till,
            approver=approver,
        )
    return parsed


def write_settings(
    db: Database,
    values: dict[str, Any],
    now: datetime | None = None,
    *,
    actor: str = "",
    till: int = 1,
    approver: str | None = None,
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
            errors[key] = _("Unknown setting “{key}”").format(key=quote_input(key))
            continue
        try:
            parsed[key] = DEFAULTS[key][1](value)
        except UnsafeText as exc:
            errors[key] = exc.message
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
                _write_setting(
                    session, key, value, stamp, actor=actor, till=till, approver=approver
                )
    return changed


def _write_setting(
    session: Session,
    key: str,
    parsed: Any,
    stamp: datetime,
    *,
    actor: str,
    till: int,
    approver: str | None,
) -> None:
    """Write one validated setting, its audit row and (for program rules) its sync event."""
    conn = session.connection()
    stored = read_setting(conn, key)
    old = stored.value if stored is not None else DEFAULTS[key][0]
    put_setting(conn, key, parsed, stamp)
    # No Context here (a setting is written with the database alone): the origin is read
    # from the table, the store code as this transaction left it.
    store = read_setting(conn, "shop.store_code")
    origin = Origin(
        node=read_node_id(conn),
        store_code=store.value if store is not None else DEFAULTS["shop.store_code"][0],
        till=till,
        actor=actor,
        now=stamp,
    )
    # Program rules decide what members earn: who changed them, when, from what, is audited.
    append(
        conn,
        NewEntry(
            at=stamp,
            actor=actor,
            approver=approver,
            action="setting.change",
            entity="setting",
            entity_id=key,
            member_id=None,
            node=origin.node,
            store_code=origin.store_code,
            till=till,
            detail={"old": old, "new": parsed},
        ),
    )
    if synced_setting(key):
        data = {"key": key, "value": parsed, "updated_at": stamp.isoformat()}
        events.emit(session, origin, "setting", data)
