"""Enroll a new member from the counter: a short form, messages next to the fields."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Footer, Input, Label, Select, Static

from app.domain.errors import LoyaltyError, ValidationFailed
from app.domain.profile import MemberDraft
from app.i18n import _
from app.services.context import Context
from app.services.members import enroll_member
from app.services.views import MemberView
from app.store.errors import DatabaseError
from app.tui.member_text import salutation_choices
from app.tui.widgets.consent_checkbox import ConsentCheckbox
from app.tui.widgets.member_panel import member_display_name

# The text fields of the form, in the order the cashier fills them.
TEXT_FIELDS = ("first_name", "last_name", "email", "phone", "birthday", "postcode")
# The profile fields, then the card of the member who brought this one (referral bonus).
FORM_FIELDS = (*TEXT_FIELDS, "referred_by")


class EnrollScreen(ModalScreen[MemberView | None]):
    """A form for a new member; dismisses with the new member, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", _("Cancel"), key_display="Esc"),
        Binding("f9", "submit", _("Enroll"), key_display="F9"),
        Binding("enter", "submit", show=False),
        # Once enrolled, the same keys hand the new member to the counter.
        Binding("f9", "finish", _("Continue"), key_display="F9"),
        Binding("enter,escape", "finish", show=False),
    ]
    AUTO_FOCUS = "#first_name"

    DEFAULT_CSS = """
    EnrollScreen {
        align: center middle;
    }
    EnrollScreen #dialog {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $accent;
        padding: 0 1;
        background: $surface;
    }
    EnrollScreen .title {
        text-style: bold;
        width: 100%;
        content-align: center middle;
    }
    EnrollScreen #form {
        height: auto;
        max-height: 16;
        margin-top: 1;
    }
    EnrollScreen .row {
        height: 1;
    }
    EnrollScreen .row Label {
        width: 14;
    }
    EnrollScreen .row Input, EnrollScreen .row Select {
        width: 1fr;
    }
    EnrollScreen .field-error {
        color: $text-error;
        padding-left: 14;
        display: none;
    }
    EnrollScreen .field-error.-shown {
        display: block;
    }
    EnrollScreen #consent {
        margin-top: 1;
    }
    EnrollScreen #dialog-error {
        color: $text-error;
        display: none;
    }
    EnrollScreen #dialog-error.-shown {
        display: block;
    }
    EnrollScreen #buttons {
        height: 1;
        margin-top: 1;
        align-horizontal: center;
    }
    EnrollScreen #buttons Button {
        margin: 0 1;
    }
    EnrollScreen #done {
        height: auto;
        padding: 1 0;
        align-horizontal: center;
        display: none;
    }
    EnrollScreen #go-row {
        height: 1;
        align-horizontal: center;
    }
    EnrollScreen #welcome {
        width: 100%;
        content-align: center middle;
    }
    EnrollScreen #card-number {
        text-style: bold;
        color: $text-success;
        width: 100%;
        content-align: center middle;
        padding: 1 0;
    }
    EnrollScreen.-enrolled #form,
    EnrollScreen.-enrolled #buttons,
    EnrollScreen.-enrolled #keys {
        display: none;
    }
    EnrollScreen.-enrolled #done {
        display: block;
    }
    EnrollScreen .hint {
        color: $text-muted;
        width: 100%;
        content-align: center middle;
    }
    """

    enrolled: reactive[MemberView | None] = reactive(None, init=False, bindings=True)
    """The member once saved; the form then shows the new card number."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx

    def compose(self) -> ComposeResult:
        labels = {
            "first_name": _("First name"),
            "last_name": _("Last name"),
            "email": _("Email"),
            "phone": _("Phone"),
            "birthday": _("Birthday"),
            "postcode": _("Postcode"),
            "referred_by": _("Referred by"),
        }
        placeholders = {
            "first_name": _("required"),
            "last_name": _("required"),
            "email": _("name@example.org"),
            "phone": _("+49 171 2345678"),
            "birthday": _("YYYY-MM-DD"),
            "postcode": "",
            "referred_by": _("card of the member who brought them"),
        }
        salutations = salutation_choices()
        with Vertical(id="dialog"):
            yield Label(_("Enroll a new member"), classes="title")
            with VerticalScroll(id="form"):
                with Horizontal(classes="row"):
                    yield Label(_("Salutation"))
                    yield Select(
                        salutations, value="", allow_blank=False, compact=True, id="salutation"
                    )
                yield Label(id="error-salutation", classes="field-error", markup=False)
                for name in FORM_FIELDS:
                    with Horizontal(classes="row"):
                        yield Label(labels[name])
                        yield Input(placeholder=placeholders[name], compact=True, id=name)
                    yield Label(id=f"error-{name}", classes="field-error", markup=False)
                yield ConsentCheckbox(
                    _("Agrees to receive offers (marketing consent)"), compact=True, id="consent"
                )
            yield Static(id="dialog-error", markup=False)
            with Horizontal(id="buttons"):
                yield Button(_("Enroll (F9)"), variant="primary", compact=True, id="submit")
                yield Button(_("Cancel (Esc)"), compact=True, id="cancel")
            with Vertical(id="done"):
                yield Static(id="welcome", markup=False)
                yield Static(id="card-number")
                with Horizontal(id="go-row"):
                    yield Button(
                        _("Continue to checkout (Enter)"), variant="success", compact=True, id="go"
                    )
            yield Static(_("Enter: next field · Space: tick the box"), id="keys", classes="hint")
        yield Footer()

    def draft(self) -> MemberDraft:
        """What the cashier typed, as the service wants it."""
        values = {name: self.query_one(f"#{name}", Input).value for name in TEXT_FIELDS}
        salutation = self.query_one("#salutation", Select).value
        return MemberDraft(
            salutation=salutation if isinstance(salutation, str) else "",
            marketing_consent=self.query_one("#consent", Checkbox).value,
            **values,
        )

    def show_errors(self, errors: dict[str, str], message: str = "") -> None:
        """Put each message under its field; a message for no field goes above the buttons."""
        for label in self.query(".field-error").results(Label):
            text = errors.get((label.id or "").removeprefix("error-"), "")
            label.update(text)
            label.set_class(bool(text), "-shown")
        box = self.query_one("#dialog-error", Static)
        box.update(message)
        box.set_class(bool(message), "-shown")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("submit", "cancel"):
            return self.enrolled is None
        if action == "finish":
            return self.enrolled is not None
        return True

    def action_submit(self) -> None:
        referred_by = self.query_one("#referred_by", Input).value
        try:
            view = enroll_member(self.ctx, self.draft(), referred_by=referred_by)
        except ValidationFailed as exc:
            self.show_errors(exc.errors)
            for name in ("salutation", *TEXT_FIELDS):
                if name in exc.errors:
                    self.query_one(f"#{name}").focus()
                    break
            return
        except DatabaseError as exc:
            # Not the referral card's fault: the message goes above the buttons.
            self.show_errors({}, exc.message)
            return
        except LoyaltyError as exc:
            if referred_by.strip():
                # Every profile field was valid (they are checked first): the card was not.
                self.show_errors({"referred_by": exc.message})
                self.query_one("#referred_by").focus()
            else:
                self.show_errors({}, exc.message)
            return
        self.show_errors({})
        self.enrolled = view

    def watch_enrolled(self, view: MemberView | None) -> None:
        self.set_class(view is not None, "-enrolled")
        if view is None:
            return
        self.query_one("#welcome", Static).update(
            _("Welcome, {name}! The new card number is:").format(name=member_display_name(view))
        )
        self.query_one("#card-number", Static).update(view.card)
        self.query_one("#go", Button).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_finish(self) -> None:
        self.dismiss(self.enrolled)

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        event.stop()
        # Enter on the postcode still enrolls (the usual way through the form); the referral
        # card is one Tab further, for the few who were brought by a member.
        if event.input.id in (TEXT_FIELDS[-1], FORM_FIELDS[-1]):
            self.action_submit()
        else:
            self.focus_next()

    @on(Input.Changed)
    @on(Select.Changed)
    def clear_error(self, event: Input.Changed | Select.Changed) -> None:
        label = self.query(f"#error-{event.control.id}")
        for item in label.results(Label):
            item.update("")
            item.remove_class("-shown")

    @on(Button.Pressed, "#submit")
    def submit_pressed(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#go")
    def go_pressed(self) -> None:
        self.action_finish()

    @on(Button.Pressed, "#cancel")
    def cancel_pressed(self) -> None:
        self.action_cancel()
