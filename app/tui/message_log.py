"""The last messages the screens showed, kept in full for Ctrl+N (a line may wrap or be cut
on a narrow terminal; the log never is)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from textual.app import App

KEEP = 50
"""How many messages the log keeps (the newest)."""


@dataclass(frozen=True)
class LoggedMessage:
    """One message as it was shown: when, how (``error``, ``success``, ``info``) and what."""

    at: datetime
    kind: str
    text: str


class MessageLog:
    """The newest :data:`KEEP` messages; the same text said twice in a row is kept once."""

    def __init__(self) -> None:
        self._messages: deque[LoggedMessage] = deque(maxlen=KEEP)

    def add(self, text: str, kind: str = "info") -> None:
        text = text.strip()
        if not text:
            return
        if self._messages and self._messages[-1].text == text:
            return
        self._messages.append(LoggedMessage(datetime.now().astimezone(), kind or "info", text))

    def newest_first(self) -> list[LoggedMessage]:
        return list(reversed(self._messages))


def remember(app: App[Any], text: str, kind: str = "info") -> None:
    """Keep a message the screen shows in the app's log (apps without one keep nothing)."""
    log = getattr(app, "message_log", None)
    if isinstance(log, MessageLog):
        log.add(text, kind)
