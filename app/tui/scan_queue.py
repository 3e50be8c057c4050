"""The counter's scans, handled one at a time in the order they were made.

A second card right behind the first is the next scan, not more digits of the first; a card
scanned while a sale is being written waits until the sale's result is on screen
(docs/ARCHITECTURE.md, "The path of a scan").
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable


class ScanQueue:
    """Scans waiting for the counter: ``push`` one, ``resume`` after a pause.

    ``handle(text)`` deals with one scan; ``waiting()`` says whether the counter must wait
    (a sale is being written), and then the scans stay queued until ``resume``.
    """

    def __init__(self, handle: Callable[[str], None], waiting: Callable[[], bool]) -> None:
        self._handle = handle
        self._waiting = waiting
        self._pending: deque[str] = deque()
        self._handling = False

    @property
    def pending(self) -> int:
        """How many scans wait."""
        return len(self._pending)

    def push(self, text: str) -> None:
        """Queue a scan; it is handled now unless the counter waits or others are first."""
        self._pending.append(text)
        self.resume()

    def resume(self) -> None:
        """Handle the waiting scans, oldest first, as long as the counter need not wait."""
        if self._handling:
            # A scan's handling queued another (or resumed): the loop below takes it.
            return
        self._handling = True
        try:
            while self._pending and not self._waiting():
                self._handle(self._pending.popleft())
        finally:
            self._handling = False

    def take_all(self) -> list[str]:
        """Remove and return the waiting scans (the counter will not handle them itself)."""
        taken = list(self._pending)
        self._pending.clear()
        return taken
