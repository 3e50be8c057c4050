"""An input field that acts on each key in the order the keys were typed.

Textual inserts a typed character as soon as the field takes the key from its queue, but runs a
key's binding (Enter, Backspace, Ctrl+U, the screen's F9) only once that key has bubbled up to
the app. When keys come in a burst (a barcode scanner, a busy machine) the field has meanwhile
taken the keys behind it: Enter submitted two card numbers joined, Ctrl+U then F9 saved a
postcode with a digit short. This field runs the binding the moment it reaches the key, so the
action sees the field exactly as typed up to that key (docs/ARCHITECTURE.md, "The path of a
scan").
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class OrderedInput(Input):
    """An ``Input`` whose keys' bindings run in typing order, not after the keys behind them."""

    async def _on_key(self, event: events.Key) -> None:
        # Textual then calls ``Input._on_key`` too, unless the binding ran (prevent_default).
        if not event.is_printable:
            await self.run_binding_now(event)

    async def run_binding_now(self, event: events.Key) -> bool:
        """Run the binding of ``event``'s key at once, as the app would after the key bubbled
        up; ``False`` when there is none to run here (the key then goes its usual way)."""
        screen = self.screen
        if not screen.is_active or screen.focused is not self:
            # Keys still queued for a field the focus has left, or a screen that is closing.
            return False
        active = screen.active_bindings.get(event.key)
        # Priority bindings ran before the key was sent here; a disabled one is left to the app.
        if active is None or active.binding.priority or not active.enabled:
            return False
        if active.node is self and active.binding.action.startswith("scroll_"):
            # Up and Down scroll nothing in a one-line field: they go their usual way, past
            # the screen's key handler (the member desk's Down moves into the table).
            return False
        event.stop()
        event.prevent_default()
        await self.app.run_action(active.binding.action, active.node)
        return True
