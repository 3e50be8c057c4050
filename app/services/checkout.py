"""Checkout: the sale, its ledger rows and the new balance, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, insert, select, update

from app.domain.cards import validate_card_number
from app.domain.coupons import quote_with_coupon
from app.domain.errors import InvalidInput
from app.domain.rules import CheckoutQuote
from app.i18n import _, format_money
from app.services.audit import record
from app.services.context import Context
from app.services.coupons import lock_for_checkout, record_redemption
from app.services.lookup import check_card_row
from app.services.stamps import give_rewards, reward_rule
from app.services.views import SaleResult
from app.store.models import Card, LedgerEntry, Member, Sale
from app.sync import events

_SALE = Sale.__table__  # type: ignore[attr-defined]
_LEDGER = LedgerEntry.__table__  # type: ignore[attr-defined]
_MEMBER = Member.__table__  # type: ignore[attr-defined]
_CARD = Card.__table__  # type: ignore[attr-defined]
# Built once with bound parameters: SQLAlchemy then reuses the compiled statements, where
# ORM objects and per-call .values() spent most of a sale's CPU time on statement building.
_CARD_MEMBER = (
    select(
        _CARD.c.number,
        _CARD.c.status,
        _CARD.c.replaced_by,
        _MEMBER.c.id,
        _MEMBER.c.points_balance,
        _MEMBER.c.status,
    )
    .join(_MEMBER, _MEMBER.c.id == _CARD.c.member_id)
    .where(_CARD.c.number == bindparam("number"))
    .with_for_update(of=_MEMBER)
)
_INSERT_SALE = insert(_SALE)
_INSERT_LEDGER = insert(_LEDGER)
_NEW_BALANCE = (
    update(_MEMBER)
    .where(_MEMBER.c.id == bindparam("member_id"))
    .values(points_balance=bindparam("balance"), last_visit_at=bindparam("at"))
)


def _lock_balance(conn: Connection, text: str) -> tuple[int, int, str]:
    """The member id and balance behind a usable card, the member row locked on PostgreSQL.

    The checks and messages of :func:`app.services.members.lock_member_by_card`, without ORM
    objects.
    """
    number = validate_card_number(text)
    row = conn.execute(_CARD_MEMBER, {"number": number}).first()
    check_card_row(tuple(row) if row is not None else None, number)
    assert row is not None
    return row[3], row[4], number


def checkout(
    ctx: Context,
    card: str,
    amount_cents: int,
    *,
    redeem_points: int = 0,
    discount_cents: int = 0,
    coupon: str | None = None,
    stamp_rewards: Sequence[int] = (),
) -> SaleResult:
    """Record a sale for the member of ``card``, with an optional coupon code.

    Discounts (``discount_cents`` and the coupon's) come off before points are redeemed and
    earn nothing. The coupon is checked and its use recorded in the sale's transaction, with
    its row locked, so two tills cannot both take its last use. ``stamp_rewards`` are the
    stamp programs whose full card the cashier gives the reward of with this sale.
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
        conn = session.connection()
        member_id, balance, number = _lock_balance(conn, card)
        coupon_id, rule = (
            lock_for_checkout(ctx, conn, coupon, member_id, amount_cents) if coupon else (0, None)
        )
        quote: CheckoutQuote = quote_with_coupon(
            rules,
            balance=balance,
            amount_cents=amount_cents,
            redeem_points=redeem_points,
            discount_cents=discount_cents,
            coupon=rule,
        )
        coupon_points = sum(a.points for a in quote.applied if a.code == "coupon")
        inserted = conn.execute(
            _INSERT_SALE,
            {
                "member_id": member_id,
                "card_number": number,
                "amount_cents": quote.amount_cents,
                "discount_cents": quote.discount_cents,
                "coupon_code": rule.code if rule else None,
                "points_redeemed": quote.points_redeemed,
                "redeem_value_cents": quote.redeem_value_cents,
                "to_pay_cents": quote.to_pay_cents,
                "points_earned": quote.points_earned,
                "store_code": ctx.store_code,
                "till": ctx.till,
                "actor": ctx.actor,
                "created_at": now,
            },
        )
        sale_id = inserted.inserted_primary_key[0]
        common = {
            "member_id": member_id,
            "sale_id": sale_id,
            "reason": "",
            "refund_id": None,
            "actor": ctx.actor,
            "store_code": ctx.store_code,
            "till": ctx.till,
            "created_at": now,
        }
        ledger = []
        if quote.points_redeemed:
            ledger.append({"points": -quote.points_redeemed, "kind": "redeem", **common})
        if quote.points_earned - coupon_points:
            earned = quote.points_earned - coupon_points
            ledger.append({"points": earned, "kind": "earn", **common})
        if rule is not None and coupon_points:
            ledger.append(
                {
                    **common,
                    "points": coupon_points,
                    "kind": "coupon",
                    "reason": f"coupon {rule.code}",
                }
            )
        for row in ledger:
            conn.execute(_INSERT_LEDGER, row)
        rewards = give_rewards(ctx, conn, member_id, list(stamp_rewards), sale_id)
        if rule is not None:
            record_redemption(
                ctx,
                conn,
                coupon_id=coupon_id,
                coupon=rule,
                sale_id=sale_id,
                member_id=member_id,
                discount_cents=quote.discount_cents - min(max(discount_cents, 0), amount_cents),
                points=coupon_points,
                now=now,
            )
        conn.execute(
            _NEW_BALANCE, {"member_id": member_id, "balance": quote.balance_after, "at": now}
        )
        record(
            session,
            ctx,
            "sale.create",
            "sale",
            sale_id,
            amount_cents=quote.amount_cents,
            points_redeemed=quote.points_redeemed,
            points_earned=quote.points_earned,
            **({"coupon": rule.code} if rule else {}),
            **({"stamp_rewards": [c.name for c in rewards]} if rewards else {}),
        )
        events.sale_made(session, ctx, sale_id)
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
        coupon=rule.code if rule else None,
        applied=quote.applied + tuple(reward_rule(card) for card in rewards),
    )
