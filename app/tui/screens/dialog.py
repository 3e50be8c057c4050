"""The frame every dialog shares: a titled box in the middle of the screen, a message line, the
F9 and Esc buttons, a hint and the footer. Esc cancels; F9 confirms where the dialog binds it.

The look is ``dialog.tcss`` (the frame first, then each dialog's own parts), loaded by the base
class, so every dialog looks the same and Python sets no colours or sizes.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea
from textual.widgets.button import ButtonVariant

from app.i18n import _
from app.tui.db_work import DbWork
from app.tui.message_log import remember
from app.tui.widgets.key_bar import KeyBar

DIALOG_CSS = Path(__file__).with_name("dialog.tcss")
"""The dialogs' style sheet; a dialog with a style sheet of its own lists both in CSS_PATH."""

ResultT = TypeVar("ResultT")


class Dialog(ModalScreen[ResultT]):
    """A modal dialog in the shared frame; dismisses with its result, or None when cancelled.

    A subclass sets ``title_text``, ``action_label`` (the F9 button; without it the dialog has
    no buttons) and ``hint_text`` in ``__init__`` (translated when the dialog opens), yields its
    fields from :meth:`compose_body`, binds F9 to ``confirm`` with its own label and implements
    :meth:`action_confirm`. ``#dialog-error`` is the message line (:meth:`show_message`).
    Its database calls go through ``self.db`` (app/tui/db_work.py); while one is under way,
    Esc does not close the dialog (what it saves would be lost to the screen below). When what
    can be typed or chosen (:meth:`form_values`) changed since the dialog opened, a first Esc
    only warns; a second one discards it.
    """

    CSS_PATH = DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", _("Cancel"), key_display=_("Esc")),
    ]

    title_text = ""
    action_label = ""
    """What F9 does, on the confirm button: ``{action} (F9)``."""
    action_variant: ButtonVariant = "primary"
    hint_text = ""
    """The keys to use, in a muted line at the bottom of the box."""

    def __init__(self) -> None:
        super().__init__()
        self.db = DbWork(self, self.show_message)
        self._opened_with: tuple[object, ...] | None = None
        self._warned = False

    def on_mount(self) -> None:
        # After the first refresh: the fields have their first values (the subclass's mount).
        self.call_after_refresh(self._remember_values)

    def _remember_values(self) -> None:
        self._opened_with = self.form_values()

    def form_values(self) -> tuple[object, ...]:
        """What the person can type or choose here; Esc warns before discarding a change."""
        values: list[object] = []
        for widget in self.query("Input, Select, Checkbox, TextArea"):
            if isinstance(widget, TextArea):
                values.append(widget.text)
            elif isinstance(widget, Input | Select | Checkbox):
                values.append(widget.value)
        return tuple(values)

    def unsaved(self) -> bool:
        """Whether something was typed or chosen since the dialog opened."""
        return self._opened_with is not None and self.form_values() != self._opened_with

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            if self.title_text:
                yield Label(self.title_text, classes="title", markup=False)
            yield from self.compose_body()
            yield Static(id="dialog-error", markup=False)
            if self.action_label:
                with Horizontal(id="buttons"):
                    yield Button(
                        _("{action} (F9)").format(action=self.action_label),
                        variant=self.action_variant,
                        compact=True,
                        id="confirm",
                    )
                    yield Button(_("Cancel (Esc)"), compact=True, id="cancel")
            if self.hint_text:
                yield Static(self.hint_text, classes="hint", markup=False)
        yield KeyBar()

    def compose_body(self) -> ComposeResult:
        """What the dialog shows between its title and its message line."""
        yield from ()

    def show_message(self, text: str, kind: str = "error") -> None:
        """Show ``text`` on the message line above the buttons; an empty text hides it.
        ``kind`` ``info`` shows work under way (muted), not a fault."""
        box = self.query_one("#dialog-error", Static)
        box.update(text)
        box.set_class(bool(text), "-shown")
        box.set_class(kind == "info", "-busy")
        if kind != "info":
            remember(self.app, text, kind)

    def action_confirm(self) -> None:
        """F9 and the confirm button; a dialog with buttons implements it."""

    def action_cancel(self) -> None:
        if self.db.busy:
            return
        if self.unsaved() and not self._warned:
            self._warned = True
            self.show_message(_("Unsaved changes: F9 saves them, Esc again discards them"))
            return
        self.dismiss(None)

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
