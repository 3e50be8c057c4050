"""Enroll a new member from the counter."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Static

from app.i18n import _
from app.services.context import Context
from app.services.views import MemberView


class EnrollScreen(ModalScreen[MemberView | None]):
    """A form for a new member; dismisses with the new member, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", _("Back"))]

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx

    def compose(self) -> ComposeResult:
        yield Static(_("Enroll a new member"))

    def action_cancel(self) -> None:
        self.dismiss(None)
