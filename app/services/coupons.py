"""Coupons: create one shared code or a batch of single-use codes, list them, check one for a
member at the till, and redeem it inside the checkout's transaction."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from app.domain.coupons import (
    Coupon,
    CouponRefused,
    batch_code,
    check_coupon,
    coupon_label,
    normalize_code,
    validate_code,
)
from app.domain.errors import InvalidInput
from app.domain.text import quote_input
from app.i18n import _
from app.services.audit import record
from app.services.context import Context
from app.services.lookup import lookup_card
from app.store.bulk import DriverValues, insert_rows
from app.store.models import new_uuid
from app.store.tables import COUPON as _COUPON
from app.store.tables import COUPON_REDEMPTION as _REDEMPTION
from app.store.types import parse_sqlite_date
from app.sync import events

_RULE_COLUMNS = (
    _COUPON.c.code,
    _COUPON.c.kind,
    _COUPON.c.value,
    _COUPON.c.item,
    _COUPON.c.min_spend_cents,
    _COUPON.c.valid_from,
    _COUPON.c.valid_until,
    _COUPON.c.max_uses,
    _COUPON.c.per_member,
    _COUPON.c.member_id,
)
# Batch tokens leave out 0/O and 1/I/L: a cashier may have to type a code off a crumpled print.
TOKEN_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TOKEN_LENGTH = 8
MAX_BATCH = 10_000
_BATCH_COLUMNS = (
    *(f.name for f in fields(Coupon)),
    *("uuid", "batch", "actor", "store_code", "created_at"),
)
_DAYS = ("valid_from", "valid_until")
PREFIX_MAX = 20


@dataclass(frozen=True)
class CouponView:
    """A coupon with how often it was used (redemptions not undone by a full refund)."""

    coupon: Coupon
    uses: int
    batch: str | None
    created_at: datetime
    label: str
    redemptions: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    @property
    def code(self) -> str:
        return self.coupon.code

    def to_json(self) -> dict[str, Any]:
        data = asdict(self.coupon)
        for key in ("valid_from", "valid_until"):
            data[key] = data[key].isoformat() if data[key] else None
        return {
            **data,
            "label": self.label,
            "uses": self.uses,
            "batch": self.batch,
            "created_at": self.created_at.isoformat(),
            "redemptions": list(self.redemptions),
        }


@dataclass(frozen=True)
class BatchResult:
    """A batch of single-use codes, and where they were printed (if anywhere)."""

    batch: str
    codes: tuple[str, ...]
    format: str | None = None
    destination: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "codes": list(self.codes), "count": len(self.codes)}


def today(ctx: Context) -> date:
    """The shop's day now: validity dates are days at the till, in its time zone."""
    return ctx.now().astimezone().date()


def _coupon(row: Row[*tuple[Any, ...]]) -> Coupon:
    """The rule of a row read with :data:`_RULE_COLUMNS`."""
    return Coupon(
        code=row.code,
        kind=row.kind,
        value=row.value,
        item=row.item,
        min_spend_cents=row.min_spend_cents,
        valid_from=parse_sqlite_date(row.valid_from),
        valid_until=parse_sqlite_date(row.valid_until),
        max_uses=row.max_uses,
        per_member=row.per_member,
        member_id=row.member_id,
    )


def _member_id(ctx: Context, card: str | None) -> int | None:
    if card is None or not card.strip():
        return None
    return lookup_card(ctx, card, recent=0).member_id


def create_coupon(ctx: Context, rule: Coupon, *, card: str | None = None) -> CouponView:
    """Create a coupon with one code; ``card`` binds it to that card's member."""
    code = validate_code(rule.code)
    member_id = _member_id(ctx, card)
    rule = replace(rule, code=code, member_id=member_id)
    now = ctx.now()
    with ctx.db.transaction() as session:
        conn = session.connection()
        if conn.execute(select(_COUPON.c.id).where(_COUPON.c.code == code)).first():
            raise InvalidInput(_("A coupon with the code {code} exists already").format(code=code))
        _insert(conn, ctx, rule, None, now)
        record(session, ctx, "coupon.create", "coupon", code, **_detail(rule))
        events.coupons_created(session, ctx, [code])
    return CouponView(rule, 0, None, now, coupon_label(rule, ctx.rules().currency))


def _detail(rule: Coupon) -> dict[str, Any]:
    return {k: v for k, v in asdict(rule).items() if v not in (None, "", 0) and k != "code"}


def _insert(conn: Connection, ctx: Context, rule: Coupon, batch: str | None, now: datetime) -> None:
    conn.execute(
        insert(_COUPON),
        {
            **asdict(rule),
            "uuid": new_uuid(),
            "batch": batch,
            "actor": ctx.actor,
            "store_code": ctx.store_code,
            "created_at": now,
        },
    )


def _taken(conn: Connection, codes: set[str]) -> set[str]:
    """Which of ``codes`` exist already."""
    return set(
        conn.execute(select(_COUPON.c.code).where(_COUPON.c.code.in_(sorted(codes))))
        .scalars()
        .all()
    )


def _token() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _i in range(TOKEN_LENGTH))


def create_batch(
    ctx: Context,
    count: int,
    rule: Coupon,
    *,
    prefix: str = "",
    fmt: str | None = None,
    out: str | Path | None = None,
) -> BatchResult:
    """Create ``count`` unique single-use codes with the same rule (``rule.code`` is ignored).

    With ``fmt`` the codes are printed (barcode and QR) to ``out`` first: a failed print
    leaves no coupons behind, and a failed write removes the printed files.
    """
    if fmt is not None:
        from app.printing.coupon import check_target

        check_target(fmt, out)
    if not 1 <= count <= MAX_BATCH:
        raise InvalidInput(
            _("A batch has from 1 to {maximum} codes").format(maximum=f"{MAX_BATCH:,}")
        )
    prefix = normalize_code(prefix)
    if prefix and (len(prefix) > PREFIX_MAX or not prefix.replace("-", "").isalnum()):
        raise InvalidInput(
            _("The prefix may have up to {count} letters or digits").format(count=PREFIX_MAX)
        )
    if prefix:
        validate_code(prefix + "-X")
    rule = replace(rule, max_uses=1, per_member=None, member_id=None)
    batch = new_uuid()
    now = ctx.now()
    wanted: set[str] = set()
    while len(wanted) < count:
        wanted.add(batch_code(prefix, _token()))
    # Everything slow happens before the write lock is taken (the codes checked, the faces
    # printed); the transaction is one bulk insert, short enough for a till's sale to wait.
    # 31^8 tokens: a clash with an existing code is unlikely, but must not abort the batch.
    with ctx.db.reading() as session:
        codes = sorted(wanted - _taken(session.connection(), wanted))
    destination = None
    if fmt is not None:
        from app.printing.coupon import coupon_faces, write_coupons

        faces = coupon_faces(
            str(ctx.settings()["shop.name"]),
            [replace(rule, code=code) for code in codes],
            ctx.rules().currency,
        )
        destination = write_coupons(faces, fmt, out)
    values = {**asdict(rule), "batch": batch, "actor": ctx.actor, "store_code": ctx.store_code}
    # UTC, as the column reads back (the event carries what another shop would read here).
    stamp = now.astimezone(UTC)
    made = [{**values, "code": code, "uuid": new_uuid(), "created_at": stamp} for code in codes]
    v = DriverValues(ctx.db.is_sqlite)
    rows = [
        tuple(
            v.time(c[k]) if k == "created_at" else v.day(c[k]) if k in _DAYS else c[k]
            for k in _BATCH_COLUMNS
        )
        for c in made
    ]
    # The event as coupons_created() would read it back, built before the lock is taken.
    payload = [
        {**{k: events.plain(c[k]) for k in events.COUPON_FIELDS}, "member": None} for c in made
    ]
    outbox = events.event_rows(ctx, [("coupon", {"coupons": payload})], v.time(now))
    try:
        with ctx.db.transaction() as session:
            conn = session.connection()
            if _taken(conn, set(codes)):
                # Another till created one of these codes a moment ago: the print is void.
                raise InvalidInput(_("A coupon code was taken meanwhile: create the batch again"))
            insert_rows(conn, "coupon", _BATCH_COLUMNS, rows)
            insert_rows(conn, "sync_event", events.EVENT_COLUMNS, outbox)
            record(
                session,
                ctx,
                "coupon.batch",
                "coupon_batch",
                batch,
                count=len(codes),
                **_detail(rule),
            )
    except BaseException:
        if fmt is not None:
            from app.printing.coupon import remove_coupons

            remove_coupons(fmt, out, codes)
        raise
    return BatchResult(batch=batch, codes=tuple(codes), format=fmt, destination=destination)


def _uses(conn: Connection, coupon_id: int, member_id: int | None = None) -> int:
    query = (
        select(func.count())
        .select_from(_REDEMPTION)
        .where(_REDEMPTION.c.coupon_id == coupon_id, _REDEMPTION.c.undone_at.is_(None))
    )
    if member_id is not None:
        query = query.where(_REDEMPTION.c.member_id == member_id)
    return int(conn.execute(query).scalar_one())


def _uses_by_coupon(conn: Connection) -> dict[int, int]:
    rows = conn.execute(
        select(_REDEMPTION.c.coupon_id, func.count())
        .where(_REDEMPTION.c.undone_at.is_(None))
        .group_by(_REDEMPTION.c.coupon_id)
    ).all()
    return {coupon_id: int(n) for coupon_id, n in rows}


def list_coupons(ctx: Context) -> list[CouponView]:
    """Every coupon, newest first, with its uses."""
    currency = ctx.rules().currency
    with ctx.db.reading() as session:
        conn = session.connection()
        uses = _uses_by_coupon(conn)
        rows = conn.execute(
            select(*_RULE_COLUMNS, _COUPON.c.id, _COUPON.c.batch, _COUPON.c.created_at).order_by(
                _COUPON.c.id.desc()
            )
        ).all()
    result = []
    for row in rows:
        rule = _coupon(row)
        result.append(
            CouponView(
                rule, uses.get(row.id, 0), row.batch, row.created_at, coupon_label(rule, currency)
            )
        )
    return result


def show_coupon(ctx: Context, code: str) -> CouponView:
    """One coupon with every redemption (sale, member, when, undone by a refund or not)."""
    code = normalize_code(code)
    with ctx.db.reading() as session:
        conn = session.connection()
        row = conn.execute(
            select(*_RULE_COLUMNS, _COUPON.c.id, _COUPON.c.batch, _COUPON.c.created_at).where(
                _COUPON.c.code == code
            )
        ).first()
        if row is None:
            raise CouponRefused(_("Unknown coupon {code}").format(code=quote_input(code)))
        redemptions = conn.execute(
            select(
                _REDEMPTION.c.sale_id,
                _REDEMPTION.c.member_id,
                _REDEMPTION.c.discount_cents,
                _REDEMPTION.c.points,
                _REDEMPTION.c.store_code,
                _REDEMPTION.c.till,
                _REDEMPTION.c.created_at,
                _REDEMPTION.c.undone_at,
            )
            .where(_REDEMPTION.c.coupon_id == row.id)
            .order_by(_REDEMPTION.c.id)
        ).all()
    rule = _coupon(row)
    lines = tuple(
        {
            **r._mapping,
            "created_at": r.created_at.isoformat(),
            "undone_at": r.undone_at.isoformat() if r.undone_at else None,
        }
        for r in redemptions
    )
    uses = sum(1 for r in redemptions if r.undone_at is None)
    return CouponView(
        rule, uses, row.batch, row.created_at, coupon_label(rule, ctx.rules().currency), lines
    )


def _check(
    ctx: Context,
    conn: Connection,
    code: str,
    member_id: int,
    amount_cents: int | None,
    *,
    lock: bool,
) -> tuple[int, Coupon]:
    normalized = normalize_code(code)
    query = select(*_RULE_COLUMNS, _COUPON.c.id).where(_COUPON.c.code == normalized)
    if lock:
        # Two tills redeeming the last use at the same moment: the second waits here for the
        # first to commit, then counts its redemption (PostgreSQL; SQLite writes one at a time).
        query = query.with_for_update()
    row = conn.execute(query).first()
    coupon = _coupon(row) if row is not None else None
    coupon_id = row.id if row is not None else 0
    check_coupon(
        coupon,
        normalized,
        today=today(ctx),
        member_id=member_id,
        uses=_uses(conn, coupon_id) if row is not None else 0,
        member_uses=_uses(conn, coupon_id, member_id) if row is not None else 0,
        amount_cents=amount_cents,
        currency=ctx.rules().currency,
    )
    assert coupon is not None
    return coupon_id, coupon


def find_coupon(ctx: Context, code: str) -> bool:
    """Whether a coupon with this code exists (the till's scan field asks before searching)."""
    with ctx.db.reading() as session:
        row = (
            session.connection()
            .execute(select(_COUPON.c.id).where(_COUPON.c.code == normalize_code(code)))
            .first()
        )
    return row is not None


def check_for_member(
    ctx: Context, code: str, member_id: int, amount_cents: int | None = None
) -> Coupon:
    """The coupon if this member may use it now (minimum spend only when the amount is known)."""
    with ctx.db.reading() as session:
        return _check(ctx, session.connection(), code, member_id, amount_cents, lock=False)[1]


def lock_for_checkout(
    ctx: Context, conn: Connection, code: str, member_id: int, amount_cents: int
) -> tuple[int, Coupon]:
    """Inside the checkout's transaction: lock the coupon row and check it (raises if refused)."""
    return _check(ctx, conn, code, member_id, amount_cents, lock=True)


def record_redemption(
    ctx: Context,
    conn: Connection,
    *,
    coupon_id: int,
    coupon: Coupon,
    sale_id: int,
    member_id: int,
    discount_cents: int,
    points: int,
    now: datetime,
) -> None:
    """The redemption row, written in the checkout's transaction."""
    conn.execute(
        insert(_REDEMPTION),
        {
            "uuid": new_uuid(),
            "coupon_id": coupon_id,
            "code": coupon.code,
            "sale_id": sale_id,
            "member_id": member_id,
            "discount_cents": discount_cents,
            "points": points,
            "store_code": ctx.store_code,
            "till": ctx.till,
            "actor": ctx.actor,
            "created_at": now,
        },
    )


def undo_redemptions(conn: Connection, sale_id: int, refund_id: int, now: datetime) -> list[str]:
    """A whole sale was refunded: its coupon counts as unused again. Returns the codes."""
    codes = list(
        conn.execute(
            select(_REDEMPTION.c.code).where(
                _REDEMPTION.c.sale_id == sale_id, _REDEMPTION.c.undone_at.is_(None)
            )
        )
        .scalars()
        .all()
    )
    if codes:
        conn.execute(
            update(_REDEMPTION)
            .where(_REDEMPTION.c.sale_id == sale_id, _REDEMPTION.c.undone_at.is_(None))
            .values(undone_at=now, undone_refund_id=refund_id)
        )
    return codes


def available_for_member(ctx: Context, member_id: int) -> list[Coupon]:
    """Coupons this member can use today: bound to them, or shared codes (not batch codes,
    which are printed vouchers) that are valid and not used up."""
    day = today(ctx)
    found: list[Coupon] = []
    with ctx.db.reading() as session:
        conn = session.connection()
        rows = conn.execute(
            select(*_RULE_COLUMNS, _COUPON.c.id)
            .where(
                (_COUPON.c.member_id == member_id)
                | (_COUPON.c.member_id.is_(None) & _COUPON.c.batch.is_(None))
            )
            .order_by(_COUPON.c.code)
        ).all()
        for row in rows:
            coupon = _coupon(row)
            try:
                check_coupon(
                    coupon,
                    coupon.code,
                    today=day,
                    member_id=member_id,
                    uses=_uses(conn, row.id) if coupon.max_uses else 0,
                    member_uses=_uses(conn, row.id, member_id) if coupon.per_member else 0,
                )
            except CouponRefused:
                continue
            found.append(coupon)
    return found
