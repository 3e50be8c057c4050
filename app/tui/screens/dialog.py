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
from textual.widgets import Button, Label, Static
from textual.widgets.button import ButtonVariant

from app.i18n import _
from app.tui.db_work import DbWork
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
    Esc does not close the dialog (what it saves would be lost to the screen below).
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

    def action_confirm(self) -> None:
        """F9 and the confirm button; a dialog with buttons implements it."""

    def action_cancel(self) -> None:
        if not self.db.busy:
            self.dismiss(None)

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
