"""The counter's scan field: a card, a coupon or a search, handed on whole at Enter."""

from __future__ import annotations

from textual import events

from app.tui.widgets.ordered_input import OrderedInput
from app.tui.widgets.scan_keys import ScanEntered


class ScanInput(OrderedInput):
    """Takes a scan's characters; Enter posts :class:`ScanEntered` and empties the field at
    once, so the next burst (a second card right behind the first) starts in an empty field
    and nothing is joined."""

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            text = self.value
            self.value = ""
            self.post_message(ScanEntered(text))
        # Other keys: Textual goes on with OrderedInput's and Input's handlers.

    def put_back(self, text: str) -> None:
        """Show ``text`` again, selected so the next key replaces it (a refused scan, a
        search) — unless the next scan has begun here meanwhile: that one is kept."""
        if self.value:
            return
        self.value = text
        self.select_all()
