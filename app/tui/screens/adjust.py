"""Manual points adjustment with a mandatory reason."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Static

from app.i18n import _
from app.services.context import Context
from app.services.views import AdjustResult, MemberView


class AdjustScreen(ModalScreen[AdjustResult | None]):
    """Add or remove points; dismisses with the adjustment, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", _("Back"))]

    def __init__(self, ctx: Context, member: MemberView) -> None:
        super().__init__()
        self.ctx = ctx
        self.member = member

    def compose(self) -> ComposeResult:
        yield Static(_("Adjust points"))

    def action_cancel(self) -> None:
        self.dismiss(None)
