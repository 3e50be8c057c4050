"""One field for signing in: first who (a badge scan or a name), then the PIN, masked.

A badge scanned and a PIN typed right behind it arrive as one burst. Moving the focus from a
"who" field to a "PIN" field at the badge's Enter would race with the digits already queued for
the first field; this field takes both in typing order instead: its Enter hands on what was
typed and turns the field into the PIN field at once (masked), before the next key is taken.
"""

from __future__ import annotations

from typing import Literal

from textual import events
from textual.message import Message

from app.tui.widgets.ordered_input import OrderedInput

Stage = Literal["who", "pin"]


class SignInInput(OrderedInput):
    """Who, then the PIN; Enter posts :class:`SignInInput.Entered` and empties the field."""

    class Entered(Message):
        """What was typed up to an Enter, and whether it was typed as who or as the PIN."""

        def __init__(self, text: str, stage: Stage) -> None:
            super().__init__()
            self.text = text
            self.stage = stage

    def __init__(self, *, who_placeholder: str, pin_placeholder: str, id: str | None = None):
        super().__init__(placeholder=who_placeholder, compact=True, id=id, select_on_focus=False)
        self.who_placeholder = who_placeholder
        self.pin_placeholder = pin_placeholder
        self.stage: Stage = "who"

    def ask(self, stage: Stage) -> None:
        """Take who or the PIN from the next key on (the field is emptied)."""
        self.stage = stage
        self.password = stage == "pin"
        self.placeholder = self.pin_placeholder if stage == "pin" else self.who_placeholder
        self.value = ""

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            text, stage = self.value, self.stage
            if not text.strip():
                if stage == "who":
                    # Enter on an empty field: the screen takes the name highlighted in its list.
                    self.post_message(self.Entered("", "who"))
                return
            # The PIN comes next (a wrong who is told and asked again by the screen).
            self.ask("pin")
            self.post_message(self.Entered(text.strip(), stage))
            return
        await super()._on_key(event)
