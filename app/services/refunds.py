"""Refunds: unwind a sale's points in proportion, never beyond what the sale took."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlmodel import select

from app.domain.errors import SaleNotFound
from app.domain.rules import SaleFigures, plan_refund
from app.i18n import _
from app.services.audit import record
from app.services.context import Context
from app.services.coupons import undo_redemptions
from app.services.request_ids import (
    RefundRequest,
    after_conflict,
    earlier_refund,
    refund_result_json,
    validate_request_id,
)
from app.services.views import RefundResult
from app.store.models import LedgerEntry, Member, Refund, Sale
from app.sync import events


def refund_sale(
    ctx: Context,
    sale_id: int,
    amount_cents: int | None = None,
    *,
    request_id: str | None = None,
) -> RefundResult:
    """Refund ``amount_cents`` of a sale (default: all that is left).

    ``request_id``: as for a sale, a refund booked earlier under the same id at this till is
    answered again (``replayed``) and the same id with another sale or amount is refused.
    """
    if not 0 < sale_id < 2**63:
        # No row can have such an id; the database driver would fail on it with a traceback.
        raise SaleNotFound(_("There is no sale number {id}").format(id=sale_id))
    if request_id is None:
        return _refund(ctx, sale_id, amount_cents, None)
    request = RefundRequest(validate_request_id(request_id), sale_id, amount_cents)
    return after_conflict(
        ctx,
        request_id,
        lambda: _refund(ctx, sale_id, amount_cents, request),
        lambda conn: earlier_refund(ctx, conn, request),
    )


def _refund(
    ctx: Context, sale_id: int, amount_cents: int | None, request: RefundRequest | None
) -> RefundResult:
    now = ctx.now()
    with ctx.db.transaction() as session:
        if request is not None:
            earlier = earlier_refund(ctx, session.connection(), request)
            if earlier is not None:
                return earlier  # nothing written
        sale = session.exec(select(Sale).where(Sale.id == sale_id).with_for_update()).first()
        if sale is None:
            raise SaleNotFound(_("There is no sale number {id}").format(id=sale_id))
        member = session.exec(
            select(Member).where(Member.id == sale.member_id).with_for_update()
        ).one()
        plan = plan_refund(
            SaleFigures.of(sale), amount_cents, member.points_balance, ctx.rules().currency
        )
        # The refund row carries the plan's figures under the plan's names.
        refund = Refund(
            sale_id=sale_id,
            **asdict(plan),
            store_code=ctx.store_code,
            till=ctx.till,
            actor=ctx.actor,
            created_at=now,
            request_id=request.request_id if request is not None else None,
        )
        session.add(refund)
        session.flush()
        refund_id = refund.id
        assert refund_id is not None
        common: dict[str, Any] = {
            "member_id": member.id,
            "sale_id": sale_id,
            "refund_id": refund_id,
            "actor": ctx.actor,
            "store_code": ctx.store_code,
            "till": ctx.till,
            "created_at": now,
        }
        if plan.points_reversed:
            session.add(LedgerEntry(points=-plan.points_reversed, kind="refund_earned", **common))
        if plan.points_returned:
            session.add(LedgerEntry(points=plan.points_returned, kind="refund_redeemed", **common))
        sale.refunded_cents += plan.amount_cents
        member.points_balance += plan.points_change
        session.add_all([sale, member])
        returned: list[str] = []
        if sale.refunded_cents >= sale.amount_cents:
            # The whole sale is undone, so is its coupon use: a single-use code works again.
            # A partial refund keeps the use (the customer kept part of what it paid for).
            session.flush()
            returned = undo_redemptions(session.connection(), sale_id, refund_id, now)
        record(
            session,
            ctx,
            "sale.refund",
            "sale",
            sale_id,
            member_id=sale.member_id,
            refund_id=refund_id,
            amount_cents=plan.amount_cents,
            points_not_recovered=plan.points_not_recovered,
            **({"coupons_returned": returned} if returned else {}),
        )
        result = RefundResult(
            refund_id=refund_id,
            sale_id=sale_id,
            **asdict(plan),
            points_balance=member.points_balance,
            coupons_returned=tuple(returned),
        )
        if request is not None:
            refund.request_result = refund_result_json(request, result)
            session.add(refund)
        session.flush()
        events.refund_made(session, ctx, refund_id)
    return result
