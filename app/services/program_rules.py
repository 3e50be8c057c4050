"""The owner changes the program: tiers and campaigns, stored as settings (audited)."""

from __future__ import annotations

from datetime import date

from app.domain.errors import InvalidInput
from app.domain.program import (
    Campaign,
    Tier,
    check_campaign_days,
    parse_name,
    sorted_tiers,
)
from app.domain.text import quote_input
from app.i18n import _
from app.services.context import Context
from app.services.settings import write_setting


def list_tiers(ctx: Context) -> tuple[Tier, ...]:
    """The tiers, lowest qualifying spend first."""
    return ctx.program().tiers


def add_tier(
    ctx: Context, name: str, min_spend_cents: int, multiplier: int, discount_percent: int = 0
) -> Tier:
    """Add a tier (or change the one of that name)."""
    tier = Tier(
        name=parse_name(name),
        min_spend_cents=min_spend_cents,
        multiplier=multiplier,
        discount_percent=discount_percent,
    )
    if min_spend_cents < 0:
        raise InvalidInput(_("The qualifying spend cannot be negative"))
    others = [t for t in ctx.program().tiers if t.name.casefold() != tier.name.casefold()]
    if any(t.min_spend_cents == min_spend_cents for t in others):
        raise InvalidInput(_("Another tier already starts at this spend"))
    _store_tiers(ctx, [*others, tier])
    return tier


def remove_tier(ctx: Context, name: str) -> Tier:
    """Remove a tier by name (members move to the tier their spend reaches at the next sale)."""
    key = parse_name(name).casefold()
    tiers = ctx.program().tiers
    found = [t for t in tiers if t.name.casefold() == key]
    if not found:
        raise InvalidInput(_("There is no tier “{name}”").format(name=quote_input(name)))
    _store_tiers(ctx, [t for t in tiers if t.name.casefold() != key])
    return found[0]


def _store_tiers(ctx: Context, tiers: list[Tier]) -> None:
    write_setting(
        ctx.db,
        "program.tiers",
        [t.to_json() for t in sorted_tiers(tiers)],
        ctx.now(),
        actor=ctx.actor,
        till=ctx.till,
        approver=ctx.approver,
    )
    ctx.forget_settings()


def list_campaigns(ctx: Context) -> tuple[Campaign, ...]:
    return ctx.program().campaigns


def add_campaign(
    ctx: Context,
    name: str,
    multiplier: int,
    *,
    from_day: date | None = None,
    until_day: date | None = None,
    weekdays: tuple[int, ...] = (),
    hours: tuple[int, int] | None = None,
) -> Campaign:
    """Add a campaign (or change the one of that name)."""
    campaign = Campaign(
        name=parse_name(name),
        multiplier=multiplier,
        from_day=from_day,
        until_day=until_day,
        weekdays=weekdays,
        hours=hours,
    )
    check_campaign_days(campaign)
    key = campaign.name.casefold()
    others = [c for c in ctx.program().campaigns if c.name.casefold() != key]
    _store_campaigns(ctx, [*others, campaign])
    return campaign


def remove_campaign(ctx: Context, name: str) -> Campaign:
    key = parse_name(name).casefold()
    campaigns = ctx.program().campaigns
    found = [c for c in campaigns if c.name.casefold() == key]
    if not found:
        raise InvalidInput(_("There is no campaign “{name}”").format(name=quote_input(name)))
    _store_campaigns(ctx, [c for c in campaigns if c.name.casefold() != key])
    return found[0]


def _store_campaigns(ctx: Context, campaigns: list[Campaign]) -> None:
    write_setting(
        ctx.db,
        "program.campaigns",
        [c.to_json() for c in campaigns],
        ctx.now(),
        actor=ctx.actor,
        till=ctx.till,
        approver=ctx.approver,
    )
    ctx.forget_settings()
