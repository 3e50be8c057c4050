"""The keys of the counter, in one short list."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.widgets import Label

from app.i18n import _
from app.tui.screens.dialog import Dialog


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
        (_("Ctrl+O"), _("Reports; F6 there: the day's close")),
        (_("Ctrl+B"), _("Print the customer's slip of the sale on screen")),
        (_("Esc"), _("Back / clear")),
        (_("Tab / Shift+Tab"), _("Next / previous field")),
        ("↑ ↓", _("Choose in a list")),
    ]


class HelpScreen(Dialog[None]):
    """Lists every key of the counter; Esc or F1 closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", _("Close"), key_display=_("Esc")),
        Binding("f1", "cancel", _("Close"), key_display="F1"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.title_text = _("Keys at the counter")
        self.hint_text = _("Scan a card or type its 13 digits, then Enter.")

    def compose_body(self) -> ComposeResult:
        with Grid(id="keys"):
            for key, meaning in counter_keys():
                yield Label(key, classes="key", markup=False)
                yield Label(meaning, classes="meaning", markup=False)
