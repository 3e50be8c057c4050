"""A reusable confirmation dialog; for what cannot be undone it asks to type a word."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, Input, Label, Static

from app.i18n import _
from app.tui.screens.dialog import Dialog
from app.tui.widgets.ordered_input import OrderedInput


class ConfirmScreen(Dialog[bool]):
    """Asks a yes/no question; dismisses with True only when confirmed.

    With ``word`` the owner must type that word (e.g. ERASE) before F9 or Enter confirms, so a
    stray Enter can never start something that cannot be undone.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "confirm", _("Confirm"), key_display="F9"),
    ]

    def __init__(self, title: str, text: str, *, action_label: str, word: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.action_label = action_label
        self.action_variant = "error"
        self.word = word

    def compose_body(self) -> ComposeResult:
        yield Static(self.text, id="confirm-text", markup=False)
        if self.word:
            with Horizontal(id="confirm-word-row", classes="row"):
                yield Label(_("Type {word} to confirm:").format(word=self.word), markup=False)
                yield OrderedInput(compact=True, id="confirm-word")

    def on_mount(self) -> None:
        if self.word:
            self.query_one("#confirm-word", Input).focus()
        else:
            self.query_one("#cancel", Button).focus()

    def action_confirm(self) -> None:
        if self.word and self.query_one("#confirm-word", Input).value.strip() != self.word:
            self.show_message(_("Type {word} exactly to confirm").format(word=self.word))
            return
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Input.Changed)
    def typed(self) -> None:
        self.show_message("")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_confirm()
