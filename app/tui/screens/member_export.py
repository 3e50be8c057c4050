"""Where to write a member's data export (everything stored about them, as one JSON file)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Label, Static

from app.i18n import _
from app.tui.screens.dialog import Dialog
from app.tui.widgets.ordered_input import OrderedInput


class ExportScreen(Dialog[str | None]):
    """Asks where to write a member's data export; dismisses with the path, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "confirm", _("Export"), key_display="F9"),
    ]
    AUTO_FOCUS = "#desk-export-path"

    def __init__(self, default: Path) -> None:
        super().__init__()
        self.default = default
        self.title_text = _("Export the member's data")

    def compose_body(self) -> ComposeResult:
        yield Static(
            _(
                "Everything stored about the member (profile, cards, sales, ledger, audit)"
                " as one JSON file. Enter/F9 writes it."
            ),
            id="desk-export-text",
            markup=False,
        )
        with Horizontal(classes="row"):
            yield Label(_("File"))
            yield OrderedInput(str(self.default), compact=True, id="desk-export-path")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_confirm()

    def action_confirm(self) -> None:
        path = self.query_one("#desk-export-path", Input).value.strip()
        if not path:
            self.show_message(_("Type the path of the file to write"))
            return
        self.dismiss(path)
