"""Staff accounts: add, list, find, change PIN or role, disable; who is acting."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from app.domain.errors import InvalidInput
from app.domain.roles import (
    Action,
    Role,
    StaffView,
    allows,
    parse_badge,
    staff_name_key,
    staff_number,
)
from app.domain.text import clean_text, quote_input
from app.i18n import _
from app.services.audit import record
from app.services.context import Context
from app.services.staff.pins import hash_pin
from app.store.models import new_uuid
from app.store.tables import STAFF
from app.sync.events import staff_changed

NAME_MAX = 40
_S = STAFF.c
_VIEW = (_S.id, _S.uuid, _S.name, _S.role, _S.active, _S.number)


def _clean_name(name: str) -> str:
    cleaned = " ".join(clean_text(name).split())
    if not cleaned:
        raise InvalidInput(_("Give the staff member a name"))
    if len(cleaned) > NAME_MAX:
        raise InvalidInput(_("A staff name has at most {count} characters").format(count=NAME_MAX))
    if parse_badge(cleaned) is not None:
        raise InvalidInput(_("A staff name cannot look like a badge code"))
    return cleaned


def view_of(row: Any) -> StaffView:
    """A StaffView from a row with the columns of ``_VIEW``."""
    return StaffView(
        id=row.id,
        uuid=row.uuid,
        name=row.name,
        role=Role(row.role),
        active=bool(row.active),
        number=int(row.number),
    )


def has_staff(ctx: Context) -> bool:
    """Whether any active staff account exists (else the shop is a shop of one)."""
    with ctx.db.reading() as session:
        found = session.connection().execute(select(_S.id).where(_S.active.is_(True)).limit(1))
        return found.first() is not None


def list_staff(ctx: Context) -> list[StaffView]:
    """Every account, disabled ones included, by name."""
    with ctx.db.reading() as session:
        rows = session.connection().execute(select(*_VIEW).order_by(_S.name_key)).all()
    return [view_of(r) for r in rows]


def find_row(conn: Connection, name_or_badge: str) -> Any:
    """The account's row (every column) for a name or a badge code, or None."""
    number = parse_badge(name_or_badge)
    where = (
        _S.number == number if number is not None else _S.name_key == staff_name_key(name_or_badge)
    )
    return conn.execute(select(STAFF).where(where)).first()


def _unknown(name_or_badge: str) -> InvalidInput:
    return InvalidInput(
        _("No staff member “{name}”").format(name=quote_input(name_or_badge.strip()))
    )


def find_staff(ctx: Context, name_or_badge: str) -> StaffView:
    """The account of a name or badge code, or InvalidInput."""
    with ctx.db.reading() as session:
        row = find_row(session.connection(), name_or_badge)
    if row is None:
        raise _unknown(name_or_badge)
    return view_of(row)


def _owners_left(conn: Connection, without: int) -> int:
    query = select(func.count()).where(
        _S.role == Role.OWNER.value, _S.active.is_(True), _S.id != without
    )
    return int(conn.execute(query).scalar() or 0)


def add_staff(ctx: Context, name: str, role: Role, pin: str) -> StaffView:
    """A new account; the first one must be an owner (else nobody could manage staff)."""
    cleaned = _clean_name(name)
    pin_hash = hash_pin(pin)  # before the transaction: ~0.15 s
    now = ctx.now()
    with ctx.db.transaction() as session:
        conn = session.connection()
        if find_row(conn, cleaned) is not None:
            raise InvalidInput(
                _("There is already a staff member “{name}”").format(name=quote_input(cleaned))
            )
        if role != Role.OWNER and _owners_left(conn, without=0) == 0:
            raise InvalidInput(_("The first staff account must be an owner's"))
        serial = _next_serial(conn, ctx.store_code)
        uuid = new_uuid()
        conn.execute(
            insert(STAFF).values(
                uuid=uuid,
                name=cleaned,
                name_key=staff_name_key(cleaned),
                role=role.value,
                pin_hash=pin_hash,
                active=True,
                number=staff_number(ctx.store_code, serial),
                failures=0,
                locks=0,
                locked_until=None,
                created_at=now,
                updated_at=now,
                updated_store=ctx.store_code,
            )
        )
        row = conn.execute(select(*_VIEW).where(_S.uuid == uuid)).one()
        record(session, ctx, "staff.add", "staff", row.uuid, name=cleaned, role=role.value)
        staff_changed(session, ctx, row.id)
    return view_of(row)


def _next_serial(conn: Connection, store_code: str) -> int:
    low = int(store_code) * 100_000
    top = conn.execute(
        select(func.max(_S.number)).where(_S.number > low, _S.number < low + 100_000)
    ).scalar()
    return int(top or low) - low + 1


def _change(ctx: Context, name_or_badge: str, audit: str, **values: Any) -> StaffView:
    """Change one account's travelling fields, with its audit row and sync event."""
    now = ctx.now()
    with ctx.db.transaction() as session:
        conn = session.connection()
        row = find_row(conn, name_or_badge)
        if row is None:
            raise _unknown(name_or_badge)
        demotes = values.get("role", Role.OWNER.value) != Role.OWNER.value or (
            values.get("active") is False
        )
        if row.role == Role.OWNER.value and demotes and _owners_left(conn, row.id) == 0:
            raise InvalidInput(_("The shop needs one active owner: add another owner first"))
        conn.execute(
            update(STAFF)
            .where(_S.id == row.id)
            .values(updated_at=now, updated_store=ctx.store_code, **values)
        )
        shown = {k: v for k, v in values.items() if k not in ("pin_hash", "failures", "locks")}
        record(session, ctx, audit, "staff", row.uuid, name=row.name, **shown)
        staff_changed(session, ctx, row.id)
        changed = conn.execute(select(*_VIEW).where(_S.id == row.id)).one()
    return view_of(changed)


def set_pin(ctx: Context, name_or_badge: str, pin: str) -> StaffView:
    """A new PIN for an account; it also lifts a lock-out here."""
    return _change(
        ctx,
        name_or_badge,
        "staff.pin",
        pin_hash=hash_pin(pin),
        failures=0,
        locks=0,
        locked_until=None,
    )


def set_role(ctx: Context, name_or_badge: str, role: Role) -> StaffView:
    """Give an account another role (the last active owner keeps theirs)."""
    return _change(ctx, name_or_badge, "staff.role", role=role.value)


def disable_staff(ctx: Context, name_or_badge: str) -> StaffView:
    """Disable an account: it can no longer sign in (it stays for the history)."""
    return _change(ctx, name_or_badge, "staff.disable", active=False)


def act_as(ctx: Context, staff: StaffView | None, approver: StaffView | None = None) -> None:
    """Let ``staff`` be the acting person of ``ctx`` (their name in ledger, audit and sync)."""
    ctx.staff = staff
    ctx.approver = approver.name if approver is not None else None
    if staff is not None:
        ctx.actor = staff.name


def permits(ctx: Context, staff: StaffView | None, action: Action) -> bool:
    """Whether ``staff`` may do ``action``; nobody signed in may do all in a shop of one."""
    if staff is None:
        return not has_staff(ctx)
    return staff.active and allows(staff.role, action)
