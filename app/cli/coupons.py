"""`loyalty coupon`: create coupons (one code or a batch of single-use codes), list, show."""

from __future__ import annotations

import argparse
from datetime import date, datetime
from typing import TYPE_CHECKING

from app.cli.common import (
    CliError,
    Parser,
    Subcommands,
    add_command,
    add_group,
    emit,
    open_context,
    sale_amount,
    shop_currency,
)
from app.i18n import _, format_day, format_money, format_timestamp, ngettext

if TYPE_CHECKING:
    from app.domain.coupons import Coupon
    from app.services.context import Context
    from app.services.coupons import CouponView


def register(subcommands: Subcommands) -> None:
    """`loyalty coupon create|batch|list|show`."""
    cosub = add_group(subcommands, "coupon", _("create, list and show coupons"))
    p = add_command(cosub, "create", cmd_coupon_create, _("create a coupon with one code"))
    p.add_argument("--code", required=True, help=_("the code, e.g. SUMMER10"))
    _rule_options(p, batch=False)
    p.add_argument("--card", metavar="CARD", help=_("only the member of this card may use it"))
    p = add_command(
        cosub, "batch", cmd_coupon_batch, _("create a batch of unique single-use codes")
    )
    p.add_argument("--count", type=int, required=True, metavar="N", help=_("how many codes"))
    p.add_argument("--prefix", metavar="P", help=_("text before each code, e.g. XMAS"))
    _rule_options(p, batch=True)
    p.add_argument(
        "--out", metavar="FILE", help=_("print the codes to FILE (pdf) or a folder (png, svg)")
    )
    p.add_argument("--format", metavar="pdf|png|svg", help=_("print format (default: pdf)"))
    add_command(cosub, "list", cmd_coupon_list, _("list every coupon with its uses"))
    p = add_command(cosub, "show", cmd_coupon_show, _("show a coupon and where it was used"))
    p.add_argument("code", metavar="CODE")


def _rule_options(p: Parser, *, batch: bool) -> None:
    """What a coupon gives and when; a batch's codes are single-use, so no use limits."""
    p.add_argument("--percent", type=int, metavar="P", help=_("percent off (1-100)"))
    p.add_argument("--amount", metavar="A", help=_("amount off, e.g. 5.00"))
    p.add_argument("--points", type=int, metavar="N", help=_("extra points"))
    p.add_argument("--item", metavar="TEXT", help=_("a free item, e.g. coffee"))
    p.add_argument("--min-spend", metavar="A", help=_("smallest purchase it applies to"))
    p.add_argument("--valid-from", metavar="YYYY-MM-DD", help=_("first day it is valid"))
    p.add_argument("--valid-until", metavar="YYYY-MM-DD", help=_("last day it is valid"))
    if not batch:
        p.add_argument("--max-uses", type=int, metavar="N", help=_("uses in total"))
        p.add_argument("--per-member", type=int, metavar="N", help=_("uses per member"))


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CliError(
            _("{option}: “{text}” is not a date: use YYYY-MM-DD").format(option=option, text=text)
        ) from None


def _coupon_rule(ctx: Context, args: argparse.Namespace, code: str) -> Coupon:
    """The coupon rule from the command line (exactly one of --percent/--amount/--points/--item)."""
    from app.domain.coupons import Coupon

    given = [k for k in ("percent", "amount", "points", "item") if getattr(args, k) is not None]
    if len(given) != 1:
        raise CliError(_("Give exactly one of --percent, --amount, --points or --item"))
    kind = given[0]
    value = 0
    if kind == "percent" or kind == "points":
        value = getattr(args, kind)
    elif kind == "amount":
        value = sale_amount(ctx, args.amount)
    min_spend = (
        sale_amount(ctx, args.min_spend, allow_zero=True) if args.min_spend is not None else 0
    )
    return Coupon(
        code=code,
        kind=kind,
        value=value,
        item=(args.item or "").strip(),
        min_spend_cents=min_spend,
        valid_from=_day(args.valid_from, "--valid-from"),
        valid_until=_day(args.valid_until, "--valid-until"),
        max_uses=getattr(args, "max_uses", None),
        per_member=getattr(args, "per_member", None),
    )


def _coupon_line(view: CouponView, currency: str) -> str:
    rule = view.coupon
    parts = [view.label.removesuffix(" " + rule.code)]
    if rule.min_spend_cents:
        parts.append(_("from {amount}").format(amount=format_money(rule.min_spend_cents, currency)))
    if rule.valid_from:
        parts.append(_("valid from {day}").format(day=format_day(rule.valid_from)))
    if rule.valid_until:
        parts.append(_("valid until {day}").format(day=format_day(rule.valid_until)))
    if rule.max_uses is not None:
        parts.append(_("used {uses} of {max}").format(uses=view.uses, max=rule.max_uses))
    else:
        parts.append(_("uses: {n}").format(n=view.uses))
    if rule.per_member is not None:
        parts.append(_("{n} per member").format(n=rule.per_member))
    if rule.member_id is not None:
        parts.append(_("only member {id}").format(id=rule.member_id))
    return f"{rule.code}: " + " · ".join(parts)


def cmd_coupon_create(args: argparse.Namespace) -> int:
    from app.services.coupons import create_coupon

    ctx = open_context(args)
    view = create_coupon(ctx, _coupon_rule(ctx, args, args.code), card=args.card)
    line = _("Coupon created: {line}").format(line=_coupon_line(view, shop_currency(ctx)))
    emit(args, view.to_json(), [line])
    return 0


def cmd_coupon_batch(args: argparse.Namespace) -> int:
    from app.services.coupons import create_batch

    ctx = open_context(args)
    if args.format is not None and args.out is None:
        raise CliError(_("Give the file or folder to print the coupons to (--out)"))
    fmt = args.format or ("pdf" if args.out is not None else None)
    result = create_batch(
        ctx,
        args.count,
        _coupon_rule(ctx, args, "BATCH"),
        prefix=args.prefix or "",
        fmt=fmt,
        out=args.out,
    )
    lines = [
        ngettext(
            "{count} single-use code created", "{count} single-use codes created", len(result.codes)
        ).format(count=len(result.codes))
    ]
    lines += [f"  {code}" for code in result.codes]
    if result.destination:
        lines.append(
            _("Printed ({format}) to {destination}").format(
                format=result.format, destination=result.destination
            )
        )
    emit(args, result.to_json(), lines)
    return 0


def cmd_coupon_list(args: argparse.Namespace) -> int:
    from app.services.coupons import list_coupons

    ctx = open_context(args)
    views = list_coupons(ctx)
    currency = shop_currency(ctx)
    lines = [_coupon_line(v, currency) for v in views] or [_("No coupons yet")]
    emit(args, {"coupons": [v.to_json() for v in views]}, lines)
    return 0


def cmd_coupon_show(args: argparse.Namespace) -> int:
    from app.services.coupons import show_coupon

    ctx = open_context(args)
    view = show_coupon(ctx, args.code)
    currency = shop_currency(ctx)
    lines = [_coupon_line(view, currency)]
    for r in view.redemptions:
        line = _("  Sale {sale} by member {member}, store {store} till {till}, {when}").format(
            sale=r["sale_id"],
            member=r["member_id"],
            store=r["store_code"],
            till=r["till"],
            when=format_timestamp(datetime.fromisoformat(r["created_at"])),
        )
        if r["undone_at"]:
            line += " " + _("(undone by a full refund)")
        lines.append(line)
    emit(args, view.to_json(), lines)
    return 0
