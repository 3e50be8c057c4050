"""The keys of the counter, in one short list."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

from app.i18n import _


def counter_keys() -> list[tuple[str, str]]:
    """Every key that works at the counter, with what it does (in the current language)."""
    return [
        ("F1", _("Help: this list of keys")),
        ("F2", _("Enroll a new member")),
        ("F3", _("Go to the scan field")),
        ("F4", _("Redeem as many points as possible")),
        ("F5", _("Refund one of the member's sales")),
        ("F6", _("Adjust the member's points (with a reason)")),
        ("F7", _("Print the member's card")),
        ("F8", _("Member desk: list, edit, merge, erase")),
        (_("F9 / Enter"), _("Confirm")),
        ("F10", _("Add a stamp to the member's stamp card")),
        ("F12", _("Give a full stamp card's reward with this sale")),
        (_("Ctrl+R"), _("Program rules: tiers, coupons, stamp cards…")),
        (_("Esc"), _("Back / clear")),
        (_("Tab / Shift+Tab"), _("Next / previous field")),
        ("↑ ↓", _("Choose in a list")),
    ]


class HelpScreen(ModalScreen[None]):
    """Lists every key of the counter; Esc or F1 closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", _("Close"), key_display="Esc"),
        Binding("f1", "close", _("Close"), key_display="F1"),
    ]

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen #dialog {
        width: 70;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $accent;
        padding: 0 1;
        background: $surface;
    }
    HelpScreen .title {
        text-style: bold;
        width: 100%;
        content-align: center middle;
        margin-bottom: 1;
    }
    HelpScreen #keys {
        grid-size: 2;
        grid-columns: auto 1fr;
        grid-gutter: 0 2;
        grid-rows: auto;
        height: auto;
    }
    HelpScreen .key {
        text-style: bold;
        color: $accent;
    }
    HelpScreen .hint {
        color: $text-muted;
        width: 100%;
        content-align: center middle;
    }
    HelpScreen #scan-hint {
        margin-top: 1;
    }
    """

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(_("Keys at the counter"), classes="title")
            with Grid(id="keys"):
                for key, meaning in counter_keys():
                    yield Label(key, classes="key", markup=False)
                    yield Label(meaning, classes="meaning", markup=False)
            yield Static(
                _("Scan a card or type its 13 digits, then Enter."), id="scan-hint", classes="hint"
            )
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
