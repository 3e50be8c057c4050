"""Refund one of the member's recent sales, fully or in part."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Static

from app.i18n import _
from app.services.context import Context
from app.services.views import MemberView, RefundResult


class RefundScreen(ModalScreen[RefundResult | None]):
    """Pick a sale, confirm the amount; dismisses with the refund, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", _("Back"))]

    def __init__(self, ctx: Context, member: MemberView) -> None:
        super().__init__()
        self.ctx = ctx
        self.member = member

    def compose(self) -> ComposeResult:
        yield Static(_("Refund"))

    def action_cancel(self) -> None:
        self.dismiss(None)
