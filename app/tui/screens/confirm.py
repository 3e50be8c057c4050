"""A reusable confirmation dialog; for what cannot be undone it asks to type a word."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, Static

from app.i18n import _


class ConfirmScreen(ModalScreen[bool]):
    """Asks a yes/no question; dismisses with True only when confirmed.

    With ``word`` the owner must type that word (e.g. ERASE) before F9 or Enter confirms, so a
    stray Enter can never start something that cannot be undone.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", _("Cancel"), key_display="Esc"),
        Binding("f9", "confirm", _("Confirm"), key_display="F9"),
    ]

    DEFAULT_CSS = """
    ConfirmScreen {
        align: center middle;
    }
    ConfirmScreen #confirm-dialog {
        width: 70;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $error;
        padding: 0 1;
        background: $surface;
    }
    ConfirmScreen .title {
        text-style: bold;
        width: 100%;
        content-align: center middle;
    }
    ConfirmScreen #confirm-text {
        margin-top: 1;
    }
    ConfirmScreen #confirm-word-row {
        height: 1;
        margin-top: 1;
    }
    ConfirmScreen #confirm-word-row Label {
        width: auto;
        padding-right: 1;
    }
    ConfirmScreen #confirm-word {
        width: 1fr;
    }
    ConfirmScreen #confirm-error {
        color: $text-error;
        display: none;
    }
    ConfirmScreen #confirm-error.-shown {
        display: block;
    }
    ConfirmScreen #confirm-buttons {
        height: 1;
        margin-top: 1;
        align-horizontal: center;
    }
    ConfirmScreen #confirm-buttons Button {
        margin: 0 1;
    }
    """

    def __init__(self, title: str, text: str, *, action_label: str, word: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.action_label = action_label
        self.word = word

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Label(self.title_text, classes="title", markup=False)
            yield Static(self.text, id="confirm-text", markup=False)
            if self.word:
                with Horizontal(id="confirm-word-row"):
                    yield Label(_("Type {word} to confirm:").format(word=self.word), markup=False)
                    yield Input(compact=True, id="confirm-word")
            yield Static(id="confirm-error", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(
                    _("{action} (F9)").format(action=self.action_label),
                    variant="error",
                    compact=True,
                    id="confirm-yes",
                )
                yield Button(_("Cancel (Esc)"), compact=True, id="confirm-no")
        yield Footer()

    def on_mount(self) -> None:
        if self.word:
            self.query_one("#confirm-word", Input).focus()
        else:
            self.query_one("#confirm-no", Button).focus()

    def show_message(self, text: str) -> None:
        box = self.query_one("#confirm-error", Static)
        box.update(text)
        box.set_class(bool(text), "-shown")

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

    @on(Button.Pressed, "#confirm-yes")
    def yes_pressed(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#confirm-no")
    def no_pressed(self) -> None:
        self.action_cancel()
