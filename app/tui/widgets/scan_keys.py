"""Scans as messages: what the scan field, the figure fields and the pick list hand to the
counter, and the keys a widget other than the scan field catches for it.

A scan is a burst of characters ending in Enter. Wherever it lands, the widget that took the
keys posts one :class:`ScanEntered` with the whole text at its Enter; the counter queues it
(``tui/scan_queue.py``) and ``services/scan.classify_scan`` says what it is.
"""

from __future__ import annotations

from textual import events
from textual.message import Message


class ScanEntered(Message):
    """A complete scan (or a search typed and ended with Enter), in the order it was made."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class ScanTyped(Message):
    """Characters caught for the scan field so far: the counter shows them there."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class CaughtKeys:
    """Keys a widget takes for the scan field instead of for itself, until Enter.

    The widget keeps the focus while it catches (moving it during a burst would split the scan
    between two fields); the caught text shows in the scan field through :class:`ScanTyped`.
    """

    def __init__(self) -> None:
        self.text: str | None = None

    @property
    def active(self) -> bool:
        return self.text is not None

    def start(self, text: str) -> ScanTyped:
        """Begin catching with ``text``; returns the message that shows it."""
        self.text = text
        return ScanTyped(text)

    def stop(self) -> None:
        """Stop catching (the focus went elsewhere); what was caught stays in the scan field."""
        self.text = None

    def take(self, event: events.Key) -> list[Message]:
        """Take ``event`` if it belongs to the caught text; returns the messages to post (none:
        the key was not taken, and catching has ended if it had begun)."""
        text = self.text
        if text is None:
            return []
        if event.key == "enter":
            self.text = None
            # The scan field is cleared first, then the scan goes its way.
            return [ScanTyped(""), ScanEntered(text)] if text.strip() else [ScanTyped("")]
        if event.key == "escape":
            self.text = None
            return [ScanTyped("")]
        if event.key == "backspace":
            self.text = text[:-1] or None
            return [ScanTyped(text[:-1])]
        if event.is_printable and event.character:
            self.text = text + event.character
            return [ScanTyped(self.text)]
        # Any other key (F3, F9, a cursor key) ends catching; the text stays in the scan field.
        self.text = None
        return []
