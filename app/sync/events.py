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
- ``setting``: a program rule (``program.*``) and when it was set.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlmodel import Session

from app.services.context import Context
from app.store.models import Card, LedgerEntry, Member, Refund, Sale, SyncEvent, new_uuid

_EVENT = SyncEvent.__table__  # type: ignore[attr-defined]
_MEMBER = Member.__table__  # type: ignore[attr-defined]
_CARD = Card.__table__  # type: ignore[attr-defined]
_SALE = Sale.__table__  # type: ignore[attr-defined]
_REFUND = Refund.__table__  # type: ignore[attr-defined]
_LEDGER = LedgerEntry.__table__  # type: ignore[attr-defined]
_INSERT_EVENT = insert(_EVENT)

MEMBER_FIELDS = (
    "uuid",
    "salutation",
    "first_name",
    "last_name",
    "email",
    "phone",
    "birthday",
    "postcode",
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
)
CARD_FIELDS = ("number", "status", "issued_at", "printed_at", "blocked_at", "replaced_by")
LEDGER_FIELDS = ("uuid", "points", "kind", "reason", "actor", "store_code", "till", "created_at")
SYNCED_SETTINGS = "program."


def plain(value: Any) -> Any:
    """JSON for dates and datetimes (ISO 8601, offsets kept)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def emit(session: Session, ctx: Context, kind: str, data: dict[str, Any]) -> None:
    """Write one event of this node: applied here already, waiting for the next export."""
    write_event(
        session.connection(),
        node=node_id(ctx),
        store_code=ctx.store_code,
        till=ctx.till,
        kind=kind,
        data=data,
        now=ctx.now(),
    )


def write_event(
    conn: Connection,
    *,
    node: str,
    store_code: str,
    till: int,
    kind: str,
    data: dict[str, Any],
    now: datetime,
) -> None:
    """The insert behind :func:`emit`, for callers without a :class:`Context`."""
    conn.execute(
        _INSERT_EVENT,
        {
            "uuid": new_uuid(),
            "node": node,
            "seq": 0,  # this node's own events: their id is the sequence number
            "store_code": store_code,
            "till": till,
            "kind": kind,
            "payload": json.dumps(data, ensure_ascii=False, separators=(",", ":")),
            "created_at": now,
            "applied_at": now,
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
    ctx: Context, events: Iterable[tuple[str, dict[str, Any]]], stamp: Any
) -> list[tuple[Any, ...]]:
    """Rows of :data:`EVENT_COLUMNS` for a bulk insert; ``stamp`` in the driver's form."""
    node, store, till = node_id(ctx), ctx.store_code, ctx.till
    return [
        (
            new_uuid(),
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


def node_id(ctx: Context) -> str:
    """This database's node id (set by migration 0005)."""
    return ctx.node()


def member_base(member: Member) -> dict[str, Any] | None:
    """The version of a profile an edit starts from (call before changing it)."""
    if member.updated_at is None:
        return None
    return {"updated_at": plain(member.updated_at), "store": member.updated_store}


def _member_data(conn: Connection, member_id: int) -> dict[str, Any]:
    cols = [_MEMBER.c[name] for name in MEMBER_FIELDS]
    merged = _MEMBER.alias("merged")
    referrer = _MEMBER.alias("referrer")
    row = conn.execute(
        select(
            *cols,
            merged.c.uuid.label("merged_into"),
            referrer.c.uuid.label("referred_by"),
        )
        .select_from(
            _MEMBER.outerjoin(merged, merged.c.id == _MEMBER.c.merged_into).outerjoin(
                referrer, referrer.c.id == _MEMBER.c.referred_by
            )
        )
        .where(_MEMBER.c.id == member_id)
    ).one()
    return {key: plain(value) for key, value in row._mapping.items()}


def member_changed(
    session: Session, ctx: Context, member_id: int, base: dict[str, Any] | None
) -> None:
    """A member was enrolled (``base`` None) or their profile changed (``base`` before it)."""
    data = _member_data(session.connection(), member_id)
    data["base"] = base
    emit(session, ctx, "member", data)


def cards_changed(session: Session, ctx: Context, numbers: Iterable[str]) -> None:
    """Cards were issued, printed, replaced or blocked."""
    conn = session.connection()
    cols = [_CARD.c[name] for name in CARD_FIELDS]
    for number in numbers:
        row = conn.execute(
            select(*cols, _MEMBER.c.uuid.label("member"))
            .join(_MEMBER, _MEMBER.c.id == _CARD.c.member_id)
            .where(_CARD.c.number == number)
        ).one()
        emit(session, ctx, "card", {k: plain(v) for k, v in row._mapping.items()})


def _ledger_rows(conn: Connection, *where: Any) -> list[dict[str, Any]]:
    cols = [_LEDGER.c[name] for name in LEDGER_FIELDS]
    query = (
        select(
            *cols,
            _MEMBER.c.uuid.label("member"),
            _SALE.c.uuid.label("sale"),
            _REFUND.c.uuid.label("refund"),
        )
        .select_from(
            _LEDGER.join(_MEMBER, _MEMBER.c.id == _LEDGER.c.member_id)
            .outerjoin(_SALE, _SALE.c.id == _LEDGER.c.sale_id)
            .outerjoin(_REFUND, _REFUND.c.id == _LEDGER.c.refund_id)
        )
        .where(*where)
        .order_by(_LEDGER.c.id)
    )
    return [{k: plain(v) for k, v in row._mapping.items()} for row in conn.execute(query)]


def sale_made(
    session: Session,
    ctx: Context,
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
    from app.store.models import CouponRedemption, Stamp

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
        used = CouponRedemption.__table__  # type: ignore[attr-defined]
        data["coupons"] = coupon_redemptions(conn, used.c.sale_id == sale["id"])
    if stamps:
        data["stamps"] = stamp_rows(conn, Stamp.__table__.c.sale_id == sale["id"])  # type: ignore[attr-defined]
    emit(session, ctx, "sale", data)


def refund_made(session: Session, ctx: Context, refund_id: int) -> None:
    """A refund: the row (naming its sale) and the ledger rows it wrote."""
    conn = session.connection()
    cols = [_REFUND.c[name] for name in REFUND_FIELDS]
    row = conn.execute(
        select(*cols, _SALE.c.uuid.label("sale"))
        .join(_SALE, _SALE.c.id == _REFUND.c.sale_id)
        .where(_REFUND.c.id == refund_id)
    ).one()
    refund = {k: plain(v) for k, v in row._mapping.items()}
    ledger = _ledger_rows(conn, _LEDGER.c.refund_id == refund_id)
    from app.store.models import CouponRedemption

    data: dict[str, Any] = {"refund": refund, "ledger": ledger}
    used = CouponRedemption.__table__  # type: ignore[attr-defined]
    undone = conn.execute(select(used.c.uuid).where(used.c.undone_refund_id == refund_id))
    coupons = [uuid for (uuid,) in undone]
    if coupons:
        data["coupons_undone"] = coupons  # a whole refund gives a coupon's use back
    emit(session, ctx, "refund", data)


def points_changed(session: Session, ctx: Context, ledger_ids: Sequence[int]) -> None:
    """Ledger rows outside a sale or refund (adjustments, opening balances)."""
    if ledger_ids:
        rows = _ledger_rows(session.connection(), _LEDGER.c.id.in_(list(ledger_ids)))
        emit(session, ctx, "points", {"ledger": rows})


def members_merged(session: Session, ctx: Context, keep_id: int, other_id: int) -> None:
    """One member merged into another (the profiles and cards are events of their own)."""
    conn = session.connection()
    uuids = dict(
        conn.execute(
            select(_MEMBER.c.id, _MEMBER.c.uuid).where(_MEMBER.c.id.in_([keep_id, other_id]))
        ).all()
    )
    emit(session, ctx, "merge", {"keep": uuids[keep_id], "other": uuids[other_id]})


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
    from app.store.models import Coupon, CouponRedemption

    coupon = Coupon.__table__  # type: ignore[attr-defined]
    used = CouponRedemption.__table__  # type: ignore[attr-defined]
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
    from app.store.models import Stamp, StampProgram

    stamp = Stamp.__table__  # type: ignore[attr-defined]
    program = StampProgram.__table__  # type: ignore[attr-defined]
    cols = [stamp.c[name] for name in STAMP_FIELDS]
    return _rows(
        conn,
        select(*cols, program.c.uuid.label("program"), _MEMBER.c.uuid.label("member"))
        .join(program, program.c.id == stamp.c.program_id)
        .join(_MEMBER, _MEMBER.c.id == stamp.c.member_id)
        .where(*where)
        .order_by(stamp.c.id),
    )


def coupons_created(session: Session, ctx: Context, codes: Sequence[str]) -> None:
    """New coupons (one event for a whole batch)."""
    from app.store.models import Coupon

    coupon = Coupon.__table__  # type: ignore[attr-defined]
    cols = [coupon.c[name] for name in COUPON_FIELDS]
    rows = _rows(
        session.connection(),
        select(*cols, _MEMBER.c.uuid.label("member"))
        .select_from(coupon.outerjoin(_MEMBER, _MEMBER.c.id == coupon.c.member_id))
        .where(coupon.c.code.in_(list(codes))),
    )
    if rows:
        emit(session, ctx, "coupon", {"coupons": rows})


def stamp_program_changed(session: Session, ctx: Context, program_id: int) -> None:
    """A stamp program was started or ended."""
    from app.store.models import StampProgram

    program = StampProgram.__table__  # type: ignore[attr-defined]
    (row,) = _rows(
        session.connection(),
        select(*[program.c[name] for name in PROGRAM_FIELDS]).where(program.c.id == program_id),
    )
    emit(session, ctx, "stamp_program", row)


def stamps_given(session: Session, ctx: Context, stamp_ids: Sequence[int]) -> None:
    """Stamps given at the till outside a sale."""
    from app.store.models import Stamp

    rows = stamp_rows(session.connection(), Stamp.__table__.c.id.in_(list(stamp_ids)))  # type: ignore[attr-defined]
    if rows:
        emit(session, ctx, "stamp", {"stamps": rows})
