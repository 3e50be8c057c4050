"""Checkout: the sale, its ledger rows and the new balance, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from app.domain.coupons import quote_with_coupon
from app.domain.errors import InvalidInput
from app.domain.rules import CheckoutQuote
from app.i18n import _, format_money
from app.services.audit import record
from app.services.context import Context
from app.services.coupons import lock_for_checkout, record_redemption
from app.services.expiry import expiry_written_here
from app.services.members import card_member_query, lock_card_member
from app.services.program import MemberFacts, member_standing
from app.services.request_ids import SaleRequest, after_conflict, earlier_sale, keep_sale_result
from app.services.stamps import give_rewards, reward_rule
from app.services.views import SaleResult
from app.store.models import new_uuid
from app.store.queries import DriverReads
from app.store.tables import LEDGER, MEMBER, SALE
from app.store.writes import inserted_id
from app.sync import events

# Built once with bound parameters: SQLAlchemy then reuses the compiled statements, where
# ORM objects and per-call .values() spent most of a sale's CPU time on statement building.
_CARD_MEMBER = card_member_query(
    MEMBER.c.id.label("member_id"),
    MEMBER.c.points_balance,
    MEMBER.c.created_at,
    MEMBER.c.last_visit_at,
    MEMBER.c.birthday,
    MEMBER.c.email,
    MEMBER.c.phone,
    MEMBER.c.postcode,
    MEMBER.c.referred_by,
    MEMBER.c.tier,
    MEMBER.c.uuid,
    MEMBER.c.home_store,
)
_INSERT_SALE = insert(SALE)
_INSERT_LEDGER = insert(LEDGER)
_NEW_BALANCE = (
    update(MEMBER)
    .where(MEMBER.c.id == bindparam("member_id"))
    .values(points_balance=bindparam("balance"), last_visit_at=bindparam("at"))
)
# Only with tiers set up: without them a tier typed at the member desk stays as it is.
_SET_TIER = (
    update(MEMBER).where(MEMBER.c.id == bindparam("member_id")).values(tier=bindparam("tier"))
)
# The referrer's bonus: the balance moves by the points given, under the row's own lock.
_ADD_POINTS = (
    update(MEMBER)
    .where(MEMBER.c.id == bindparam("member_id"), MEMBER.c.status == "active")
    .values(points_balance=MEMBER.c.points_balance + bindparam("points"))
)
_MEMBER_UUID = select(MEMBER.c.uuid).where(MEMBER.c.id == bindparam("member_id"))


def _ledger_reason(code: str, label: str, coupon: str | None) -> str:
    """The reason a rule's ledger row carries: the owner's name for tiers and campaigns."""
    if code == "coupon":
        return f"coupon {coupon}"
    return label[:200] if code in ("tier", "campaign") else code


def _ledger_kind(code: str) -> str:
    # The base points keep the kind they always had; every other rule is its own kind.
    return "earn" if code == "base" else code


def _without_expired(facts: MemberFacts, points: int) -> MemberFacts:
    """The member as this sale sees them: points that expired before it are gone."""
    return MemberFacts(**{**facts.__dict__, "balance": facts.balance - points})


def checkout(
    ctx: Context,
    card: str,
    amount_cents: int,
    *,
    redeem_points: int = 0,
    discount_cents: int = 0,
    coupon: str | None = None,
    stamp_rewards: Sequence[int] = (),
    request_id: str | None = None,
) -> SaleResult:
    """Record a sale for the member of ``card``, with the program's rules and a coupon code.

    Discounts (``discount_cents`` and the coupon's) come off before points are redeemed and
    earn nothing. The coupon is checked and its use recorded in the sale's transaction, with
    its row locked, so two tills cannot both take its last use. ``stamp_rewards`` are the
    stamp programs whose full card the cashier gives the reward of with this sale. Points
    that expired before the sale are written off first, so they cannot be redeemed.

    ``request_id`` (a register's receipt number): a sale booked earlier under the same id at
    this till is answered again (``replayed``) instead of booked twice; the same id with other
    figures is refused (:mod:`app.services.request_ids`).
    """
    if request_id is None:
        return _checkout(
            ctx, card, amount_cents, redeem_points, discount_cents, coupon, stamp_rewards, None
        )
    request = SaleRequest.of(
        request_id,
        card,
        amount_cents,
        redeem_points=redeem_points,
        discount_cents=discount_cents,
        coupon=coupon,
        stamp_rewards=stamp_rewards,
    )
    return after_conflict(
        ctx,
        request_id,
        lambda: _checkout(
            ctx, card, amount_cents, redeem_points, discount_cents, coupon, stamp_rewards, request
        ),
        lambda conn: earlier_sale(ctx, conn, request),
    )


def _checkout(
    ctx: Context,
    card: str,
    amount_cents: int,
    redeem_points: int,
    discount_cents: int,
    coupon: str | None,
    stamp_rewards: Sequence[int],
    request: SaleRequest | None,
) -> SaleResult:
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
    program = ctx.program()
    with ctx.db.transaction() as session:
        conn = session.connection()
        if request is not None:
            earlier = earlier_sale(ctx, conn, request)
            if earlier is not None:
                return earlier  # nothing written: the transaction ends empty
        member, number = lock_card_member(conn, card, _CARD_MEMBER)
        facts = MemberFacts.of(member)
        member_id = facts.member_id
        standing = member_standing(DriverReads.under(conn), program, facts, now)
        common: dict[str, Any] = {
            "member_id": member_id,
            "sale_id": None,
            "reason": "",
            "refund_id": None,
            "actor": ctx.actor,
            "store_code": ctx.store_code,
            "till": ctx.till,
            "created_at": now,
        }
        expired = standing.expiry.due_now
        # Points past expiry are never redeemed; they are written off here only where the
        # member's expiry is written (their home shop in a chain), else they would be written
        # off once in every shop that saw them.
        kept = 0 if expiry_written_here(ctx, member.home_store) else expired
        if expired:
            facts = _without_expired(facts, expired)
        coupon_id, coupon_rule = (
            lock_for_checkout(ctx, conn, coupon, member_id, amount_cents) if coupon else (0, None)
        )
        quote: CheckoutQuote = quote_with_coupon(
            rules,
            balance=facts.balance,
            amount_cents=amount_cents,
            redeem_points=redeem_points,
            discount_cents=discount_cents,
            coupon=coupon_rule,
            standing=standing.standing,
        )
        sale = {
            "uuid": new_uuid(),
            "member_id": member_id,
            "card_number": number,
            "amount_cents": quote.amount_cents,
            "discount_cents": quote.discount_cents,
            "points_redeemed": quote.points_redeemed,
            "redeem_value_cents": quote.redeem_value_cents,
            "to_pay_cents": quote.to_pay_cents,
            "points_earned": quote.points_earned,
            "coupon_code": coupon_rule.code if coupon_rule else None,
            "store_code": ctx.store_code,
            "till": ctx.till,
            "actor": ctx.actor,
            "created_at": now,
            "request_id": request.request_id if request is not None else None,
        }
        sale_id = inserted_id(conn.execute(_INSERT_SALE, sale))
        common["sale_id"] = sale_id
        ledger = []
        if expired and not kept:
            # Linked to the sale that found them expired, so the sale's sync event carries it.
            reason = program.expiry_mode
            ledger.append({**common, "points": -expired, "kind": "expire", "reason": reason})
        if quote.points_redeemed:
            ledger.append({**common, "points": -quote.points_redeemed, "kind": "redeem"})
        # One row per rule that gave points: the ledger names every rule.
        for rule in quote.applied:
            if rule.points:
                ledger.append(
                    {
                        **common,
                        "points": rule.points,
                        "kind": _ledger_kind(rule.code),
                        "reason": _ledger_reason(
                            rule.code, rule.label, coupon_rule.code if coupon_rule else None
                        ),
                    }
                )
        if standing.referrer_bonus and facts.referred_by:
            given = conn.execute(
                _ADD_POINTS, {"member_id": facts.referred_by, "points": standing.referrer_bonus}
            ).rowcount
            if given:
                ledger.append(
                    {
                        **common,
                        "member_id": facts.referred_by,
                        "points": standing.referrer_bonus,
                        "kind": "referral",
                        "reason": f"referred {number}",
                    }
                )
        uuids = {member_id: member.uuid}
        if ledger:
            for row in ledger:  # named here: the sync event is built from these rows
                row["uuid"] = new_uuid()
            # One executemany for all of the sale's rows: every rule adds one.
            conn.execute(_INSERT_LEDGER, ledger)
            if any(row["member_id"] != member_id for row in ledger):
                referrer = facts.referred_by
                assert referrer is not None  # the referral row is the only other member's
                uuids[referrer] = conn.execute(_MEMBER_UUID, {"member_id": referrer}).scalar_one()
        rewards = give_rewards(ctx, conn, member_id, list(stamp_rewards), sale_id)
        if coupon_rule is not None:
            record_redemption(
                ctx,
                conn,
                coupon_id=coupon_id,
                coupon=coupon_rule,
                sale_id=sale_id,
                member_id=member_id,
                discount_cents=next(
                    (a.discount_cents for a in quote.applied if a.code == "coupon"), 0
                ),
                points=sum(a.points for a in quote.applied if a.code == "coupon"),
                now=now,
            )
        conn.execute(
            _NEW_BALANCE,
            {"member_id": member_id, "balance": quote.balance_after + kept, "at": now},
        )
        tier = standing.standing.tier
        new_tier = tier.name if tier is not None else None
        if program.tiers and new_tier != member.tier:
            # Evaluated from the spend before this sale: up and down (downgrades too).
            conn.execute(_SET_TIER, {"member_id": member_id, "tier": new_tier})
        record(
            session,
            ctx,
            "sale.create",
            "sale",
            sale_id,
            member_id=member_id,
            amount_cents=quote.amount_cents,
            points_redeemed=quote.points_redeemed,
            points_earned=quote.points_earned,
            **({"coupon": coupon_rule.code} if coupon_rule else {}),
            **({"stamp_rewards": [c.name for c in rewards]} if rewards else {}),
        )
        events.sale_made(
            session,
            ctx,
            {**sale, "id": sale_id},
            ledger,
            uuids,
            coupons=coupon_rule is not None,
            stamps=bool(rewards),
        )
        result = SaleResult(
            sale_id=sale_id,
            card=number,
            amount_cents=quote.amount_cents,
            discount_cents=quote.discount_cents,
            points_redeemed=quote.points_redeemed,
            redeem_value_cents=quote.redeem_value_cents,
            to_pay_cents=quote.to_pay_cents,
            points_earned=quote.points_earned,
            points_balance=quote.balance_after + kept,
            created_at=now,
            coupon=coupon_rule.code if coupon_rule else None,
            applied=quote.applied + tuple(reward_rule(card) for card in rewards),
            points_expired=expired - kept,
        )
        if request is not None:
            keep_sale_result(conn, request, result)
    return result
