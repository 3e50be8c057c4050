"""A small form in a dialog: a message under each field, F9 saves, Esc cancels, Enter moves on.

The subclass lists its fields and saves through a service; nothing is stored until every field
can be used. Used by the program screen's dialogs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, Select, Static

from app.domain.errors import InvalidInput, LoyaltyError, ValidationFailed
from app.i18n import _
from app.services.context import Context


@dataclass(frozen=True)
class Field:
    """One line of a form: an input, or a choice when ``choices`` are given."""

    name: str
    label: str
    placeholder: str = ""
    value: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    required: bool = False
    disabled: bool = False


def whole_number(text: str) -> int:
    """A typed whole number (stamps, uses, a count)."""
    raw = text.strip()
    if not (raw.isascii() and raw.isdigit()):
        raise InvalidInput(_("“{text}” is not a whole number").format(text=raw))
    return int(raw)


def optional(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """A parser for a field that may stay empty (then ``None``)."""
    return lambda text: parse(text) if text.strip() else None


class FormDialog(ModalScreen[Any]):
    """A titled form with a message under each field; F9 saves, Esc cancels, Enter moves on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", _("Cancel"), key_display="Esc"),
        Binding("f9", "confirm", _("Save"), key_display="F9"),
    ]

    DEFAULT_CSS = """
    FormDialog {
        align: center middle;
    }
    FormDialog #dialog {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $accent;
        padding: 0 1;
        background: $surface;
    }
    FormDialog .title {
        text-style: bold;
        width: 100%;
        content-align: center middle;
    }
    FormDialog #intro {
        margin-top: 1;
    }
    FormDialog #form {
        height: auto;
        max-height: 16;
        margin-top: 1;
    }
    FormDialog .row {
        height: 1;
    }
    FormDialog .row Label {
        width: 20;
    }
    FormDialog .row Input, FormDialog .row Select {
        width: 1fr;
    }
    FormDialog .field-error {
        color: $text-error;
        padding-left: 20;
        display: none;
    }
    FormDialog .field-error.-shown {
        display: block;
    }
    FormDialog #dialog-error {
        color: $text-error;
        margin-top: 1;
        display: none;
    }
    FormDialog #dialog-error.-shown {
        display: block;
    }
    FormDialog #dialog-error.-busy {
        color: $text-muted;
    }
    FormDialog #buttons {
        height: 1;
        margin-top: 1;
        align-horizontal: center;
    }
    FormDialog #buttons Button {
        margin: 0 1;
    }
    FormDialog .hint {
        color: $text-muted;
        width: 100%;
        content-align: center middle;
    }
    """

    title_text = ""
    action_label = ""
    intro_text = ""
    """A line above the fields (what the form is about), when set."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx
        self.busy = False

    def fields(self) -> list[Field]:
        raise NotImplementedError

    def submit(self) -> Any:
        """Parse the fields and save; raise ValidationFailed (by field) or a LoyaltyError."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, classes="title", markup=False)
            if self.intro_text:
                yield Static(self.intro_text, id="intro", markup=False)
            with VerticalScroll(id="form"):
                for field in self.fields():
                    with Horizontal(classes="row"):
                        yield Label(field.label, id=f"label-{field.name}", markup=False)
                        if field.choices:
                            yield Select(
                                field.choices,
                                value=field.value or field.choices[0][1],
                                allow_blank=False,
                                compact=True,
                                id=f"field-{field.name}",
                            )
                        else:
                            yield Input(
                                value=field.value,
                                placeholder=field.placeholder,
                                compact=True,
                                disabled=field.disabled,
                                id=f"field-{field.name}",
                            )
                    yield Label(id=f"error-{field.name}", classes="field-error", markup=False)
            yield Static(id="dialog-error", markup=False)
            with Horizontal(id="buttons"):
                yield Button(
                    _("{action} (F9)").format(action=self.action_label),
                    variant="primary",
                    compact=True,
                    id="confirm",
                )
                yield Button(_("Cancel (Esc)"), compact=True, id="cancel")
            yield Static(_("Enter: next field · F9: save · Esc: cancel"), classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        for widget in self.query("#form Input, #form Select"):
            if not widget.disabled:
                widget.focus()
                break

    # --- reading the form ----------------------------------------------------------------

    def text(self, name: str) -> str:
        widget = self.query_one(f"#field-{name}")
        if isinstance(widget, Select):
            return str(widget.value)
        assert isinstance(widget, Input)
        return widget.value

    def parse(self, parsers: dict[str, Callable[[str], Any]]) -> dict[str, Any]:
        """Every field through its parser; with any error, ValidationFailed names each field."""
        required = {f.name for f in self.fields() if f.required}
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for name, parse in parsers.items():
            text = self.text(name)
            if name in required and not text.strip():
                errors[name] = _("Required")
                continue
            try:
                values[name] = parse(text)
            except LoyaltyError as exc:
                errors[name] = exc.message
        if errors:
            raise ValidationFailed(errors)
        return values

    def show_errors(self, errors: dict[str, str], general: str = "") -> None:
        for label in self.query(".field-error").results(Label):
            name = (label.id or "").removeprefix("error-")
            label.update(errors.get(name, ""))
            label.set_class(name in errors, "-shown")
        box = self.query_one("#dialog-error", Static)
        box.update(general)
        box.set_class(bool(general), "-shown")

    # --- keys ----------------------------------------------------------------------------

    def action_confirm(self) -> None:
        if self.busy:
            return
        try:
            result = self.submit()
        except ValidationFailed as exc:
            self.show_errors(exc.errors)
            first = next(iter(exc.errors))
            widget = self.query(f"#field-{first}")
            if widget:
                widget.first().focus()
            return
        except LoyaltyError as exc:
            self.show_errors({}, exc.message)
            return
        if result is not None:
            self.dismiss(result)

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("field-")
        for label in self.query(f"#error-{name}").results(Label):
            label.update("")
            label.remove_class("-shown")

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        fields = [w for w in self.query("#form Input, #form Select") if not w.disabled]
        if event.input is fields[-1]:
            self.action_confirm()
        else:
            self.focus_next()

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
