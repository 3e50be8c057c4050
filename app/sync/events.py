"""Writing sync events: every change another shop must see, in the change's own transaction.

Events name rows by UUID (members, sales, refunds, ledger rows) or card number, never by the
local integer ids, which differ from shop to shop. Kinds and their ``data``:

- ``member``: the profile after the change (no balance: that is the ledger's sum), with
  ``base``, the version it was made from, so an import can tell an edit that follows another
  from two edits made at the same time in two shops.
- ``card``: a card's state (number, member, status, issued/printed/blocked, replaced_by).
- ``sale`` / ``refund``: the row and the ledger rows it wrote.
- ``points``: ledger rows of their own (adjustments, opening balances).
- ``merge``: one member merged into another.
- ``setting``: a program rule (``app.store.settings.SYNCED_SETTINGS``) and when it was set.
- ``staff``: a staff account (name, role, badge number, active, the PIN's Argon2id hash, which
  a sync file carries only encrypted: ``app.sync.sealing``); never the lock-out, which is the
  shop's own.

Every writer takes the change's origin (node, store, till, time) as an
:class:`~app.sync.origin.OriginSource`: the services pass their ``Context``, which this layer
never imports, or an :class:`~app.sync.origin.Origin` built by hand.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlmodel import Session

from app.domain.profile import PERSON_FIELDS
from app.store.models import Member, new_uuid
from app.store.tables import (
    CARD,
    COUPON,
    COUPON_REDEMPTION,
    LEDGER,
    MEMBER,
    REFUND,
    SALE,
    STAFF,
    STAMP,
    STAMP_PROGRAM,
    SYNC_EVENT,
)
from app.sync.origin import OriginSource

_INSERT_EVENT = insert(SYNC_EVENT)

# A member event's payload: the profile plus what a shop needs to keep the member in step.
MEMBER_FIELDS = (
    "uuid",
    *PERSON_FIELDS,
    "marketing_consent",
    "consent_at",
    "notes",
    "status",
    "home_store",
    "tier",
    "created_at",
    "updated_at",
    "updated_store",
)
SALE_FIELDS = (
    "uuid",
    "card_number",
    "amount_cents",
    "discount_cents",
    "coupon_code",
    "points_redeemed",
    "redeem_value_cents",
    "to_pay_cents",
    "points_earned",
    "store_code",
    "till",
    "actor",
    "created_at",
    "request_id",  # a register's receipt number: unique per shop and till (migration 0009)
)
REFUND_FIELDS = (
    "uuid",
    "amount_cents",
    "money_back_cents",
    "points_reversed",
    "points_returned",
    "points_not_recovered",
    "store_code",
    "till",
    "actor",
    "created_at",
    "request_id",
)
CARD_FIELDS = ("number", "status", "issued_at", "printed_at", "blocked_at", "replaced_by")
LEDGER_FIELDS = ("uuid", "points", "kind", "reason", "actor", "store_code", "till", "created_at")


def plain(value: Any) -> Any:
    """JSON for dates and datetimes (ISO 8601, offsets kept)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def emit(session: Session, source: OriginSource, kind: str, data: dict[str, Any]) -> None:
    """Write one event of this node: applied here already, waiting for the next export."""
    origin = source.origin()
    session.connection().execute(
        _INSERT_EVENT,
        {
            "uuid": new_uuid(),
            "node": origin.node,
            "seq": 0,  # this node's own events: their id is the sequence number
            "store_code": origin.store_code,
            "till": origin.till,
            "kind": kind,
            "payload": json.dumps(data, ensure_ascii=False, separators=(",", ":")),
            "created_at": origin.now,
            "applied_at": origin.now,
        },
    )


EVENT_COLUMNS = (
    "uuid",
    "node",
    "seq",
    "store_code",
    "till",
    "kind",
    "payload",
    "created_at",
    "applied_at",
)


def event_rows(
    source: OriginSource,
    events: Iterable[tuple[str, dict[str, Any]]],
    stamp: Any,
    *,
    uuids: Iterator[str] | None = None,
) -> list[tuple[Any, ...]]:
    """Rows of :data:`EVENT_COLUMNS` for a bulk insert; ``stamp`` in the driver's form.

    ``uuids``: where the events' names come from (a bulk writer's :func:`new_uuids`).
    """
    origin = source.origin()
    names = uuids if uuids is not None else iter(new_uuid, None)
    node, store, till = origin.node, origin.store_code, origin.till
    return [
        (
            next(names),
            node,
            0,
            store,
            till,
            kind,
            json.dumps(data, ensure_ascii=False, separators=(",", ":")),
            stamp,
            stamp,
        )
        for kind, data in events
    ]


def member_base(member: Member) -> dict[str, Any] | None:
    """The version of a profile an edit starts from (call before changing it)."""
    if member.updated_at is None:
        return None
    return {"updated_at": plain(member.updated_at), "store": member.updated_store}


def _member_data(conn: Connection, member_id: int) -> dict[str, Any]:
    cols = [MEMBER.c[name] for name in MEMBER_FIELDS]
    merged = MEMBER.alias("merged")
    referrer = MEMBER.alias("referrer")
    row = conn.execute(
        select(
            *cols,
            merged.c.uuid.label("merged_into"),
            referrer.c.uuid.label("referred_by"),
        )
        .select_from(
            MEMBER.outerjoin(merged, merged.c.id == MEMBER.c.merged_into).outerjoin(
                referrer, referrer.c.id == MEMBER.c.referred_by
            )
        )
        .where(MEMBER.c.id == member_id)
    ).one()
    return {key: plain(value) for key, value in row._mapping.items()}


def member_changed(
    session: Session, source: OriginSource, member_id: int, base: dict[str, Any] | None
) -> None:
    """A member was enrolled (``base`` None) or their profile changed (``base`` before it)."""
    data = _member_data(session.connection(), member_id)
    data["base"] = base
    emit(session, source, "member", data)


def cards_changed(session: Session, source: OriginSource, numbers: Iterable[str]) -> None:
    """Cards were issued, printed, replaced or blocked."""
    conn = session.connection()
    cols = [CARD.c[name] for name in CARD_FIELDS]
    for number in numbers:
        row = conn.execute(
            select(*cols, MEMBER.c.uuid.label("member"))
            .join(MEMBER, MEMBER.c.id == CARD.c.member_id)
            .where(CARD.c.number == number)
        ).one()
        emit(session, source, "card", {k: plain(v) for k, v in row._mapping.items()})


def _ledger_rows(conn: Connection, *where: Any) -> list[dict[str, Any]]:
    cols = [LEDGER.c[name] for name in LEDGER_FIELDS]
    query = (
        select(
            *cols,
            MEMBER.c.uuid.label("member"),
            SALE.c.uuid.label("sale"),
            REFUND.c.uuid.label("refund"),
        )
        .select_from(
            LEDGER.join(MEMBER, MEMBER.c.id == LEDGER.c.member_id)
            .outerjoin(SALE, SALE.c.id == LEDGER.c.sale_id)
            .outerjoin(REFUND, REFUND.c.id == LEDGER.c.refund_id)
        )
        .where(*where)
        .order_by(LEDGER.c.id)
    )
    return [{k: plain(v) for k, v in row._mapping.items()} for row in conn.execute(query)]


def sale_made(
    session: Session,
    source: OriginSource,
    sale: dict[str, Any],
    ledger: Sequence[dict[str, Any]],
    uuids: dict[int, str],
    *,
    coupons: bool,
    stamps: bool,
) -> None:
    """A checkout: the sale and the ledger rows it wrote, from the rows as they were inserted.

    ``uuids`` names the members of the rows (the buyer, a referrer); ``sale`` carries its
    ``id``. Built from the values in hand, not read back: this runs inside every sale.
    """
    data: dict[str, Any] = {
        "sale": {
            **{name: plain(sale[name]) for name in SALE_FIELDS},
            "member": uuids[sale["member_id"]],
        },
        "ledger": [
            {
                **{name: plain(row[name]) for name in LEDGER_FIELDS},
                "member": uuids[row["member_id"]],
                "sale": sale["uuid"],
                "refund": None,
            }
            for row in ledger
        ],
    }
    conn = session.connection()
    if coupons:
        data["coupons"] = coupon_redemptions(conn, COUPON_REDEMPTION.c.sale_id == sale["id"])
    if stamps:
        data["stamps"] = stamp_rows(conn, STAMP.c.sale_id == sale["id"])
    emit(session, source, "sale", data)


def refund_made(session: Session, source: OriginSource, refund_id: int) -> None:
    """A refund: the row (naming its sale) and the ledger rows it wrote."""
    conn = session.connection()
    cols = [REFUND.c[name] for name in REFUND_FIELDS]
    row = conn.execute(
        select(*cols, SALE.c.uuid.label("sale"))
        .join(SALE, SALE.c.id == REFUND.c.sale_id)
        .where(REFUND.c.id == refund_id)
    ).one()
    refund = {k: plain(v) for k, v in row._mapping.items()}
    ledger = _ledger_rows(conn, LEDGER.c.refund_id == refund_id)
    data: dict[str, Any] = {"refund": refund, "ledger": ledger}
    used = COUPON_REDEMPTION.c
    coupons = list(
        conn.execute(select(used.uuid).where(used.undone_refund_id == refund_id)).scalars()
    )
    if coupons:
        data["coupons_undone"] = coupons  # a whole refund gives a coupon's use back
    emit(session, source, "refund", data)


def points_changed(session: Session, source: OriginSource, ledger_ids: Sequence[int]) -> None:
    """Ledger rows outside a sale or refund (adjustments, opening balances)."""
    if ledger_ids:
        rows = _ledger_rows(session.connection(), LEDGER.c.id.in_(list(ledger_ids)))
        emit(session, source, "points", {"ledger": rows})


def members_merged(session: Session, source: OriginSource, keep_id: int, other_id: int) -> None:
    """One member merged into another (the profiles and cards are events of their own)."""
    conn = session.connection()
    uuids: dict[int, str] = {
        row.id: row.uuid
        for row in conn.execute(
            select(MEMBER.c.id, MEMBER.c.uuid).where(MEMBER.c.id.in_([keep_id, other_id]))
        )
    }
    emit(session, source, "merge", {"keep": uuids[keep_id], "other": uuids[other_id]})


# --- the loyalty program's coupons and stamp cards ------------------------------------------

COUPON_FIELDS = (
    "uuid",
    "code",
    "kind",
    "value",
    "item",
    "min_spend_cents",
    "valid_from",
    "valid_until",
    "max_uses",
    "per_member",
    "batch",
    "actor",
    "store_code",
    "created_at",
)
REDEMPTION_FIELDS = (
    "uuid",
    "code",
    "discount_cents",
    "points",
    "store_code",
    "till",
    "actor",
    "created_at",
)
STAMP_FIELDS = ("uuid", "kind", "actor", "store_code", "till", "created_at")
PROGRAM_FIELDS = ("uuid", "name", "stamps_needed", "reward", "active", "created_at", "removed_at")


def _rows(conn: Connection, query: Any) -> list[dict[str, Any]]:
    return [{k: plain(v) for k, v in row._mapping.items()} for row in conn.execute(query)]


def coupon_redemptions(conn: Connection, *where: Any) -> list[dict[str, Any]]:
    """Coupon uses (naming the coupon by UUID) for a sale's or refund's event."""
    coupon, used = COUPON, COUPON_REDEMPTION
    cols = [used.c[name] for name in REDEMPTION_FIELDS]
    return _rows(
        conn,
        select(*cols, coupon.c.uuid.label("coupon"))
        .join(coupon, coupon.c.id == used.c.coupon_id)
        .where(*where)
        .order_by(used.c.id),
    )


def stamp_rows(conn: Connection, *where: Any) -> list[dict[str, Any]]:
    """Stamps and rewards (naming member and program by UUID)."""
    stamp, program = STAMP, STAMP_PROGRAM
    cols = [stamp.c[name] for name in STAMP_FIELDS]
    return _rows(
        conn,
        select(*cols, program.c.uuid.label("program"), MEMBER.c.uuid.label("member"))
        .join(program, program.c.id == stamp.c.program_id)
        .join(MEMBER, MEMBER.c.id == stamp.c.member_id)
        .where(*where)
        .order_by(stamp.c.id),
    )


def coupons_created(session: Session, source: OriginSource, codes: Sequence[str]) -> None:
    """New coupons (one event for a whole batch)."""
    coupon = COUPON
    cols = [coupon.c[name] for name in COUPON_FIELDS]
    rows = _rows(
        session.connection(),
        select(*cols, MEMBER.c.uuid.label("member"))
        .select_from(coupon.outerjoin(MEMBER, MEMBER.c.id == coupon.c.member_id))
        .where(coupon.c.code.in_(list(codes))),
    )
    if rows:
        emit(session, source, "coupon", {"coupons": rows})


def stamp_program_changed(session: Session, source: OriginSource, program_id: int) -> None:
    """A stamp program was started or ended."""
    program = STAMP_PROGRAM
    (row,) = _rows(
        session.connection(),
        select(*[program.c[name] for name in PROGRAM_FIELDS]).where(program.c.id == program_id),
    )
    emit(session, source, "stamp_program", row)


def stamps_given(session: Session, source: OriginSource, stamp_ids: Sequence[int]) -> None:
    """Stamps given at the till outside a sale."""
    rows = stamp_rows(session.connection(), STAMP.c.id.in_(list(stamp_ids)))
    if rows:
        emit(session, source, "stamp", {"stamps": rows})


STAFF_FIELDS = (
    "uuid",
    "name",
    "role",
    "pin_hash",
    "active",
    "number",
    "created_at",
    "updated_at",
    "updated_store",
)


def staff_changed(session: Session, source: OriginSource, staff_id: int) -> None:
    """A staff account as it is now (added, new PIN, new role, disabled)."""
    conn = session.connection()
    row = conn.execute(
        select(*(STAFF.c[name] for name in STAFF_FIELDS)).where(STAFF.c.id == staff_id)
    ).one()
    emit(session, source, "staff", {k: plain(v) for k, v in row._mapping.items()})
