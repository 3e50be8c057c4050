"""Choose the stamp program for F10 when the shop runs several: a number key or the arrows."""

from __future__ import annotations

from collections.abc import Sequence

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from app.domain.stamps import StampCard
from app.i18n import _
from app.tui.screens.dialog import Dialog


class StampPickScreen(Dialog[int | None]):
    """Lists the member's stamp cards; Enter or the card's number stamps it, Esc cancels."""

    def __init__(self, cards: Sequence[StampCard]) -> None:
        super().__init__()
        self.cards = list(cards)

    def compose(self) -> ComposeResult:
        # The frame without title, buttons or footer: a quick choice between a few cards.
        with Vertical(id="dialog"):
            yield Label(_("Which stamp card?"), classes="title")
            yield Static(_("Its number, or ↑ ↓ and Enter · Esc: cancel"), classes="hint")
            yield OptionList(
                *(
                    Option(f"{i}  {card.label}", id=str(card.program_id))
                    for i, card in enumerate(self.cards, start=1)
                ),
                id="stamp-options",
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        assert event.option.id is not None
        self.dismiss(int(event.option.id))

    def on_key(self, event: events.Key) -> None:
        key = event.character
        if key and key.isdigit() and 1 <= int(key) <= len(self.cards):
            event.stop()
            self.dismiss(self.cards[int(key) - 1].program_id)
