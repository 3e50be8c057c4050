"""Ctrl+N: the last messages in full, newest first, however long they were."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from app.i18n import _, format_timestamp
from app.tui.message_log import LoggedMessage
from app.tui.screens.dialog import Dialog

STYLES = {"error": "bold $text-error", "success": "$text-success", "warning": "$text-warning"}


class MessageLogScreen(Dialog[None]):
    """The messages of this session (the newest first); Esc or Ctrl+N closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", _("Close"), key_display="Esc"),
        Binding("ctrl+n", "cancel", _("Close"), key_display=_("Ctrl+N")),
    ]

    def __init__(self, messages: list[LoggedMessage]) -> None:
        super().__init__()
        self.messages = messages
        self.title_text = _("Last messages")
        self.hint_text = _("Newest first · ↑↓ scroll · Esc closes")

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="message-log"):
            if not self.messages:
                yield Static(_("No messages yet"), classes="logged", markup=False)
            for message in self.messages:
                yield Static(
                    Content.assemble(
                        (format_timestamp(message.at), "dim"),
                        "  ",
                        (message.text, STYLES.get(message.kind, "")),
                    ),
                    classes="logged",
                )

    def on_mount(self) -> None:
        self.query_one("#message-log").focus()
