"""The keys of the counter."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Static

from app.i18n import _


class HelpScreen(ModalScreen[None]):
    """Lists every key of the counter; Esc or F1 closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", _("Back")),
        Binding("f1", "close", _("Close")),
    ]

    def compose(self) -> ComposeResult:
        yield Static(_("Keys"))

    def action_close(self) -> None:
        self.dismiss(None)
