"""Signing in with a name or badge and a PIN; five wrong PINs lock the person out.

The lock is stored in the account's row (``failures``, ``locks``, ``locked_until``), so
restarting the program does not lift it; each failure and each lock is in the audit log.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from app.domain.errors import InvalidInput
from app.domain.roles import (
    FAILURES_TO_LOCK,
    Action,
    Role,
    StaffView,
    action_label,
    allows,
    lock_seconds,
    minimum_role,
    role_label,
)
from app.i18n import _, ngettext
from app.services.audit import record
from app.services.context import Context
from app.services.staff.accounts import find_row, view_of
from app.services.staff.pins import pin_matches
from app.store.tables import STAFF

_S = STAFF.c


class SignInRefused(InvalidInput):
    """A sign-in or an approval that was refused: wrong PIN, locked, disabled, role too low."""


def _locked_message(name: str, seconds: int) -> str:
    return ngettext(
        "{name} is locked after too many wrong PINs: try again in {count} second",
        "{name} is locked after too many wrong PINs: try again in {count} seconds",
        seconds,
    ).format(name=name, count=seconds)


def _seconds_left(row: Any, ctx: Context) -> int:
    if row.locked_until is None:
        return 0
    left = (row.locked_until - ctx.now()).total_seconds()
    return max(0, math.ceil(left))


def sign_in(ctx: Context, name_or_badge: str, pin: str) -> StaffView:
    """The account of ``name_or_badge`` if ``pin`` is its PIN, else SignInRefused.

    The PIN is checked outside the write transaction (Argon2 takes ~0.15 s); the failure count
    is then moved in one short transaction, so two tills guessing at once both count.
    """
    with ctx.db.reading() as session:
        row = find_row(session.connection(), name_or_badge)
    if row is None or not row.active:
        raise SignInRefused(_("Unknown or disabled staff member"))
    left = _seconds_left(row, ctx)
    if left:
        raise SignInRefused(_locked_message(row.name, left))
    if pin_matches(row.pin_hash, pin):
        _signed_in(ctx, row)
        return view_of(row)
    message = _failed(ctx, row)
    raise SignInRefused(message)


def _signed_in(ctx: Context, row: Any) -> None:
    with ctx.db.transaction() as session:
        session.connection().execute(
            update(STAFF).where(_S.id == row.id).values(failures=0, locks=0, locked_until=None)
        )
        record(session, ctx, "staff.sign_in", "staff", row.uuid, name=row.name)


def _failed(ctx: Context, row: Any) -> str:
    """Count a wrong PIN (and lock the person at the fifth); the message to show."""
    now = ctx.now()
    with ctx.db.transaction() as session:
        conn = session.connection()
        conn.execute(update(STAFF).where(_S.id == row.id).values(failures=_S.failures + 1))
        state = conn.execute(select(_S.failures, _S.locks).where(_S.id == row.id)).one()
        record(session, ctx, "staff.sign_in_failed", "staff", row.uuid, name=row.name)
        if state.failures < FAILURES_TO_LOCK:
            left = FAILURES_TO_LOCK - state.failures
            return ngettext(
                "Wrong PIN ({count} try left before a lock)",
                "Wrong PIN ({count} tries left before a lock)",
                left,
            ).format(count=left)
        locks = state.locks + 1
        seconds = lock_seconds(locks)
        conn.execute(
            update(STAFF)
            .where(_S.id == row.id)
            .values(failures=0, locks=locks, locked_until=now + timedelta(seconds=seconds))
        )
        record(
            session,
            ctx,
            "staff.locked_out",
            "staff",
            row.uuid,
            name=row.name,
            seconds=seconds,
            locks=locks,
        )
    return _locked_message(row.name, seconds)


def approve(ctx: Context, action: Action, approver_name_or_badge: str, pin: str) -> StaffView:
    """Sign a manager or owner in to allow one ``action`` (same lock-out as a sign-in)."""
    approver = sign_in(ctx, approver_name_or_badge, pin)
    if not allows(approver.role, action):
        raise SignInRefused(refused_message(action, approver.role, approver.name))
    with ctx.db.transaction() as session:
        record(
            session,
            ctx,
            "staff.approve",
            "staff",
            approver.uuid,
            name=approver.name,
            allowed=action.value,
            staff=ctx.staff.name if ctx.staff is not None else None,
        )
    return approver


def refused_message(action: Action, role: Role, name: str) -> str:
    """Why ``name`` (of ``role``) may not do ``action``, and who may."""
    return _("{name} ({role}) may not {action}: a {needed}'s PIN is needed").format(
        name=name,
        role=role_label(role),
        action=action_label(action),
        needed=role_label(minimum_role(action)),
    )
