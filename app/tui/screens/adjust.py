"""Manual points adjustment with a mandatory reason."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Label, Static

from app.domain.errors import LoyaltyError
from app.domain.money import parse_points
from app.i18n import _, format_points
from app.services.adjustments import adjust_points
from app.services.context import Context
from app.services.views import AdjustResult, MemberView
from app.tui.member_text import member_line
from app.tui.screens.dialog import Dialog
from app.tui.widgets.ordered_input import OrderedInput


class AdjustScreen(Dialog[AdjustResult | None]):
    """Add or remove points; dismisses with the adjustment, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "confirm", _("Adjust"), key_display="F9"),
    ]
    AUTO_FOCUS = "#points"

    def __init__(self, ctx: Context, member: MemberView) -> None:
        super().__init__()
        self.ctx = ctx
        self.member = member
        self.title_text = _("Adjust points")
        self.action_label = _("Adjust")
        self.action_variant = "warning"
        self.hint_text = _("Enter: next field")

    def compose_body(self) -> ComposeResult:
        yield Static(member_line(self.member), id="who", markup=False)
        with Horizontal(classes="row"):
            yield Label(_("Points"))
            yield OrderedInput(placeholder=_("e.g. 50 or -50"), compact=True, id="points")
        yield Static(id="preview", markup=False)
        with Horizontal(classes="row"):
            yield Label(_("Reason"))
            yield OrderedInput(
                placeholder=_("required, e.g. receipt lost"),
                max_length=200,
                compact=True,
                id="reason",
            )

    @on(Input.Changed)
    def typed(self, event: Input.Changed) -> None:
        self.show_message("")
        if event.input.id == "points":
            self.update_preview(event.value)

    def update_preview(self, text: str) -> None:
        """The balance the adjustment would leave, while the points are typed."""
        preview = self.query_one("#preview", Static)
        try:
            points = parse_points(text, allow_negative=True)
        except LoyaltyError:
            points = 0
        # A balance below zero is refused on confirm, with the service's message.
        if points == 0 or self.member.points + points < 0:
            preview.update("")
            return
        preview.update(
            _("New balance: {points}").format(points=format_points(self.member.points + points))
        )

    def action_confirm(self) -> None:
        if self.db.pending("adjust"):
            return
        points_input = self.query_one("#points", Input)
        try:
            points = parse_points(points_input.value, allow_negative=True)
        except LoyaltyError as exc:
            self.show_message(exc.message)
            return
        card, reason = self.member.card, self.query_one("#reason", Input).value
        self.db.run("adjust", lambda: adjust_points(self.ctx, card, points, reason), self.dismiss)

    @on(Input.Submitted)
    def field_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "reason":
            self.action_confirm()
        else:
            self.query_one("#reason", Input).focus()
