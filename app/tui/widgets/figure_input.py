"""The amount and points fields: figures typed by hand stay, a scan that lands here goes on.

A scanner types into whichever field has the cursor. A figure field hands a scan on as
:class:`ScanEntered` and returns to the value it had before the scan began, when

- a character no figure has (a letter) arrives: it and the rest of the burst up to Enter are
  caught for the scan field (``scan_keys.CaughtKeys``), with the figures of the same burst that
  came before it; or
- Enter ends text that the counter's ``is_scan`` (``services/scan.is_scan_in_figures``) calls
  a scan: a whole card number however it was typed, or card-like digits typed faster than a
  person types (a *burst*: keys less than ``BURST_GAP`` apart); or
- keys arrive while the field is disabled or has lost the focus (the sale is being written,
  F9 has moved the cursor on): they are the next scan, never figures.

What a scan *is* stays decided by ``services/scan.py``; this field only finds where it begins.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import events

from app.tui.widgets.ordered_input import OrderedInput
from app.tui.widgets.scan_keys import CaughtKeys, ScanEntered

BURST_GAP = 0.012
"""Seconds between two keys of one burst: a scanner sends them a few ms apart (a terminal
delivers a scan's keys in one read, with the same time), a person types ~40 ms or more apart.
A scanner set to a slower pace is typing to this field: a whole card number and letters are
still recognised by what they are."""

FIGURE_CHARACTERS = frozenset("0123456789 .,'+-€$£")
"""Everything an amount or a number of points can be typed with (``domain/money``)."""


class FigureInput(OrderedInput):
    """An amount or points field that never keeps a scan (see the module's docstring)."""

    def __init__(self, *, is_scan: Callable[[str, bool], bool] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.is_scan = is_scan
        """``is_scan(text, burst)``: whether text ended by Enter here is a scan."""
        self._caught = CaughtKeys()
        self._typed: list[tuple[str, str]] = []
        """Characters appended at the end of the field, each with the value before it."""
        self._burst_start = 0
        """Where in ``_typed`` the burst of keys being typed began."""
        self._last_key_time = 0.0

    async def _on_key(self, event: events.Key) -> None:
        # A key not taken here goes on to OrderedInput's and Input's handlers (Textual calls
        # each class's ``_on_key`` unless one prevents the default).
        in_burst = event.time - self._last_key_time < BURST_GAP
        self._last_key_time = event.time
        if self._catch(event):
            return
        if not in_burst:
            self._burst_start = len(self._typed)
        character = event.character if event.is_printable else None
        if character is not None:
            elsewhere = self.disabled or self.screen.focused is not self
            if elsewhere or character not in FIGURE_CHARACTERS:
                event.stop()
                event.prevent_default()
                self._hand_on_burst(character, in_burst)
            elif self.cursor_position == len(self.value) and self.selection.is_empty:
                self._typed.append((self.value, character))
            else:
                self._forget()
            return
        if event.key == "enter" and self._scan_at_enter(in_burst):
            event.stop()
            event.prevent_default()
            return
        # Enter, cursor keys, Backspace, F4: what follows is typed anew.
        self._forget()

    def on_blur(self) -> None:
        self._forget()
        self._caught.stop()

    def _forget(self) -> None:
        self._typed.clear()
        self._burst_start = 0

    # --- finding the scan --------------------------------------------------------------

    def _typed_since(self, start: int) -> tuple[str, str] | None:
        """(value before, text typed) from ``start`` on, if the field still holds just that."""
        if not 0 <= start < len(self._typed):
            return None
        before = self._typed[start][0]
        text = "".join(character for _before, character in self._typed[start:])
        return (before, text) if self.value == before + text else None

    def _restore(self, before: str) -> None:
        self._forget()
        self.value = before
        self.cursor_position = len(before)

    def _hand_on_burst(self, character: str, in_burst: bool) -> None:
        """A key that is no figure: catch it, with the figures its burst put here before it."""
        start = self._typed_since(self._burst_start) if in_burst else None
        text = character
        if start is not None:
            before, typed = start
            self._restore(before)
            text = typed + character
        self._forget()
        self.post_message(self._caught.start(text))

    def _catch(self, event: events.Key) -> bool:
        messages = self._caught.take(event)
        if not messages:
            return False
        event.stop()
        event.prevent_default()
        for message in messages:
            self.post_message(message)
        return True

    def _scan_at_enter(self, in_burst: bool) -> bool:
        """Enter: if what was typed here is a scan, hand it on and restore the field."""
        if self.is_scan is None:
            return False
        found = None
        # A whole card number, however fast it was typed (after figures typed by hand).
        for start in range(len(self._typed)):
            typed = self._typed_since(start)
            if typed is not None and self.is_scan(typed[1], False):
                found = typed
                break
        if found is None and in_burst:
            # Faster than a person types: the burst is a scan if it could be one (a misread
            # card).
            found = self._typed_since(self._burst_start)
            if found is not None and not self.is_scan(found[1], True):
                found = None
        if found is None:
            return False
        before, text = found
        self._restore(before)
        self.post_message(ScanEntered(text.strip()))
        return True
