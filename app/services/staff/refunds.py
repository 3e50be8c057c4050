"""Which permission a refund needs: a cashier's small refund or any refund (a manager's)."""

from __future__ import annotations

from sqlalchemy import select

from app.domain.roles import Action
from app.services.context import Context
from app.store.tables import SALE


def refund_action(ctx: Context, sale_id: int, amount_cents: int | None) -> Action:
    """REFUND_SMALL for a sale of today at this till, refunding at most
    ``staff.cashier_refund_limit``; REFUND otherwise (an unknown sale: the refund says so)."""
    with ctx.db.reading() as session:
        sale = (
            session.connection()
            .execute(
                select(SALE.c.created_at, SALE.c.till, SALE.c.amount_cents).where(
                    SALE.c.id == sale_id
                )
            )
            .first()
        )
    if sale is None:
        return Action.REFUND_SMALL
    program = ctx.program()
    today = program.local(ctx.now()).date()
    limit = int(ctx.settings()["staff.cashier_refund_limit"])
    amount = sale.amount_cents if amount_cents is None else amount_cents
    small = (
        program.local(sale.created_at).date() == today and sale.till == ctx.till and amount <= limit
    )
    return Action.REFUND_SMALL if small else Action.REFUND
