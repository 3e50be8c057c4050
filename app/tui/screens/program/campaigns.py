"""The campaigns tab: the shop's time zone (weekdays and hours are the shop's), and the
campaigns (extra points for a period, on weekdays, at hours)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Label

from app.domain.program import format_multiplier, format_weekdays
from app.i18n import _, format_day
from app.services.program_rules import list_campaigns, remove_campaign
from app.tui.screens.program.forms import save_settings
from app.tui.screens.program.lists import Row, RuleListTab
from app.tui.screens.program.rule_dialogs import CampaignDialog
from app.tui.widgets.ordered_input import OrderedInput

CAMPAIGNS = "program-campaigns"


def campaign_days(data: dict[str, Any]) -> str:
    return format_weekdays(data["weekdays"]) if data["weekdays"] else _("every day")


class CampaignsTab(RuleListTab):
    """The campaigns, marked when active now; the time zone is saved with Enter (or F9)."""

    TAB_ID: ClassVar[str] = CAMPAIGNS
    TABLE_ID: ClassVar[str] = "campaigns"
    KEYS: ClassVar[frozenset[str]] = frozenset({"save", "add", "edit", "remove"})

    @staticmethod
    def title() -> str:
        return _("Campaigns")

    def compose_settings(self) -> ComposeResult:
        with Horizontal(id="timezone-row"):
            yield Label(_("Weekdays and hours in the time zone:"))
            yield OrderedInput(
                value=str(self.ctx.settings()["shop.timezone"]),
                placeholder=_("this computer's"),
                compact=True,
                id="set-timezone",
            )

    def columns(self) -> tuple[str, ...]:
        return (
            _("Campaign"),
            _("Points"),
            _("From"),
            _("Until"),
            _("Days"),
            _("Hours"),
            _("Now"),
        )

    @property
    def timezone(self) -> Input:
        return self.query_one("#set-timezone", Input)

    def unsaved(self) -> bool:
        """Whether the time zone was changed and not saved."""
        return self.timezone.value.strip() != self.ctx.settings()["shop.timezone"]

    @on(Input.Submitted, "#set-timezone")
    def _timezone_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._save_timezone(event.value)

    def _save_timezone(self, value: str) -> None:
        """The shop's time zone (campaign weekdays and hours, birthdays), saved with Enter."""
        save_settings(
            self.db,
            self.ctx,
            {"shop.timezone": value},
            self._timezone_saved,
            lambda exc: self.say(exc.errors.get("shop.timezone", exc.message), "error"),
        )

    def _timezone_saved(self, changed: dict[str, Any]) -> None:
        zone = str(self.ctx.settings()["shop.timezone"])
        self.timezone.value = zone
        self.load()
        if not changed:
            self.say(_("Nothing to save: no setting was changed"))
        elif zone:
            self.say(_("Saved: the shop's time zone is {zone}").format(zone=zone), "success")
        else:
            self.say(_("Saved: the till computer's time zone is used"), "success")
        self.table.focus()

    def load(self) -> None:
        active = {c.name for c in self.ctx.program().campaigns_at(self.ctx.now())}
        rows: list[Row] = []
        for campaign in list_campaigns(self.ctx):
            data = campaign.to_json()
            rows.append(
                (
                    campaign.name,
                    [
                        Text(campaign.name),
                        Text(format_multiplier(campaign.multiplier), justify="right"),
                        Text(format_day(campaign.from_day) if campaign.from_day else "–"),
                        Text(format_day(campaign.until_day) if campaign.until_day else "–"),
                        Text(campaign_days(data)),
                        Text(data["hours"] or _("all day")),
                        Text(_("active") if campaign.name in active else ""),
                    ],
                )
            )
        self.fill(rows, _("No campaigns yet: F4 adds one (e.g. double points on Tuesdays)."))

    def add(self) -> None:
        self.open_dialog(CampaignDialog(self.ctx), _("Campaign saved: {name}"))

    def edit(self) -> None:
        name = self.selected()
        if name is None:
            return
        campaign = next((c for c in list_campaigns(self.ctx) if c.name == name), None)
        if campaign is not None:
            self.open_dialog(CampaignDialog(self.ctx, campaign), _("Campaign saved: {name}"))

    def removal(self) -> tuple[str, str]:
        return (
            _("Remove campaign {name}?"),
            _("Its extra points stop now; points already given stay."),
        )

    def remove_rule(self, name: str) -> None:
        remove_campaign(self.ctx, name)
