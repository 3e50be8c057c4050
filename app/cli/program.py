"""`loyalty tier` and `loyalty campaign`: the program's tiers and its extra-points campaigns."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from app.cli.common import Subcommands, add_command, add_group, emit, open_context, shop_currency
from app.domain.money import REFUND_TYPING_LIMIT_CENTS
from app.i18n import _, format_day, format_money, format_percent

if TYPE_CHECKING:
    from app.domain.program import Campaign, Tier


def register(subcommands: Subcommands) -> None:
    """`loyalty tier add|list|remove` and `loyalty campaign add|list|remove`."""
    tsub = add_group(subcommands, "tier", _("tiers: qualifying spend, multiplier, member discount"))
    p = add_command(tsub, "add", cmd_tier_add, _("add a tier or change the one of that name"))
    p.add_argument("name", metavar="NAME")
    p.add_argument(
        "--min-spend", required=True, metavar="AMOUNT", help=_("qualifying spend, e.g. 500")
    )
    p.add_argument("--multiplier", required=True, metavar="X", help=_("points multiplier, e.g. 2"))
    p.add_argument("--discount-percent", metavar="P", help=_("member discount in percent"))
    add_command(tsub, "list", cmd_tier_list, _("list the tiers"))
    p = add_command(tsub, "remove", cmd_tier_remove, _("remove a tier"))
    p.add_argument("name", metavar="NAME")

    casub = add_group(subcommands, "campaign", _("extra points for dates, weekdays or hours"))
    p = add_command(
        casub, "add", cmd_campaign_add, _("add a campaign or change the one of that name")
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument("--multiplier", required=True, metavar="X", help=_("points multiplier, e.g. 2"))
    p.add_argument("--from", dest="from_day", metavar="YYYY-MM-DD", help=_("first day"))
    p.add_argument("--until", dest="until_day", metavar="YYYY-MM-DD", help=_("last day"))
    p.add_argument("--weekdays", metavar="mon,tue", help=_("only on these weekdays"))
    p.add_argument("--hours", metavar="14-17", help=_("only in these hours (local time)"))
    add_command(casub, "list", cmd_campaign_list, _("list the campaigns"))
    p = add_command(casub, "remove", cmd_campaign_remove, _("remove a campaign"))
    p.add_argument("name", metavar="NAME")


def _tier_json(tier: Tier) -> dict[str, Any]:
    from app.domain.program import format_multiplier

    return {**tier.to_json(), "multiplier_text": format_multiplier(tier.multiplier)}


def _tier_line(tier: Tier, currency: str) -> str:
    from app.domain.program import format_multiplier

    line = _("{name}: from {spend}, points {multiplier}").format(
        name=tier.name,
        spend=format_money(tier.min_spend_cents, currency),
        multiplier=format_multiplier(tier.multiplier),
    )
    if tier.discount_percent:
        line += ", " + _("{percent} member discount").format(
            percent=format_percent(tier.discount_percent)
        )
    return line


def cmd_tier_add(args: argparse.Namespace) -> int:
    from app.domain.money import parse_amount
    from app.domain.program import parse_multiplier, parse_percent
    from app.services.program_rules import add_tier

    ctx = open_context(args)
    currency = shop_currency(ctx)
    spend = parse_amount(
        args.min_spend, max_cents=REFUND_TYPING_LIMIT_CENTS, allow_zero=True, currency=currency
    )
    tier = add_tier(
        ctx,
        args.name,
        spend,
        parse_multiplier(args.multiplier),
        parse_percent(args.discount_percent) if args.discount_percent is not None else 0,
    )
    emit(args, _tier_json(tier), [_("Tier saved: {line}").format(line=_tier_line(tier, currency))])
    return 0


def cmd_tier_list(args: argparse.Namespace) -> int:
    from app.services.program_rules import list_tiers

    ctx = open_context(args)
    tiers = list_tiers(ctx)
    lines = [_tier_line(t, shop_currency(ctx)) for t in tiers] or [_("No tiers set up")]
    lines.append(
        _("Qualifying spend: {period}").format(
            period=_("lifetime")
            if ctx.program().tier_period == "lifetime"
            else _("the last 12 months")
        )
    )
    emit(
        args,
        {"tiers": [_tier_json(t) for t in tiers], "period": ctx.program().tier_period},
        lines,
    )
    return 0


def cmd_tier_remove(args: argparse.Namespace) -> int:
    from app.services.program_rules import remove_tier

    tier = remove_tier(open_context(args), args.name)
    emit(args, _tier_json(tier), [_("Tier removed: {name}").format(name=tier.name)])
    return 0


def _campaign_line(campaign: Campaign) -> str:
    from app.domain.program import format_multiplier, format_weekdays

    parts = [f"{campaign.name}: {format_multiplier(campaign.multiplier)}"]
    if campaign.from_day:
        parts.append(_("from {date}").format(date=format_day(campaign.from_day)))
    if campaign.until_day:
        parts.append(_("until {date}").format(date=format_day(campaign.until_day)))
    data = campaign.to_json()
    if data["weekdays"]:
        parts.append(format_weekdays(data["weekdays"]))
    if data["hours"]:
        parts.append(_("hours {hours}").format(hours=data["hours"]))
    return " ".join(parts)


def cmd_campaign_add(args: argparse.Namespace) -> int:
    from app.domain.program import parse_day, parse_hours, parse_multiplier, parse_weekdays
    from app.services.program_rules import add_campaign

    campaign = add_campaign(
        open_context(args),
        args.name,
        parse_multiplier(args.multiplier),
        from_day=parse_day(args.from_day) if args.from_day else None,
        until_day=parse_day(args.until_day) if args.until_day else None,
        weekdays=parse_weekdays(args.weekdays) if args.weekdays else (),
        hours=parse_hours(args.hours) if args.hours else None,
    )
    emit(
        args,
        campaign.to_json(),
        [_("Campaign saved: {line}").format(line=_campaign_line(campaign))],
    )
    return 0


def cmd_campaign_list(args: argparse.Namespace) -> int:
    from app.services.program_rules import list_campaigns

    ctx = open_context(args)
    campaigns = list_campaigns(ctx)
    active = {c.name for c in ctx.program().campaigns_at(ctx.now())}
    lines = [
        _campaign_line(c) + ("  " + _("(active now)") if c.name in active else "")
        for c in campaigns
    ] or [_("No campaigns set up")]
    emit(
        args,
        {"campaigns": [{**c.to_json(), "active_now": c.name in active} for c in campaigns]},
        lines,
    )
    return 0


def cmd_campaign_remove(args: argparse.Namespace) -> int:
    from app.services.program_rules import remove_campaign

    campaign = remove_campaign(open_context(args), args.name)
    emit(args, campaign.to_json(), [_("Campaign removed: {name}").format(name=campaign.name)])
    return 0
