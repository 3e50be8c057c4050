"""The tiers tab: the period whose spend counts, and the tiers (spend, multiplier, discount)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, Select

from app.domain.program import format_multiplier
from app.i18n import _, format_money, format_percent
from app.services.program_rules import list_tiers, remove_tier
from app.tui.screens.program.forms import choices, save_settings
from app.tui.screens.program.lists import Row, RuleListTab
from app.tui.screens.program.rule_dialogs import TierDialog
from app.tui.widgets.field_select import FieldSelect

TIERS = "program-tiers"


class TiersTab(RuleListTab):
    """The tiers a member's spend reaches; the qualifying period is saved as soon as chosen."""

    TAB_ID: ClassVar[str] = TIERS
    TABLE_ID: ClassVar[str] = "tiers"
    KEYS: ClassVar[frozenset[str]] = frozenset({"add", "edit", "remove"})

    @staticmethod
    def title() -> str:
        return _("Tiers")

    def compose_settings(self) -> ComposeResult:
        with Horizontal(id="tier-period-row"):
            yield Label(_("Qualifying spend:"))
            # Built with the stored value: a first "change" would save it.
            yield FieldSelect(
                choices("program.tier_period"),
                value=str(self.ctx.settings()["program.tier_period"]),
                allow_blank=False,
                compact=True,
                id="set-tier-period",
            )

    def columns(self) -> tuple[str, ...]:
        return (_("Tier"), _("From (spend)"), _("Points"), _("Member discount"))

    def show_period(self, settings: Mapping[str, object]) -> None:
        """Show the stored period (without saving it again)."""
        period = self.query_one("#set-tier-period", Select)
        with period.prevent(Select.Changed):
            period.value = str(settings["program.tier_period"])

    @on(Select.Changed, "#set-tier-period")
    def _tier_period_changed(self, event: Select.Changed) -> None:
        """The qualifying spend's period is saved as soon as it is chosen."""
        value = str(event.value)
        if value == str(self.ctx.settings()["program.tier_period"]):
            return
        label = dict((v, k) for k, v in choices("program.tier_period"))[value]
        save_settings(
            self.db,
            self.ctx,
            {"program.tier_period": value},
            lambda _changed: self.say(
                _("Saved: tiers count the spend of {period}").format(period=label), "success"
            ),
            lambda exc: self.say(exc.message, "error"),
        )

    def load(self) -> None:
        currency = self.ctx.rules().currency
        rows: list[Row] = [
            (
                tier.name,
                [
                    Text(tier.name),
                    Text(format_money(tier.min_spend_cents, currency), justify="right"),
                    Text(format_multiplier(tier.multiplier), justify="right"),
                    Text(format_percent(tier.discount_percent) if tier.discount_percent else "–"),
                ],
            )
            for tier in list_tiers(self.ctx)
        ]
        self.fill(rows, _("No tiers yet: F4 adds one (e.g. Gold from 300.00, x2)."))

    def add(self) -> None:
        self.open_dialog(TierDialog(self.ctx), _("Tier saved: {name}"))

    def edit(self) -> None:
        name = self.selected()
        if name is None:
            return
        tier = next((t for t in list_tiers(self.ctx) if t.name == name), None)
        if tier is not None:
            self.open_dialog(TierDialog(self.ctx, tier), _("Tier saved: {name}"))

    def removal(self) -> tuple[str, str]:
        return (
            _("Remove tier {name}?"),
            _("Members move to the tier their spend reaches at their next sale."),
        )

    def remove_rule(self, name: str) -> None:
        remove_tier(self.ctx, name)
