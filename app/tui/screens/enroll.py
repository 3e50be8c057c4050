"""Enroll a new member from the counter: a short form, messages next to the fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from app.domain.errors import LoyaltyError, ValidationFailed
from app.domain.profile import MemberDraft
from app.i18n import _
from app.services.context import Context
from app.services.duplicates import Duplicate
from app.services.lookup import get_member
from app.services.members import enroll_member, enroll_unless_duplicates
from app.services.views import MemberView
from app.store.errors import DatabaseError
from app.tui.db_work import UnexpectedError
from app.tui.member_text import salutation_choices
from app.tui.screens.dialog import Dialog
from app.tui.screens.duplicates import ENROLL_ANYWAY, DuplicateChoice, DuplicatesScreen
from app.tui.widgets.consent_checkbox import ConsentCheckbox
from app.tui.widgets.field_select import FieldSelect
from app.tui.widgets.member_panel import member_display_name
from app.tui.widgets.ordered_input import OrderedInput

# The text fields of the form, in the order the cashier fills them.
TEXT_FIELDS = ("first_name", "last_name", "email", "phone", "birthday", "postcode")
# The profile fields, then the card of the member who brought this one (referral bonus).
FORM_FIELDS = (*TEXT_FIELDS, "referred_by")


@dataclass(frozen=True)
class ExistingMember:
    """The cashier chose a member already enrolled instead of a new one."""

    view: MemberView


class EnrollScreen(Dialog[MemberView | ExistingMember | None]):
    """A form for a new member; dismisses with the new member, an :class:`ExistingMember`
    chosen among the likely duplicates, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", _("Cancel"), key_display=_("Esc")),
        Binding("f9", "confirm", _("Enroll"), key_display="F9"),
        Binding("enter", "confirm", show=False),
        # Once enrolled, the same keys hand the new member to the counter.
        Binding("f9", "finish", _("Continue"), key_display="F9"),
        Binding("enter,escape", "finish", show=False),
    ]
    AUTO_FOCUS = "#first_name"

    enrolled: reactive[MemberView | None] = reactive(None, init=False, bindings=True)
    """The member once saved; the form then shows the new card number."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx
        self.title_text = _("Enroll a new member")
        self.action_label = _("Enroll")
        self.hint_text = _("Enter: next field · Space: tick the box")

    def compose_body(self) -> ComposeResult:
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
        with VerticalScroll(id="form"):
            with Horizontal(classes="row"):
                yield Label(_("Salutation"))
                yield FieldSelect(
                    salutation_choices(),
                    value="",
                    allow_blank=False,
                    compact=True,
                    id="salutation",
                )
            yield Label(id="error-salutation", classes="field-error", markup=False)
            for name in FORM_FIELDS:
                with Horizontal(classes="row"):
                    yield Label(labels[name])
                    yield OrderedInput(placeholder=placeholders[name], compact=True, id=name)
                yield Label(id=f"error-{name}", classes="field-error", markup=False)
            yield ConsentCheckbox(
                _("Agrees to receive offers (marketing consent)"), compact=True, id="consent"
            )
        # Shown instead of the form once the member is enrolled.
        with Vertical(id="done"):
            yield Static(id="welcome", markup=False)
            yield Static(id="card-number")
            with Horizontal(id="go-row"):
                yield Button(
                    _("Continue to checkout (Enter)"), variant="success", compact=True, id="go"
                )

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
        self.show_message(message)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("confirm", "cancel"):
            return self.enrolled is None
        if action == "finish":
            return self.enrolled is not None
        return True

    def action_confirm(self, anyway: bool = False) -> None:
        """Enroll what was typed; members who look like the same person are listed first
        (:class:`DuplicatesScreen`), unless the cashier chose to enroll ``anyway``."""
        referred_by = self.query_one("#referred_by", Input).value
        draft = self.draft()

        def enroll() -> MemberView | tuple[Duplicate, ...]:
            if anyway:
                return enroll_member(self.ctx, draft, referred_by=referred_by)
            return enroll_unless_duplicates(self.ctx, draft, referred_by=referred_by)

        self.db.run("enroll", enroll, self.saved, lambda exc: self.refused(exc, referred_by))

    def _chosen(self, choice: DuplicateChoice | None) -> None:
        if choice == ENROLL_ANYWAY:
            self.action_confirm(anyway=True)
        elif isinstance(choice, int):
            self.db.run(
                "enroll",
                lambda: get_member(self.ctx, choice),
                lambda view: self.dismiss(ExistingMember(view)),
            )

    def refused(self, exc: LoyaltyError, referred_by: str) -> None:
        """Say why the member was not enrolled, next to the field at fault."""
        if isinstance(exc, ValidationFailed):
            self.show_errors(exc.errors)
            for name in ("salutation", *TEXT_FIELDS):
                if name in exc.errors:
                    self.query_one(f"#{name}").focus()
                    break
        elif referred_by.strip() and not isinstance(exc, DatabaseError | UnexpectedError):
            # Every profile field was valid (they are checked first): the card was not.
            self.show_errors({"referred_by": exc.message})
            self.query_one("#referred_by").focus()
        else:
            # The database's fault, not the referral card's: above the buttons.
            self.show_errors({}, exc.message)

    def saved(self, result: MemberView | tuple[Duplicate, ...]) -> None:
        self.show_errors({})
        if isinstance(result, tuple):
            self.app.push_screen(DuplicatesScreen(result), self._chosen)
        else:
            self.enrolled = result

    def watch_enrolled(self, view: MemberView | None) -> None:
        self.set_class(view is not None, "-enrolled")
        if view is None:
            return
        self.query_one("#welcome", Static).update(
            _("Welcome, {name}! The new card number is:").format(name=member_display_name(view))
        )
        self.query_one("#card-number", Static).update(view.card)
        self.query_one("#go", Button).focus()

    def action_finish(self) -> None:
        self.dismiss(self.enrolled)

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        event.stop()
        # Enter on the postcode still enrolls (the usual way through the form); the referral
        # card is one Tab further, for the few who were brought by a member.
        if event.input.id in (TEXT_FIELDS[-1], FORM_FIELDS[-1]):
            self.action_confirm()
        else:
            self.focus_next()

    @on(Input.Changed)
    @on(Select.Changed)
    def clear_error(self, event: Input.Changed | Select.Changed) -> None:
        label = self.query(f"#error-{event.control.id}")
        for item in label.results(Label):
            item.update("")
            item.remove_class("-shown")

    @on(Button.Pressed, "#go")
    def go_pressed(self) -> None:
        self.action_finish()
