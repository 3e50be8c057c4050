"""A small form in a dialog: a message under each field, F9 saves, Esc cancels, Enter moves on.

The subclass lists its fields and returns the service call that saves them; nothing is stored
until every field can be used, and the call runs off the event loop (``self.db``). Used by the
program screen's dialogs and the sync conflicts' note.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, Select, Static

from app.domain.errors import LoyaltyError, ValidationFailed
from app.i18n import _
from app.services.context import Context
from app.tui.screens.dialog import Dialog
from app.tui.widgets.field_select import FieldSelect
from app.tui.widgets.ordered_input import OrderedInput


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
    from app.domain.numbers import MAX_COUNT, parse_whole_number

    # Bounded like every figure: a 27-digit count gets a line, not an overflow in the driver.
    return parse_whole_number(text, low=0, high=MAX_COUNT)


def optional(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """A parser for a field that may stay empty (then ``None``)."""
    return lambda text: parse(text) if text.strip() else None


class FormDialog(Dialog[Any]):
    """A titled form with a message under each field; F9 saves, Esc cancels, Enter moves on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "confirm", _("Save"), key_display="F9"),
    ]

    intro_text = ""
    """A line above the fields (what the form is about), when set."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx
        self.hint_text = _("Enter: next field · F9: save · Esc: cancel")

    def fields(self) -> list[Field]:
        raise NotImplementedError

    def submit(self) -> Callable[[], Any]:
        """Parse the fields (raise ValidationFailed by field, or a LoyaltyError) and return the
        service call that saves them; it runs in a worker, the dialog closes with its result."""
        raise NotImplementedError

    def working_text(self) -> str:
        """What the message line says while the save runs (empty: only the waiting notice)."""
        return ""

    def compose_body(self) -> ComposeResult:
        if self.intro_text:
            yield Static(self.intro_text, id="intro", markup=False)
        with VerticalScroll(id="form"):
            for field in self.fields():
                with Horizontal(classes="row"):
                    yield Label(field.label, id=f"label-{field.name}", markup=False)
                    if field.choices:
                        yield FieldSelect(
                            field.choices,
                            value=field.value or field.choices[0][1],
                            allow_blank=False,
                            compact=True,
                            id=f"field-{field.name}",
                        )
                    else:
                        yield OrderedInput(
                            value=field.value,
                            placeholder=field.placeholder,
                            compact=True,
                            disabled=field.disabled,
                            id=f"field-{field.name}",
                        )
                yield Label(id=f"error-{field.name}", classes="field-error", markup=False)

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
        self.show_message(general)

    # --- keys ----------------------------------------------------------------------------

    def action_confirm(self) -> None:
        if self.db.busy:
            return
        try:
            save = self.submit()
        except ValidationFailed as exc:
            self.invalid(exc)
            return
        except LoyaltyError as exc:
            self.show_errors({}, exc.message)
            return
        if self.db.run("save", save, self.dismiss, self.failed) and self.working_text():
            self.show_errors({})
            self.show_message(self.working_text(), "info")

    def invalid(self, exc: ValidationFailed) -> None:
        """A message under each field that cannot be used; the first one focused."""
        self.show_errors(exc.errors)
        first = next(iter(exc.errors))
        widget = self.query(f"#field-{first}")
        if widget:
            widget.first().focus()

    def failed(self, exc: LoyaltyError) -> None:
        if isinstance(exc, ValidationFailed):
            self.invalid(exc)
        else:
            self.show_errors({}, exc.message)

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
