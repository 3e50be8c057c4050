"""Which permission a refund needs: a cashier's small one of today here, or any refund."""

from __future__ import annotations

from sqlmodel import select

from app.domain.errors import SaleNotFound
from app.domain.roles import Action
from app.i18n import _
from app.services.context import Context
from app.store.models import Sale


def refund_action(ctx: Context, sale_id: int, amount_cents: int | None) -> Action:
    """``REFUND_SMALL`` for a sale of today (the shop's local day) at this store and till,
    refunded by at most ``staff.cashier_refund_limit`` (``None``: all that is left), else
    ``REFUND``."""
    with ctx.db.reading() as session:
        sale = session.exec(select(Sale).where(Sale.id == sale_id)).first()
    if sale is None:
        raise SaleNotFound(_("There is no sale number {id}").format(id=sale_id))
    cents = amount_cents if amount_cents is not None else sale.amount_cents - sale.refunded_cents
    limit = int(ctx.settings()["staff.cashier_refund_limit"])
    here = sale.store_code == ctx.store_code and sale.till == ctx.till
    today = sale.created_at.astimezone().date() == ctx.now().astimezone().date()
    return Action.REFUND_SMALL if here and today and cents <= limit else Action.REFUND
