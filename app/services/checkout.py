"""Checkout: the sale, its ledger rows and the new balance, in one transaction."""

from __future__ import annotations

from app.domain.errors import InvalidInput
from app.domain.rules import CheckoutQuote, quote_checkout
from app.i18n import _, format_money
from app.services.audit import record
from app.services.context import Context
from app.services.members import lock_member_by_card
from app.services.views import SaleResult
from app.store.models import LedgerEntry, Sale


def checkout(
    ctx: Context,
    card: str,
    amount_cents: int,
    *,
    redeem_points: int = 0,
    discount_cents: int = 0,
) -> SaleResult:
    """Record a sale for the member of ``card``.

    ``discount_cents`` is the seam for coupons: the discount comes off before points are
    redeemed and earns nothing.
    """
    rules = ctx.rules()
    if amount_cents > rules.max_sale_cents:
        # The interfaces parse amounts against this maximum too; a script calling the service
        # directly must not get round the shop's limit.
        raise InvalidInput(
            _("{amount} is more than the largest allowed sale ({maximum})").format(
                amount=format_money(amount_cents, rules.currency),
                maximum=format_money(rules.max_sale_cents, rules.currency),
            )
        )
    now = ctx.now()
    with ctx.db.transaction() as session:
        member, number = lock_member_by_card(session, card)
        quote: CheckoutQuote = quote_checkout(
            rules,
            balance=member.points_balance,
            amount_cents=amount_cents,
            redeem_points=redeem_points,
            discount_cents=discount_cents,
        )
        sale = Sale(
            member_id=member.id,  # type: ignore[arg-type]
            card_number=number,
            amount_cents=quote.amount_cents,
            discount_cents=quote.discount_cents,
            points_redeemed=quote.points_redeemed,
            redeem_value_cents=quote.redeem_value_cents,
            to_pay_cents=quote.to_pay_cents,
            points_earned=quote.points_earned,
            store_code=ctx.store_code,
            till=ctx.till,
            actor=ctx.actor,
            created_at=now,
        )
        session.add(sale)
        session.flush()
        common = {
            "member_id": member.id,
            "sale_id": sale.id,
            "actor": ctx.actor,
            "store_code": ctx.store_code,
            "till": ctx.till,
            "created_at": now,
        }
        if quote.points_redeemed:
            session.add(LedgerEntry(points=-quote.points_redeemed, kind="redeem", **common))
        if quote.points_earned:
            session.add(LedgerEntry(points=quote.points_earned, kind="earn", **common))
        member.points_balance = quote.balance_after
        member.last_visit_at = now
        session.add(member)
        record(
            session,
            ctx,
            "sale.create",
            "sale",
            sale.id,
            amount_cents=quote.amount_cents,
            points_redeemed=quote.points_redeemed,
            points_earned=quote.points_earned,
        )
        sale_id = sale.id
    assert sale_id is not None
    return SaleResult(
        sale_id=sale_id,
        card=number,
        amount_cents=quote.amount_cents,
        discount_cents=quote.discount_cents,
        points_redeemed=quote.points_redeemed,
        redeem_value_cents=quote.redeem_value_cents,
        to_pay_cents=quote.to_pay_cents,
        points_earned=quote.points_earned,
        points_balance=quote.balance_after,
        created_at=now,
    )
