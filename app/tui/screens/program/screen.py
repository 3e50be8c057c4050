"""The owner's program screen: every rule of the loyalty program, one tab per group.

Earning, bonuses and expiry are forms (F9 saves them, all or nothing); tiers, campaigns,
coupons and stamp cards are lists with a dialog to add (F4) and a key to remove (Del).
Every change goes through the program services, which validate, audit and write the sync
event; the tabs only read fields and show what the services answer. The keys are the
screen's (one key bar), and act on the tab in front.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Header, Input, Static, TabbedContent

from app.domain.errors import LoyaltyError, ValidationFailed
from app.i18n import _, ngettext
from app.services.context import Context
from app.tui.db_work import DbWork
from app.tui.message_log import remember
from app.tui.screens.program.bonuses import BONUSES, BonusesTab
from app.tui.screens.program.campaigns import CAMPAIGNS, CampaignsTab
from app.tui.screens.program.coupons import COUPONS, CouponsTab
from app.tui.screens.program.earning import EARNING, EarningTab
from app.tui.screens.program.expiry import EXPIRY, ExpiryTab
from app.tui.screens.program.forms import FormTab, save_settings
from app.tui.screens.program.lists import ListTab, RuleListTab
from app.tui.screens.program.stamps import STAMPS, StampsTab
from app.tui.screens.program.tab import ProgramTab
from app.tui.screens.program.tiers import TIERS, TiersTab
from app.tui.widgets.key_bar import KeyBar

TABS = (EARNING, TIERS, CAMPAIGNS, BONUSES, EXPIRY, COUPONS, STAMPS)
# The keys that act on the tab in front, offered where the tab lists them in its KEYS.
TAB_ACTIONS = frozenset({"save", "add", "edit", "remove", "new_coupon", "new_batch", "show_coupon"})
# Of those, the keys that need a row under the cursor (dimmed on an empty list).
ROW_ACTIONS = frozenset({"edit", "remove", "show_coupon"})


class ProgramScreen(Screen[None]):
    """The loyalty program's rules, one tab per group; Esc goes back to the counter."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", _("Back"), key_display=_("Esc")),
        Binding("f2", "next_tab", _("Next tab"), key_display="F2"),
        Binding("f3", "previous_tab", _("Prev tab"), key_display="F3"),
        Binding("f9", "save", _("Save"), key_display="F9"),
        Binding("f4", "add", _("Add"), key_display="F4"),
        Binding("f4", "new_coupon", _("New code"), key_display="F4"),
        Binding("f5", "new_batch", _("Batch"), key_display="F5"),
        Binding("enter", "edit", _("Change"), key_display=_("Enter")),
        Binding("enter", "show_coupon", _("Show"), key_display=_("Enter")),
        Binding("delete", "remove", _("Remove"), key_display=_("Del")),
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
        self.db = DbWork(self, self.say)

    # --- composing -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="program-message")
        with TabbedContent(id="program-tabs"):
            for tab in (
                EarningTab,
                TiersTab,
                CampaignsTab,
                BonusesTab,
                ExpiryTab,
                CouponsTab,
                StampsTab,
            ):
                yield tab(self.ctx, self.say)
        yield KeyBar()

    def on_mount(self) -> None:
        self.load_forms()
        self.load_lists()
        self.focus_tab()

    # --- the parts -----------------------------------------------------------------------

    def say(self, text: str, kind: str = "info") -> None:
        """One line under the header: ``info``, ``success`` or ``error``."""
        message = self.query_one("#program-message", Static)
        message.update(Content(text))
        for name in ("error", "success"):
            message.set_class(bool(text) and name == kind, f"-{name}")
        remember(self.app, text, kind)

    @property
    def forms(self) -> list[FormTab]:
        """The form tabs, in the order of the tabs."""
        return list(self.query(FormTab).results(FormTab))

    @property
    def campaigns(self) -> CampaignsTab:
        return self.query_one(CampaignsTab)

    @property
    def tabs(self) -> TabbedContent:
        return self.query_one("#program-tabs", TabbedContent)

    @property
    def tab(self) -> str:
        return self.tabs.active

    @property
    def active(self) -> ProgramTab:
        """The tab in front."""
        return self.query_one(f"#{self.tab}", ProgramTab)

    # --- reading -------------------------------------------------------------------------

    def form_values(self) -> dict[str, Any]:
        """What the form fields hold now, by setting."""
        values: dict[str, Any] = {}
        for form in self.forms:
            values.update(form.values())
        return values

    def load_forms(self) -> None:
        """Fill the forms with the stored settings (after a save: as the service stored them)."""
        settings = self.ctx.settings()
        for form in self.forms:
            form.show(settings)
        self.query_one(TiersTab).show_period(settings)
        self.loaded = self.form_values()
        self.show_errors({})

    def load_lists(self) -> None:
        """Read every list through the services; a failing read is said on the message line."""
        try:
            for tab in self.query(ListTab).results(ListTab):
                tab.load()
        except LoyaltyError as exc:
            self.say(exc.message, "error")
        self.refresh_bindings()

    # --- tabs ----------------------------------------------------------------------------

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
        self.active.focus_first()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted or action not in TAB_ACTIONS:
            return True
        tab = self.active
        if action not in tab.KEYS:
            return False
        if action in ROW_ACTIONS:
            return True if isinstance(tab, ListTab) and tab.has_rows else None
        return True

    # --- forms ---------------------------------------------------------------------------

    def show_errors(self, errors: dict[str, str]) -> None:
        for form in self.forms:
            form.show_errors(errors)

    @on(Input.Changed)
    def _typed(self) -> None:
        self.warned = False

    def unsaved(self) -> bool:
        """Whether a field was changed and not saved (the forms, the time zone)."""
        return self.form_values() != self.loaded or self.campaigns.unsaved()

    def _show_invalid(self, exc: ValidationFailed) -> None:
        """The forms' fields that cannot be used, marked; the first one's tab shown."""
        self.show_errors(exc.errors)
        form, first = next(
            ((f, k) for f in self.forms for k in f.SETTINGS if k in exc.errors), (None, None)
        )
        if form is None or first is None:
            # Only the time zone is wrong: its message goes on the message line.
            self.tabs.active = CAMPAIGNS
            self.campaigns.timezone.focus()
            self.say(exc.message, "error")
            return
        self.tabs.active = form.TAB_ID
        form.focus_setting(first)
        self.say(_("Not saved: correct the marked field"), "error")

    def action_save(self) -> None:
        """F9: save every changed setting of the forms (and the time zone); with any invalid
        field, none."""
        save_settings(
            self.db,
            self.ctx,
            {**self.form_values(), "shop.timezone": self.campaigns.timezone.value},
            self._saved,
            self._show_invalid,
        )

    def _saved(self, changed: dict[str, Any]) -> None:
        self.load_forms()
        self.campaigns.timezone.value = str(self.ctx.settings()["shop.timezone"])
        self.campaigns.load()
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

    # --- lists ---------------------------------------------------------------------------

    def action_add(self) -> None:
        if isinstance(tab := self.active, RuleListTab):
            tab.add()

    def action_edit(self) -> None:
        if isinstance(tab := self.active, RuleListTab):
            tab.edit()

    def action_remove(self) -> None:
        if isinstance(tab := self.active, RuleListTab):
            tab.remove_selected()

    def action_new_coupon(self) -> None:
        if isinstance(tab := self.active, CouponsTab):
            tab.new_coupon()

    def action_new_batch(self) -> None:
        if isinstance(tab := self.active, CouponsTab):
            tab.new_batch()

    def action_show_coupon(self) -> None:
        if isinstance(tab := self.active, CouponsTab):
            tab.show()

    # --- leaving -------------------------------------------------------------------------

    def action_back(self) -> None:
        """Esc: back to the counter; with unsaved form changes, a first Esc only warns."""
        if self.unsaved() and not self.warned:
            self.warned = True
            self.say(_("Unsaved changes: F9 saves them, Esc again discards them"), "error")
            return
        self.dismiss(None)
