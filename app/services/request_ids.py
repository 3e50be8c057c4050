"""Request ids: a register that retries a sale or refund gets the first answer back.

A register sends its own id for each request (its receipt number). The first request with an
id is booked and its answer kept (``request_result``, JSON: what was asked and what was
answered); the same id again, with the same figures, returns that answer marked ``replayed``
and books nothing; with other figures it is refused. Ids are unique per shop and till (a
partial unique index, migration 0009). The look-ups run inside the booking's transaction, so
on SQLite (write lock at BEGIN) two requests never both miss; on PostgreSQL the loser of a
race hits the unique index and the caller reads the winner's answer (:func:`after_conflict`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, bindparam, select, update

from app.domain.cards import validate_card_number
from app.domain.coupons import normalize_code
from app.domain.errors import InvalidInput, RequestIdReused
from app.domain.rules import AppliedRule
from app.i18n import _
from app.services.context import Context
from app.services.views import RefundResult, SaleResult
from app.store.errors import DatabaseConflict
from app.store.tables import MEMBER, REFUND, SALE

MAX_LENGTH = 64

_SALE_BY_REQUEST = select(
    SALE.c.id, SALE.c.card_number, SALE.c.amount_cents, SALE.c.discount_cents,
    SALE.c.coupon_code, SALE.c.points_redeemed, SALE.c.redeem_value_cents,
    SALE.c.to_pay_cents, SALE.c.points_earned, SALE.c.created_at, SALE.c.request_result,
).where(
    SALE.c.store_code == bindparam("store"),
    SALE.c.till == bindparam("till"),
    SALE.c.request_id == bindparam("request"),
)  # fmt: skip
_REFUND_BY_REQUEST = select(
    REFUND.c.id, REFUND.c.sale_id, REFUND.c.amount_cents, REFUND.c.money_back_cents,
    REFUND.c.points_reversed, REFUND.c.points_returned, REFUND.c.points_not_recovered,
    REFUND.c.request_result,
).where(
    REFUND.c.store_code == bindparam("store"),
    REFUND.c.till == bindparam("till"),
    REFUND.c.request_id == bindparam("request"),
)  # fmt: skip
_BALANCE_OF_SALE = (
    select(MEMBER.c.points_balance)
    .join(SALE, SALE.c.member_id == MEMBER.c.id)
    .where(SALE.c.id == bindparam("sale"))
)
_KEEP_SALE_RESULT = (
    update(SALE).where(SALE.c.id == bindparam("row")).values(request_result=bindparam("result"))
)

T = TypeVar("T")


def validate_request_id(text: str) -> str:
    """The request id as given: 1 to 64 printable characters (no control or invisible ones)."""
    if not text or len(text) > MAX_LENGTH or not text.isprintable() or text != text.strip():
        raise InvalidInput(
            _(
                "A request id is 1 to {n} printable characters without spaces around them, "
                "e.g. the receipt number"
            ).format(n=MAX_LENGTH)
        )
    return text


@dataclass(frozen=True)
class SaleRequest:
    """What a register asked for: the figures a retry must repeat to be the same sale."""

    request_id: str
    card: str
    amount_cents: int
    redeem_points: int
    discount_cents: int
    coupon: str | None
    stamp_rewards: tuple[int, ...]

    @classmethod
    def of(
        cls,
        request_id: str,
        card: str,
        amount_cents: int,
        *,
        redeem_points: int,
        discount_cents: int,
        coupon: str | None,
        stamp_rewards: Sequence[int],
    ) -> SaleRequest:
        return cls(
            request_id=validate_request_id(request_id),
            card=validate_card_number(card),
            amount_cents=amount_cents,
            redeem_points=redeem_points,
            discount_cents=discount_cents,
            coupon=normalize_code(coupon) if coupon else None,
            stamp_rewards=tuple(sorted(set(stamp_rewards))),
        )

    def asked(self) -> dict[str, Any]:
        return {
            "card": self.card,
            "amount_cents": self.amount_cents,
            "redeem_points": self.redeem_points,
            "discount_cents": self.discount_cents,
            "coupon": self.coupon,
            "stamp_rewards": list(self.stamp_rewards),
        }


@dataclass(frozen=True)
class RefundRequest:
    """A refund a register asked for: the sale and the amount (None: all that was left)."""

    request_id: str
    sale_id: int
    amount_cents: int | None

    def asked(self) -> dict[str, Any]:
        return {"sale_id": self.sale_id, "amount_cents": self.amount_cents}


def _scope(ctx: Context, request_id: str) -> dict[str, Any]:
    return {"store": ctx.store_code, "till": ctx.till, "request": request_id}


def _refused(request_id: str, what: str) -> RequestIdReused:
    return RequestIdReused(
        _(
            "Request id “{id}” was already used for {what} with other figures; nothing was "
            "changed. A new sale or refund needs a new request id."
        ).format(id=request_id, what=what)
    )


def earlier_sale(ctx: Context, conn: Connection, request: SaleRequest) -> SaleResult | None:
    """The answer to the sale booked earlier under this request id, marked replayed; None if
    there is none. Raises RequestIdReused when that sale was asked with other figures."""
    row = conn.execute(_SALE_BY_REQUEST, _scope(ctx, request.request_id)).first()
    if row is None:
        return None
    what = _("sale {id}").format(id=row.id)
    if row.request_result is None:
        # Booked without its answer kept (a sale from another shop's file): the row's figures.
        if (row.card_number, row.amount_cents) != (request.card, request.amount_cents):
            raise _refused(request.request_id, what)
        return _sale_from_row(conn, row)
    kept = json.loads(row.request_result)
    if kept["asked"] != request.asked():
        raise _refused(request.request_id, what)
    answer = dict(kept["answer"])
    answer["created_at"] = datetime.fromisoformat(answer["created_at"])
    answer["applied"] = tuple(AppliedRule(**rule) for rule in answer["applied"])
    return SaleResult(**{**answer, "sale_id": row.id, "replayed": True})


def _sale_from_row(conn: Connection, row: Any) -> SaleResult:
    balance = conn.execute(_BALANCE_OF_SALE, {"sale": row.id}).scalar_one()
    return SaleResult(
        sale_id=row.id,
        card=row.card_number,
        amount_cents=row.amount_cents,
        discount_cents=row.discount_cents,
        points_redeemed=row.points_redeemed,
        redeem_value_cents=row.redeem_value_cents,
        to_pay_cents=row.to_pay_cents,
        points_earned=row.points_earned,
        points_balance=balance,
        created_at=row.created_at,
        coupon=row.coupon_code,
        replayed=True,
    )


def keep_sale_result(conn: Connection, request: SaleRequest, result: SaleResult) -> None:
    """Store the answer of a sale just booked under a request id, for a retry."""
    answer = result.to_json()
    del answer["sale_id"], answer["replayed"]
    kept = json.dumps({"asked": request.asked(), "answer": answer}, ensure_ascii=False)
    conn.execute(_KEEP_SALE_RESULT, {"row": result.sale_id, "result": kept})


def earlier_refund(ctx: Context, conn: Connection, request: RefundRequest) -> RefundResult | None:
    """As :func:`earlier_sale`, for a refund."""
    row = conn.execute(_REFUND_BY_REQUEST, _scope(ctx, request.request_id)).first()
    if row is None:
        return None
    what = _("refund {id}").format(id=row.id)
    if row.request_result is None:
        # A refund from another shop's file: the same sale and, if given, the same amount.
        if row.sale_id != request.sale_id or request.amount_cents not in (None, row.amount_cents):
            raise _refused(request.request_id, what)
        return RefundResult(
            refund_id=row.id,
            sale_id=row.sale_id,
            amount_cents=row.amount_cents,
            money_back_cents=row.money_back_cents,
            points_reversed=row.points_reversed,
            points_returned=row.points_returned,
            points_not_recovered=row.points_not_recovered,
            points_balance=conn.execute(_BALANCE_OF_SALE, {"sale": row.sale_id}).scalar_one(),
            replayed=True,
        )
    kept = json.loads(row.request_result)
    if kept["asked"] != request.asked():
        raise _refused(request.request_id, what)
    answer = dict(kept["answer"])
    answer["coupons_returned"] = tuple(answer["coupons_returned"])
    return RefundResult(**{**answer, "refund_id": row.id, "replayed": True})


def refund_result_json(request: RefundRequest, result: RefundResult) -> str:
    """What a refund row keeps of its answer (set before the row is written)."""
    answer = result.to_json()
    del answer["refund_id"], answer["replayed"]
    return json.dumps({"asked": request.asked(), "answer": answer}, ensure_ascii=False)


def after_conflict(
    ctx: Context,
    request_id: str | None,
    book: Callable[[], T],
    earlier: Callable[[Connection], T | None],
) -> T:
    """Book; if a concurrent request with the same id won the race (PostgreSQL: the unique
    index refused this one and nothing of it was written), answer with what that one booked."""
    try:
        return book()
    except DatabaseConflict:
        if request_id is None:
            raise
        with ctx.db.reading() as session:
            found = earlier(session.connection())
        if found is None:
            raise
        return found


__all__ = [
    "MAX_LENGTH",
    "RefundRequest",
    "SaleRequest",
    "after_conflict",
    "earlier_refund",
    "earlier_sale",
    "keep_sale_result",
    "refund_result_json",
    "validate_request_id",
]
