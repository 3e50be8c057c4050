"""The owner's program screen: every rule of the loyalty program, one tab per group.

Earning, bonuses and expiry are forms (F9 saves them, all or nothing); tiers, campaigns,
coupons and stamp cards are lists with a dialog to add (F4) and a key to remove (Del).
Every change goes through the program services, which validate, audit and write the sync
event; this screen only reads fields and shows what the services answer.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import (
    Checkbox,
    DataTable,
    Header,
    Input,
    Label,
    Select,
    Static,
    TabbedContent,
    TabPane,
)
from textual.widgets.data_table import RowDoesNotExist

from app.domain.errors import LoyaltyError, ValidationFailed
from app.domain.program import format_multiplier
from app.i18n import _, format_day, format_money, format_points, ngettext
from app.services.context import Context
from app.services.coupons import BatchResult, CouponView, list_coupons, show_coupon
from app.services.program_rules import (
    list_campaigns,
    list_tiers,
    remove_campaign,
    remove_tier,
)
from app.services.settings import setting_bounds, write_settings
from app.services.stamps import list_programs, remove_program
from app.tui.counter import DATABASE_ERRORS
from app.tui.widgets.key_bar import KeyBar

EARNING = "program-earning"
TIERS = "program-tiers"
CAMPAIGNS = "program-campaigns"
BONUSES = "program-bonuses"
EXPIRY = "program-expiry"
COUPONS = "program-coupons"
STAMPS = "program-stamps"
TABS = (EARNING, TIERS, CAMPAIGNS, BONUSES, EXPIRY, COUPONS, STAMPS)

# The settings each form tab shows; F9 saves every form at once.
FORMS: dict[str, tuple[str, ...]] = {
    EARNING: (
        "program.earn_points_per_unit",
        "program.redeem_points_per_unit",
        "program.earn_on_points_paid",
        "program.earn_on_discount",
    ),
    BONUSES: (
        "program.birthday_points",
        "program.birthday_period",
        "program.signup_bonus",
        "program.profile_bonus",
        "program.referral_bonus",
    ),
    EXPIRY: ("program.expiry", "program.expiry_months"),
}
CHECKBOXES = ("program.earn_on_points_paid", "program.earn_on_discount")
# The list tabs: what F4 adds and Del removes there.
ADDS = (TIERS, CAMPAIGNS, STAMPS)
REMOVES = (TIERS, CAMPAIGNS, STAMPS)
EDITS = (TIERS, CAMPAIGNS)
# Settings shown above a list, saved on their own (a choice when made, a text with Enter).
LIST_SETTINGS = ("set-tier-period", "set-timezone")
COUPON_ROWS = 1_000
"""The most coupons the list shows (the newest)."""
TABLES = {TIERS: "#tiers", CAMPAIGNS: "#campaigns", COUPONS: "#coupons", STAMPS: "#stamps"}


class ToggleBox(Checkbox, inherit_bindings=False):
    """A checkbox that only Space toggles: Enter moves on to the next field, like elsewhere."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_button", show=False),
        Binding("enter", "app.focus_next", show=False),
    ]


class RuleTable(DataTable[Any], inherit_bindings=False):
    """A list of rules: the arrows move; Enter is the screen's (change the rule, on the key bar)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", show=False),
        Binding("down", "cursor_down", show=False),
        Binding("pageup", "page_up", show=False),
        Binding("pagedown", "page_down", show=False),
        Binding("home", "scroll_top", show=False),
        Binding("end", "scroll_bottom", show=False),
    ]


def widget_id(key: str) -> str:
    """``program.earn_points_per_unit`` -> ``set-earn-points-per-unit``."""
    return "set-" + key.removeprefix("program.").replace("_", "-")


def bounds_hint(key: str) -> str:
    """The range of a number field, shown beside it: "1 to 1,000"."""
    bounds = setting_bounds(key)
    if bounds is None:
        return ""
    return _("{low} to {high}").format(low=format_points(bounds[0]), high=format_points(bounds[1]))


def choices(key: str) -> list[tuple[str, str]]:
    """The choices of a setting shown as a select, in the owner's words."""
    if key == "program.birthday_period":
        return [(_("in the birthday week"), "week"), (_("in the birthday month"), "month")]
    if key == "program.expiry":
        return [
            (_("never"), "never"),
            (_("N months after they were earned"), "earned"),
            (_("after N months without a purchase"), "inactive"),
        ]
    if key == "program.tier_period":
        return [(_("the last 12 months"), "12months"), (_("lifetime"), "lifetime")]
    return []


def coupon_validity(view: CouponView) -> str:
    rule = view.coupon
    if rule.valid_from and rule.valid_until:
        return _("{start} – {end}").format(
            start=format_day(rule.valid_from), end=format_day(rule.valid_until)
        )
    if rule.valid_from:
        return _("from {date}").format(date=format_day(rule.valid_from))
    if rule.valid_until:
        return _("until {date}").format(date=format_day(rule.valid_until))
    return _("always")


def coupon_uses(view: CouponView) -> str:
    rule = view.coupon
    text = (
        _("{uses} of {max}").format(uses=view.uses, max=rule.max_uses)
        if rule.max_uses is not None
        else str(view.uses)
    )
    if rule.per_member is not None:
        text += " · " + _("{n}/member").format(n=rule.per_member)
    return text


def campaign_days(data: dict[str, Any]) -> str:
    return ",".join(data["weekdays"]) if data["weekdays"] else _("every day")


class ProgramScreen(Screen[None]):
    """The loyalty program's rules, one tab per group; Esc goes back to the counter."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", _("Back"), key_display="Esc"),
        Binding("f2", "next_tab", _("Next tab"), key_display="F2"),
        Binding("f3", "previous_tab", _("Prev tab"), key_display="F3"),
        Binding("f9", "save", _("Save"), key_display="F9"),
        Binding("f4", "add", _("Add"), key_display="F4"),
        Binding("f4", "new_coupon", _("New code"), key_display="F4"),
        Binding("f5", "new_batch", _("Batch"), key_display="F5"),
        Binding("enter", "edit", _("Change"), key_display="Enter"),
        Binding("enter", "show_coupon", _("Show"), key_display="Enter"),
        Binding("delete", "remove", _("Remove"), key_display="Del"),
    ]

    DEFAULT_CSS = """
    ProgramScreen #program-message {
        height: auto;
        max-height: 2;
        padding: 0 1;
        color: $text-muted;
    }
    ProgramScreen #program-message.-error {
        color: $text-error;
        text-style: bold;
    }
    ProgramScreen #program-message.-success {
        color: $text-success;
        text-style: bold;
    }
    ProgramScreen TabbedContent {
        height: 1fr;
    }
    ProgramScreen TabPane {
        padding: 0;
    }
    ProgramScreen .form {
        height: 1fr;
        padding: 0 1;
    }
    ProgramScreen .set-row {
        height: 1;
        margin-top: 1;
    }
    ProgramScreen .set-row Label {
        width: 34;
    }
    ProgramScreen .set-row Input {
        width: 12;
    }
    ProgramScreen .set-row .set-hint {
        width: 1fr;
        padding-left: 2;
        color: $text-muted;
    }
    ProgramScreen .set-row Select {
        width: 1fr;
    }
    ProgramScreen .set-error {
        color: $text-error;
        padding-left: 34;
        display: none;
    }
    ProgramScreen .set-error.-shown {
        display: block;
    }
    ProgramScreen .explain {
        color: $text-muted;
        margin-top: 1;
        padding: 0 1;
    }
    ProgramScreen #tier-period-row, ProgramScreen #timezone-row {
        height: 1;
        padding: 0 1;
    }
    ProgramScreen #tier-period-row Label, ProgramScreen #timezone-row Label {
        width: auto;
        padding-right: 1;
    }
    ProgramScreen #tier-period-row Select, ProgramScreen #timezone-row Input {
        width: 30;
    }
    ProgramScreen TabPane DataTable {
        height: 1fr;
    }
    ProgramScreen .empty {
        color: $text-muted;
        padding: 0 1;
        height: auto;
    }
    """

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx
        # The form values as last loaded (as the widgets hold them): what "unsaved" means.
        self.loaded: dict[str, Any] = {}
        self.warned = False

    # --- composing -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        currency = self.ctx.rules().currency
        one = format_money(100, currency)
        labels = {
            "program.earn_points_per_unit": _("Points earned per {amount}").format(amount=one),
            "program.redeem_points_per_unit": _("Points that pay {amount}").format(amount=one),
            "program.earn_on_points_paid": _("The part paid with points earns points too"),
            "program.earn_on_discount": _("Coupon discounts earn points too"),
            "program.birthday_points": _("Birthday gift (points)"),
            "program.birthday_period": _("Given once a year"),
            "program.signup_bonus": _("Sign-up bonus (points)"),
            "program.profile_bonus": _("Complete profile bonus (points)"),
            "program.referral_bonus": _("Referral bonus (points, each)"),
            "program.expiry": _("Points expire"),
            "program.expiry_months": _("N (months)"),
        }
        explain = {
            EARNING: _(
                "Points are rounded down. By default the part paid with points and coupon "
                "discounts earn nothing."
            ),
            BONUSES: _(
                "0 turns a bonus off. The referral bonus goes to both members when the new "
                "member makes a first purchase; the profile bonus when email, phone, birthday "
                "and postcode are all filled in."
            ),
            EXPIRY: _(
                "Expired points are written to the ledger at the member's next sale or with "
                "“loyalty points expire”; the oldest points are spent first."
            ),
        }
        yield Header()
        yield Static(id="program-message")
        with TabbedContent(id="program-tabs"):
            for tab, title in (
                (EARNING, _("Earning")),
                (TIERS, _("Tiers")),
                (CAMPAIGNS, _("Campaigns")),
                (BONUSES, _("Bonuses")),
                (EXPIRY, _("Expiry")),
                (COUPONS, _("Coupons")),
                (STAMPS, _("Stamp cards")),
            ):
                with TabPane(title, id=tab):
                    if tab in FORMS:
                        with VerticalScroll(classes="form"):
                            for key in FORMS[tab]:
                                yield from self._setting_row(key, labels[key])
                            yield Static(explain[tab], classes="explain", markup=False)
                        continue
                    if tab == TIERS:
                        with Horizontal(id="tier-period-row"):
                            yield Label(_("Qualifying spend:"))
                            # Built with the stored value: a first "change" would save it.
                            yield Select(
                                choices("program.tier_period"),
                                value=str(self.ctx.settings()["program.tier_period"]),
                                allow_blank=False,
                                compact=True,
                                id="set-tier-period",
                            )
                    if tab == CAMPAIGNS:
                        with Horizontal(id="timezone-row"):
                            yield Label(_("Weekdays and hours in the time zone:"))
                            yield Input(
                                value=str(self.ctx.settings()["shop.timezone"]),
                                placeholder=_("this computer's"),
                                compact=True,
                                id="set-timezone",
                            )
                    yield Static(id=f"{TABLES[tab][1:]}-empty", classes="empty", markup=False)
                    yield RuleTable(cursor_type="row", zebra_stripes=True, id=TABLES[tab][1:])
        yield KeyBar()

    def _setting_row(self, key: str, label: str) -> ComposeResult:
        with Horizontal(classes="set-row"):
            if key in CHECKBOXES:
                yield ToggleBox(label, compact=True, id=widget_id(key))
            else:
                yield Label(label, markup=False)
                if choices(key):
                    yield Select(choices(key), allow_blank=False, compact=True, id=widget_id(key))
                else:
                    yield Input(compact=True, id=widget_id(key))
                    yield Label(bounds_hint(key), classes="set-hint", markup=False)
        yield Label(id=f"error-{widget_id(key)}", classes="set-error", markup=False)

    def on_mount(self) -> None:
        columns = {
            "#tiers": (_("Tier"), _("From (spend)"), _("Points"), _("Member discount")),
            "#campaigns": (
                _("Campaign"),
                _("Points"),
                _("From"),
                _("Until"),
                _("Days"),
                _("Hours"),
                _("Now"),
            ),
            "#coupons": (_("Code"), _("Gives"), _("Min. spend"), _("Valid"), _("Uses")),
            "#stamps": (_("Stamp card"), _("Stamps"), _("Reward")),
        }
        for selector, labels in columns.items():
            table = self.query_one(selector, DataTable)
            for label in labels:
                table.add_column(label)
        self.load_forms()
        self.load_lists()
        self.focus_tab()

    # --- reading ---------------------------------------------------------------------------

    def say(self, text: str, kind: str = "info") -> None:
        """One line under the header: ``info``, ``success`` or ``error``."""
        message = self.query_one("#program-message", Static)
        message.update(Content(text))
        for name in ("error", "success"):
            message.set_class(bool(text) and name == kind, f"-{name}")

    def _database_failed(self, exc: Exception) -> None:
        self.say(
            _("The database did not answer ({error}); nothing was changed. Try again.").format(
                error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            ),
            "error",
        )

    def form_values(self) -> dict[str, Any]:
        """What the form fields hold now, by setting."""
        values: dict[str, Any] = {}
        for keys in FORMS.values():
            for key in keys:
                widget = self.query_one(f"#{widget_id(key)}")
                if isinstance(widget, Input | Checkbox | Select):
                    values[key] = widget.value
        return values

    def load_forms(self) -> None:
        """Fill the forms with the stored settings (after a save: as the service stored them)."""
        settings = self.ctx.settings()
        for keys in FORMS.values():
            for key in keys:
                widget = self.query_one(f"#{widget_id(key)}")
                value = settings[key]
                if isinstance(widget, Checkbox):
                    widget.value = bool(value)
                elif isinstance(widget, Select | Input):
                    widget.value = str(value)
        period = self.query_one("#set-tier-period", Select)
        with period.prevent(Select.Changed):
            period.value = str(settings["program.tier_period"])
        self.loaded = self.form_values()
        self.show_errors({})

    def load_lists(self) -> None:
        try:
            self.load_tiers()
            self.load_campaigns()
            self.load_coupons()
            self.load_stamps()
        except LoyaltyError as exc:
            self.say(exc.message, "error")
        except DATABASE_ERRORS as exc:
            self._database_failed(exc)
        self.refresh_bindings()

    def _fill(self, tab: str, rows: list[tuple[str, list[Text]]], empty: str) -> None:
        table = self.query_one(TABLES[tab], DataTable)
        row = table.cursor_row
        table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=key)
        if rows:
            table.move_cursor(row=min(row, len(rows) - 1))
        note = self.query_one(f"{TABLES[tab]}-empty", Static)
        note.update(empty if not rows else "")
        note.display = not rows

    def load_tiers(self) -> None:
        currency = self.ctx.rules().currency
        rows = [
            (
                tier.name,
                [
                    Text(tier.name),
                    Text(format_money(tier.min_spend_cents, currency), justify="right"),
                    Text(format_multiplier(tier.multiplier), justify="right"),
                    Text(f"{tier.discount_percent} %" if tier.discount_percent else "–"),
                ],
            )
            for tier in list_tiers(self.ctx)
        ]
        self._fill(TIERS, rows, _("No tiers yet: F4 adds one (e.g. Gold from 300.00, x2)."))

    def load_campaigns(self) -> None:
        active = {c.name for c in self.ctx.program().campaigns_at(self.ctx.now())}
        rows = []
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
        self._fill(
            CAMPAIGNS, rows, _("No campaigns yet: F4 adds one (e.g. double points on Tuesdays).")
        )

    def load_coupons(self, select: str | None = None) -> None:
        """Read the coupons off the event loop (a batch may have made thousands)."""
        self._read_coupons(select)

    @work(thread=True, exclusive=True, group="program-coupons")
    def _read_coupons(self, select: str | None) -> None:
        try:
            views = list_coupons(self.ctx)
        except LoyaltyError as exc:
            self.app.call_from_thread(self.say, exc.message, "error")
        except DATABASE_ERRORS as exc:
            self.app.call_from_thread(self._database_failed, exc)
        else:
            self.app.call_from_thread(self._show_coupons, views, select)

    def _show_coupons(self, views: list[CouponView], select: str | None) -> None:
        currency = self.ctx.rules().currency
        rows = []
        # The newest first; a table of tens of thousands of codes would only slow the screen.
        for view in views[:COUPON_ROWS]:
            rule = view.coupon
            rows.append(
                (
                    view.code,
                    [
                        Text(view.code),
                        Text(view.label.removesuffix(" " + rule.code)),
                        Text(
                            format_money(rule.min_spend_cents, currency)
                            if rule.min_spend_cents
                            else "–",
                            justify="right",
                        ),
                        Text(coupon_validity(view)),
                        Text(coupon_uses(view), justify="right"),
                    ],
                )
            )
        self._fill(
            COUPONS,
            rows,
            _("No coupons yet: F4 creates a shared code, F5 a batch of single-use codes."),
        )
        if len(views) > COUPON_ROWS:
            note = self.query_one("#coupons-empty", Static)
            note.update(
                _(
                    "The newest {shown} of {count} coupons (all of them: loyalty coupon list)"
                ).format(shown=format_points(COUPON_ROWS), count=format_points(len(views)))
            )
            note.display = True
        self.refresh_bindings()
        if select is not None:
            self._select(COUPONS, select)

    def load_stamps(self) -> None:
        rows = [
            (
                program.name,
                [
                    Text(program.name),
                    Text(str(program.stamps), justify="right"),
                    Text(program.reward),
                ],
            )
            for program in list_programs(self.ctx)
        ]
        self._fill(STAMPS, rows, _("No stamp cards yet: F4 adds one (e.g. Coffee, 10 stamps)."))

    # --- tabs --------------------------------------------------------------------------------

    @property
    def tabs(self) -> TabbedContent:
        return self.query_one("#program-tabs", TabbedContent)

    @property
    def tab(self) -> str:
        return self.tabs.active

    def _move_tab(self, step: int) -> None:
        index = TABS.index(self.tab) if self.tab in TABS else 0
        self.tabs.active = TABS[(index + step) % len(TABS)]
        self.focus_tab()

    def action_next_tab(self) -> None:
        self._move_tab(1)

    def action_previous_tab(self) -> None:
        self._move_tab(-1)

    def focus_tab(self) -> None:
        """The first field of a form, or the table of a list: ready for the keys."""
        pane = self.query_one(f"#{self.tab}", TabPane)
        for widget in pane.query("Input, Checkbox, Select, DataTable"):
            if widget.display and widget.id not in LIST_SETTINGS:
                widget.focus()
                return

    @on(TabbedContent.TabActivated)
    def _tab_activated(self) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:
            return True
        tab = self.tab
        if action == "save":
            return tab in FORMS or tab == CAMPAIGNS
        if action == "add":
            return tab in ADDS
        if action in ("new_coupon", "new_batch"):
            return tab == COUPONS
        if action == "show_coupon":
            if tab != COUPONS:
                return False
            return True if self.query_one(TABLES[tab], DataTable).row_count else None
        if action in ("edit", "remove"):
            if tab not in (EDITS if action == "edit" else REMOVES):
                return False
            return True if self.query_one(TABLES[tab], DataTable).row_count else None
        return True

    # --- forms -------------------------------------------------------------------------------

    def show_errors(self, errors: dict[str, str]) -> None:
        for keys in FORMS.values():
            for key in keys:
                label = self.query_one(f"#error-{widget_id(key)}", Label)
                label.update(errors.get(key, ""))
                label.set_class(key in errors, "-shown")

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        self.warned = False
        for label in self.query(f"#error-{event.input.id}").results(Label):
            label.update("")
            label.remove_class("-shown")

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "set-timezone":
            self._save_timezone(event.value)
        else:
            self.focus_next()

    def _save_timezone(self, value: str) -> None:
        """The shop's time zone (campaign weekdays and hours, birthdays), saved with Enter."""
        changed = self._write(
            {"shop.timezone": value},
            lambda exc: self.say(exc.errors.get("shop.timezone", exc.message), "error"),
        )
        if changed is None:
            return
        zone = str(self.ctx.settings()["shop.timezone"])
        self.query_one("#set-timezone", Input).value = zone
        self.load_campaigns()
        if not changed:
            self.say(_("Nothing to save: no setting was changed"))
        elif zone:
            self.say(_("Saved: the shop's time zone is {zone}").format(zone=zone), "success")
        else:
            self.say(_("Saved: the till computer's time zone is used"), "success")
        self.query_one("#campaigns", DataTable).focus()

    def unsaved(self) -> bool:
        """Whether a field was changed and not saved (the forms, the time zone)."""
        zone = self.query_one("#set-timezone", Input).value.strip()
        return self.form_values() != self.loaded or zone != self.ctx.settings()["shop.timezone"]

    def _write(
        self, values: dict[str, Any], invalid: Callable[[ValidationFailed], None]
    ) -> dict[str, Any] | None:
        """Store settings through the service; the changed ones, or None after saying why not
        (``invalid`` shows the messages of fields that cannot be used)."""
        try:
            changed = write_settings(
                self.ctx.db, values, self.ctx.now(), actor=self.ctx.actor, till=self.ctx.till
            )
        except ValidationFailed as exc:
            invalid(exc)
            return None
        except LoyaltyError as exc:
            self.say(exc.message, "error")
            return None
        except DATABASE_ERRORS as exc:
            self._database_failed(exc)
            return None
        self.ctx.forget_settings()
        return changed

    def _show_invalid(self, exc: ValidationFailed) -> None:
        """The forms' fields that cannot be used, marked; the first one's tab shown."""
        self.show_errors(exc.errors)
        first = next((k for keys in FORMS.values() for k in keys if k in exc.errors), None)
        if first is None:
            # Only the time zone is wrong: its message goes on the message line.
            self.tabs.active = CAMPAIGNS
            self.query_one("#set-timezone", Input).focus()
            self.say(exc.message, "error")
            return
        tab = next(tab for tab, keys in FORMS.items() if first in keys)
        self.tabs.active = tab
        self.query_one(f"#{widget_id(first)}").focus()
        self.say(_("Not saved: correct the marked field"), "error")

    def action_save(self) -> None:
        """F9: save every changed setting of the forms (and the time zone); with any invalid
        field, none."""
        timezone = self.query_one("#set-timezone", Input)
        changed = self._write(
            {**self.form_values(), "shop.timezone": timezone.value}, self._show_invalid
        )
        if changed is None:
            return
        self.load_forms()
        timezone.value = str(self.ctx.settings()["shop.timezone"])
        self.load_campaigns()
        self.warned = False
        if changed:
            self.say(
                ngettext(
                    "Saved: {count} setting changed",
                    "Saved: {count} settings changed",
                    len(changed),
                ).format(count=len(changed)),
                "success",
            )
        else:
            self.say(_("Nothing to save: no setting was changed"))

    @on(Select.Changed, "#set-tier-period")
    def _tier_period_changed(self, event: Select.Changed) -> None:
        """The qualifying spend's period is saved as soon as it is chosen."""
        value = str(event.value)
        if value == str(self.ctx.settings()["program.tier_period"]):
            return
        if (
            self._write({"program.tier_period": value}, lambda exc: self.say(exc.message, "error"))
            is None
        ):
            return
        label = dict((v, k) for k, v in choices("program.tier_period"))[value]
        self.say(_("Saved: tiers count the spend of {period}").format(period=label), "success")

    # --- lists -------------------------------------------------------------------------------

    def _selected(self, tab: str) -> str | None:
        table = self.query_one(TABLES[tab], DataTable)
        if not table.row_count:
            return None
        row_key, _column = table.coordinate_to_cell_key(table.cursor_coordinate)
        return None if row_key.value is None else str(row_key.value)

    def action_add(self) -> None:
        from app.tui.screens.program_dialogs import (
            CampaignDialog,
            StampProgramDialog,
            TierDialog,
        )

        dialogs = {TIERS: TierDialog, CAMPAIGNS: CampaignDialog, STAMPS: StampProgramDialog}
        dialog = dialogs.get(self.tab)
        if dialog is not None:
            self.app.push_screen(dialog(self.ctx), self._added)

    def action_edit(self) -> None:
        from app.tui.screens.program_dialogs import CampaignDialog, TierDialog

        name = self._selected(self.tab) if self.tab in EDITS else None
        if name is None:
            return
        if self.tab == TIERS:
            tier = next((t for t in list_tiers(self.ctx) if t.name == name), None)
            if tier is not None:
                self.app.push_screen(TierDialog(self.ctx, tier), self._added)
        else:
            campaign = next((c for c in list_campaigns(self.ctx) if c.name == name), None)
            if campaign is not None:
                self.app.push_screen(CampaignDialog(self.ctx, campaign), self._added)

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.tab == COUPONS:
            self.action_show_coupon()
        else:
            self.action_edit()

    def _added(self, result: object) -> None:
        if result is None:
            return
        self.ctx.forget_settings()
        self.load_lists()
        name = getattr(result, "name", "")
        messages = {
            TIERS: _("Tier saved: {name}"),
            CAMPAIGNS: _("Campaign saved: {name}"),
            STAMPS: _("Stamp card added: {name}"),
        }
        self.say(messages[self.tab].format(name=name), "success")
        self._select(self.tab, name)

    def _select(self, tab: str, key: str) -> None:
        table = self.query_one(TABLES[tab], DataTable)
        with suppress(RowDoesNotExist):
            table.move_cursor(row=table.get_row_index(key))
        table.focus()

    def action_new_coupon(self) -> None:
        from app.tui.screens.coupon_dialogs import CouponDialog

        self.app.push_screen(CouponDialog(self.ctx), self._coupons_created)

    def action_new_batch(self) -> None:
        from app.tui.screens.coupon_dialogs import CouponDialog

        self.app.push_screen(CouponDialog(self.ctx, batch=True), self._coupons_created)

    def _coupons_created(self, result: object) -> None:
        if isinstance(result, CouponView):
            self.load_coupons(select=result.code)
            self.say(_("Coupon created: {code}").format(code=result.code), "success")
        elif isinstance(result, BatchResult):
            text = ngettext(
                "{count} single-use code created",
                "{count} single-use codes created",
                len(result.codes),
            ).format(count=len(result.codes))
            if result.destination:
                text += " · " + _("printable PDF: {path}").format(path=result.destination)
            self.say(text, "success")
            self.load_coupons(select=result.codes[0] if result.codes else None)

    def action_show_coupon(self) -> None:
        """Enter on a coupon: what it gives, its limits and every use."""
        from app.tui.screens.coupon_dialogs import CouponDetails

        code = self._selected(COUPONS) if self.tab == COUPONS else None
        if code is None:
            return
        try:
            view = show_coupon(self.ctx, code)
        except LoyaltyError as exc:
            self.say(exc.message, "error")
            return
        except DATABASE_ERRORS as exc:
            self._database_failed(exc)
            return
        currency = self.ctx.rules().currency
        rule = view.coupon
        lines = [_("Gives: {what}").format(what=view.label.removesuffix(" " + rule.code))]
        if rule.min_spend_cents:
            lines.append(
                _("Minimum spend: {amount}").format(
                    amount=format_money(rule.min_spend_cents, currency)
                )
            )
        lines.append(_("Valid: {when}").format(when=coupon_validity(view)))
        lines.append(_("Uses: {uses}").format(uses=coupon_uses(view)))
        if rule.member_id is not None:
            lines.append(_("Only for member {id}").format(id=rule.member_id))
        if view.batch:
            lines.append(_("A single-use code of a batch"))
        self.app.push_screen(CouponDetails(view, lines, currency))

    def action_remove(self) -> None:
        tab = self.tab
        if tab not in REMOVES:
            return
        name = self._selected(tab)
        if name is None:
            return
        from app.tui.screens.confirm import ConfirmScreen

        texts = {
            TIERS: (
                _("Remove tier {name}?"),
                _("Members move to the tier their spend reaches at their next sale."),
            ),
            CAMPAIGNS: (
                _("Remove campaign {name}?"),
                _("Its extra points stop now; points already given stay."),
            ),
            STAMPS: (
                _("Remove stamp card {name}?"),
                _("No more stamps are given; the stamps given stay in the history."),
            ),
        }
        title, text = texts[tab]

        def done(confirmed: bool | None) -> None:
            if confirmed:
                self._remove(tab, name)

        self.app.push_screen(
            ConfirmScreen(title.format(name=name), text, action_label=_("Remove")), done
        )

    def _remove(self, tab: str, name: str) -> None:
        removers = {TIERS: remove_tier, CAMPAIGNS: remove_campaign, STAMPS: remove_program}
        try:
            removers[tab](self.ctx, name)
        except LoyaltyError as exc:
            self.say(exc.message, "error")
            return
        except DATABASE_ERRORS as exc:
            self._database_failed(exc)
            return
        self.ctx.forget_settings()
        self.load_lists()
        self.say(_("Removed: {name}").format(name=name), "success")
        self.query_one(TABLES[tab], DataTable).focus()

    # --- leaving -----------------------------------------------------------------------------

    def action_back(self) -> None:
        """Esc: back to the counter; with unsaved form changes, a first Esc only warns."""
        if self.unsaved() and not self.warned:
            self.warned = True
            self.say(_("Unsaved changes: F9 saves them, Esc again discards them"), "error")
            return
        self.dismiss(None)
