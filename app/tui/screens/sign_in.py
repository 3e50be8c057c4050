"""The locked till: scan a staff badge or pick a name, then type the PIN.

Nothing typed here reaches the counter: a member card scanned on this screen is refused with a
message, and the counter underneath is cleared before this screen shows (``LoyaltyApp.lock``).
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Header, Label, OptionList, Static
from textual.widgets.option_list import Option

from app.domain.errors import LoyaltyError
from app.domain.roles import badge_code, role_label
from app.i18n import _
from app.services.context import Context
from app.services.staff import StaffView, find_staff, list_staff, sign_in
from app.tui.db_work import DbWork
from app.tui.session import is_member_card, not_staff_text, staff_label
from app.tui.widgets.key_bar import KeyBar
from app.tui.widgets.pin_entry import PinEntry


class StaffList(OptionList):
    """The staff's names; a click picks one, the arrows move the highlight from the field."""

    can_focus = False


class SignInScreen(Screen[StaffView]):
    """Dismisses with the person who signed in."""

    AUTO_FOCUS = "#pin-input"
    CSS_PATH = "sign_in.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "start_over", _("Start over"), key_display="Esc"),
        # The field's Up and Down scroll nothing: they move the highlight in the names.
        Binding("up", "highlight(-1)", _("Name"), show=False),
        Binding("down", "highlight(1)", _("Name"), show=False),
    ]

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx
        self.db = DbWork(self, self.say)
        self.staff: list[StaffView] = []
        self.person: StaffView | None = None
        """Who is signing in (after their badge or name)."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="sign-in"):
            yield Label(
                _("Sign in at till {till}").format(till=self.ctx.till),
                classes="title",
                markup=False,
            )
            yield Static(
                _("Scan your staff badge or type your name (↑↓ Enter: pick it), then your PIN."),
                classes="hint",
                markup=False,
            )
            with Horizontal(id="sign-in-body"):
                yield StaffList(id="staff-list")
                yield PinEntry(id="pin-entry")
            yield Static(id="sign-in-message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.db.run("staff", lambda: list_staff(self.ctx), self._show_staff, notice=False)

    def _show_staff(self, staff: list[StaffView]) -> None:
        self.staff = [person for person in staff if person.active]
        names = self.query_one(StaffList)
        names.clear_options()
        names.add_options(
            Option(
                Content.assemble((person.name, "bold"), "  ", (role_label(person.role), "dim")),
                id=str(person.id),
            )
            for person in self.staff
        )
        if self.staff:
            names.highlighted = 0

    @property
    def entry(self) -> PinEntry:
        return self.query_one(PinEntry)

    def say(self, text: str, kind: str = "error") -> None:
        line = self.query_one("#sign-in-message", Static)
        line.update(Content(text))
        for name in ("error", "success", "info"):
            line.set_class(bool(text) and name == kind, f"-{name}")

    # --- who ---------------------------------------------------------------------------

    def action_highlight(self, step: int) -> None:
        names = self.query_one(StaffList)
        if step > 0:
            names.action_cursor_down()
        else:
            names.action_cursor_up()

    @on(OptionList.OptionSelected, "#staff-list")
    def _name_clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        person = next((p for p in self.staff if str(p.id) == event.option_id), None)
        if person is not None:
            self._chosen(person)
        self.entry.focus_field()

    @on(PinEntry.WhoEntered)
    def _who(self, event: PinEntry.WhoEntered) -> None:
        event.stop()
        self.person = None
        text = event.text
        if not text:
            names = self.query_one(StaffList)
            index = names.highlighted
            if index is None or not 0 <= index < len(self.staff):
                self.entry.start_over()
                self.say(_("Scan your badge or type your name first"))
                return
            self._chosen(self.staff[index])
            return
        self.say("")
        self.db.run(
            "who",
            lambda: find_staff(self.ctx, text),
            self._chosen,
            lambda _exc: self._unknown(text),
            latest=True,
            notice=False,
        )

    def _unknown(self, text: str) -> None:
        self.entry.start_over("" if is_member_card(text) else text)
        self.say(not_staff_text(text))

    def _chosen(self, person: StaffView) -> None:
        if not person.active:
            self._unknown(person.name)
            return
        self.person = person
        self.entry.choose(badge_code(person.number), staff_label(person))
        self.say("")

    # --- the PIN -----------------------------------------------------------------------

    @on(PinEntry.Refused)
    def _refused(self, event: PinEntry.Refused) -> None:
        event.stop()
        message = event.message
        # Said after the badge typed before it is looked up (which clears the line).
        if not self.db.wait_for("who", lambda: self.say(message)):
            self.say(message)

    @on(PinEntry.PinEntered)
    def _pin(self, event: PinEntry.PinEntered) -> None:
        event.stop()
        self._sign_in(event.pin)

    def _sign_in(self, pin: str) -> None:
        # A PIN typed right behind the badge waits for the badge to be looked up.
        if self.db.wait_for("who", lambda: self._sign_in(pin)):
            return
        person = self.person
        if person is None:
            return  # who was refused: said already; the PIN is not tried on anybody
        badge = badge_code(person.number)
        self.say(_("Signing in…"), "info")
        self.db.run("sign-in", lambda: sign_in(self.ctx, badge, pin), self.dismiss, self._failed)

    def _failed(self, exc: LoyaltyError) -> None:
        self.say(exc.message)
        self.entry.focus_field()

    def action_start_over(self) -> None:
        self.person = None
        self.entry.start_over()
        self.say("")
