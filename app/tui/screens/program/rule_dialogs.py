"""The program screen's forms for a tier, a campaign and a stamp program.

Each dialog parses what the owner typed with the domain's parsers, shows a message next to
each field it cannot use, and saves through the program services. Dismisses with what was
saved, or None when cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.binding import Binding, BindingType

from app.domain.money import REFUND_TYPING_LIMIT_CENTS, parse_amount
from app.domain.program import (
    Campaign,
    Tier,
    format_typed_day,
    format_weekdays,
    parse_day,
    parse_hours,
    parse_multiplier,
    parse_percent,
    parse_weekdays,
)
from app.i18n import _
from app.services.context import Context
from app.services.program_rules import add_campaign, add_tier
from app.services.stamps import add_program
from app.tui.screens.form_dialog import Field, FormDialog, optional, whole_number

# --- tiers ------------------------------------------------------------------------------------


class TierDialog(FormDialog):
    """Add a tier, or change one (its name stays)."""

    def __init__(self, ctx: Context, tier: Tier | None = None) -> None:
        super().__init__(ctx)
        self.tier = tier
        self.title_text = _("Change tier {name}").format(name=tier.name) if tier else _("New tier")
        self.action_label = _("Save")

    def fields(self) -> list[Field]:
        from decimal import Decimal

        from babel.numbers import format_decimal

        from app.i18n import current_locale

        tier = self.tier
        spend = multiplier = discount = ""
        if tier is not None:
            spend = format_decimal(
                Decimal(tier.min_spend_cents) / 100, "0.00", locale=current_locale()
            )
            multiplier = format_decimal(Decimal(tier.multiplier) / 100, locale=current_locale())
            discount = str(tier.discount_percent)
        return [
            Field(
                "name",
                _("Name"),
                _("e.g. Gold"),
                tier.name if tier else "",
                required=True,
                disabled=tier is not None,
            ),
            Field("min_spend", _("Qualifying spend"), _("e.g. 300.00"), spend, required=True),
            Field(
                "multiplier", _("Points multiplier"), _("e.g. 2 or 1.5"), multiplier, required=True
            ),
            Field("discount", _("Member discount %"), _("optional, e.g. 5"), discount),
        ]

    def submit(self) -> Callable[[], Tier]:
        currency = self.ctx.rules().currency
        values = self.parse(
            {
                "name": str,
                "min_spend": lambda t: parse_amount(
                    t, max_cents=REFUND_TYPING_LIMIT_CENTS, allow_zero=True, currency=currency
                ),
                "multiplier": parse_multiplier,
                "discount": lambda t: parse_percent(t) if t.strip() else 0,
            }
        )
        return lambda: add_tier(
            self.ctx, values["name"], values["min_spend"], values["multiplier"], values["discount"]
        )


# --- campaigns --------------------------------------------------------------------------------


class CampaignDialog(FormDialog):
    """Add a campaign, or change one (its name stays)."""

    def __init__(self, ctx: Context, campaign: Campaign | None = None) -> None:
        super().__init__(ctx)
        self.campaign = campaign
        self.title_text = (
            _("Change campaign {name}").format(name=campaign.name)
            if campaign
            else _("New campaign")
        )
        self.action_label = _("Save")

    def fields(self) -> list[Field]:
        from decimal import Decimal

        from babel.numbers import format_decimal

        from app.i18n import current_locale

        data: dict[str, Any] = self.campaign.to_json() if self.campaign else {}
        multiplier = (
            format_decimal(Decimal(self.campaign.multiplier) / 100, locale=current_locale())
            if self.campaign
            else ""
        )
        return [
            Field(
                "name",
                _("Name"),
                _("e.g. Double Tuesday"),
                data.get("name", ""),
                required=True,
                disabled=self.campaign is not None,
            ),
            Field(
                "multiplier", _("Points multiplier"), _("e.g. 2 or 1.5"), multiplier, required=True
            ),
            Field(
                "from",
                _("From (date)"),
                _("optional, YYYY-MM-DD"),
                format_typed_day(data.get("from")),
            ),
            Field(
                "until",
                _("Until (date)"),
                _("optional, YYYY-MM-DD"),
                format_typed_day(data.get("until")),
            ),
            Field(
                "weekdays",
                _("Weekdays"),
                _("optional, e.g. tue or sat,sun"),
                format_weekdays(data.get("weekdays") or []),
            ),
            Field("hours", _("Hours"), _("optional, e.g. 14-17"), data.get("hours") or ""),
        ]

    def submit(self) -> Callable[[], Campaign]:
        values = self.parse(
            {
                "name": str,
                "multiplier": parse_multiplier,
                "from": optional(parse_day),
                "until": optional(parse_day),
                "weekdays": lambda t: parse_weekdays(t) if t.strip() else (),
                "hours": optional(parse_hours),
            }
        )
        return lambda: add_campaign(
            self.ctx,
            values["name"],
            values["multiplier"],
            from_day=values["from"],
            until_day=values["until"],
            weekdays=values["weekdays"],
            hours=values["hours"],
        )


# --- stamp programs ---------------------------------------------------------------------------


class StampProgramDialog(FormDialog):
    """Start a stamp program: its name, the stamps of a full card and the reward."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", _("Cancel"), key_display=_("Esc")),
        Binding("f9", "confirm", _("Add"), key_display="F9"),
    ]

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.title_text = _("New stamp card")
        self.action_label = _("Add")

    def fields(self) -> list[Field]:
        return [
            Field("name", _("Name"), _("e.g. Coffee"), required=True),
            Field("stamps", _("Stamps for a full card"), _("e.g. 10"), required=True),
            Field("reward", _("Reward"), _("e.g. a free coffee"), required=True),
        ]

    def submit(self) -> Callable[[], Any]:
        values = self.parse({"name": str, "stamps": whole_number, "reward": str})
        return lambda: add_program(self.ctx, values["name"], values["stamps"], values["reward"])
