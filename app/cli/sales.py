"""`loyalty sale`, `refund` and `adjust`: money and points at the till."""

from __future__ import annotations

import argparse

from app.cli.common import (
    CliError,
    Subcommands,
    add_command,
    card_arg,
    emit,
    open_context,
    points_number,
    record_number,
    sale_amount,
    shop_currency,
)
from app.domain.money import REFUND_TYPING_LIMIT_CENTS
from app.i18n import _, format_money, format_points, ngettext


def register(subcommands: Subcommands) -> None:
    """`loyalty sale`, `loyalty refund` and `loyalty adjust`."""
    p = add_command(subcommands, "sale", cmd_sale, _("check out a sale for a member"))
    card_arg(p, "--card")
    p.add_argument("--amount", required=True, help=_("amount, e.g. 12.50 or 12,50"))
    p.add_argument("--redeem", type=points_number, metavar="POINTS", help=_("points to redeem"))
    p.add_argument("--coupon", metavar="CODE", help=_("a coupon code to apply"))
    _request_id_arg(p)

    p = add_command(subcommands, "refund", cmd_refund, _("refund a sale, fully or partly"))
    p.add_argument(
        "sale_id",
        type=record_number(lambda: _("There is no sale number {id}")),
        metavar="SALE_ID",
    )
    p.add_argument("--amount", help=_("part of the sale to refund (default: all that is left)"))
    _request_id_arg(p)

    p = add_command(
        subcommands, "adjust", cmd_adjust, _("add or remove points by hand, with a reason")
    )
    card_arg(p)
    p.add_argument("--points", type=_adjust_points, required=True, help=_("e.g. 50 or -50"))
    p.add_argument("--reason", required=True)


def _request_id_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--request-id",
        metavar="ID",
        help=_(
            "the register's id for this request (e.g. its receipt number, at most 64 "
            "characters): the same id again answers with the first result and books nothing"
        ),
    )


def _adjust_points(text: str) -> int:
    from app.domain.errors import InvalidInput
    from app.domain.money import parse_points

    try:
        return parse_points(text, allow_negative=True)
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def cmd_sale(args: argparse.Namespace) -> int:
    from app.services.checkout import checkout

    ctx = open_context(args)
    if args.redeem is not None and args.redeem < 0:
        raise CliError(_("Points cannot be negative"))
    result = checkout(
        ctx,
        args.card,
        sale_amount(ctx, args.amount),
        redeem_points=args.redeem or 0,
        coupon=args.coupon,
        request_id=args.request_id,
    )
    currency = shop_currency(ctx)
    lines = [
        _("Sale {id}: {amount}").format(
            id=result.sale_id, amount=format_money(result.amount_cents, currency)
        ),
    ]
    lines += [
        _("Coupon: {label}").format(label=rule.label)
        for rule in result.applied
        if rule.code == "coupon"
    ]
    if result.discount_cents:
        lines.append(
            _("Discount: -{amount}").format(amount=format_money(result.discount_cents, currency))
        )
    lines += [
        _("Points redeemed: {points} (-{value})").format(
            points=format_points(result.points_redeemed),
            value=format_money(result.redeem_value_cents, currency),
        ),
        _("To pay: {amount}").format(amount=format_money(result.to_pay_cents, currency)),
        _("Points earned: {points}").format(points=format_points(result.points_earned)),
        _("New balance: {points}").format(points=format_points(result.points_balance)),
    ]
    if any(rule.code != "base" for rule in result.applied):
        # Like the till: the base points alone are the "Points earned" line already.
        from app.domain.rules import applied_summary

        lines.append(_("Rules: {rules}").format(rules=applied_summary(result.applied, currency)))
    if result.points_expired:
        lines.append(
            ngettext(
                "{points} expired point was written off first",
                "{points} expired points were written off first",
                result.points_expired,
            ).format(points=format_points(result.points_expired))
        )
    if result.replayed:
        lines.insert(
            0,
            _("Request {id} was already booked: nothing was booked again").format(
                id=args.request_id
            ),
        )
    emit(args, {**result.to_json(), "points_balance": result.points_balance}, lines)
    return 0


def cmd_refund(args: argparse.Namespace) -> int:
    from app.cli.permissions import require
    from app.domain.money import parse_amount
    from app.services.refunds import refund_sale
    from app.services.staff import refund_action

    ctx = open_context(args)
    # Not bounded by today's maximum sale: a sale made before the owner lowered it must still
    # be refundable in part. The service refuses anything beyond what is left of the sale.
    amount = (
        parse_amount(
            args.amount,
            max_cents=REFUND_TYPING_LIMIT_CENTS,
            currency=ctx.rules().currency,
        )
        if args.amount is not None
        else None
    )
    require(ctx, refund_action(ctx, args.sale_id, amount))
    result = refund_sale(ctx, args.sale_id, amount, request_id=args.request_id)
    currency = shop_currency(ctx)
    lines = [
        _("Refund {id} of sale {sale}: {amount}").format(
            id=result.refund_id,
            sale=result.sale_id,
            amount=format_money(result.amount_cents, currency),
        ),
        _("Money back: {amount}").format(amount=format_money(result.money_back_cents, currency)),
        _("Points taken back: {points}, points given back: {returned}").format(
            points=format_points(result.points_reversed),
            returned=format_points(result.points_returned),
        ),
        _("New balance: {points}").format(points=format_points(result.points_balance)),
    ]
    if result.points_not_recovered:
        lines.append(
            ngettext(
                "{points} earned point was already spent and could not be taken back",
                "{points} earned points were already spent and could not be taken back",
                result.points_not_recovered,
            ).format(points=format_points(result.points_not_recovered))
        )
    for code in result.coupons_returned:
        lines.append(_("Coupon {code} can be used again").format(code=code))
    if result.replayed:
        lines.insert(
            0,
            _("Request {id} was already booked: nothing was booked again").format(
                id=args.request_id
            ),
        )
    emit(args, result.to_json(), lines)
    return 0


def cmd_adjust(args: argparse.Namespace) -> int:
    from app.services.adjustments import adjust_points

    result = adjust_points(open_context(args), args.card, args.points, args.reason)
    lines = [
        ngettext(
            "Adjusted {card} by {points} point ({reason})",
            "Adjusted {card} by {points} points ({reason})",
            abs(result.points),
        ).format(card=result.card, points=f"{result.points:+d}", reason=result.reason),
        _("New balance: {points}").format(points=format_points(result.points_balance)),
    ]
    emit(args, result.to_json(), lines)
    return 0
