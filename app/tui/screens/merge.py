"""Merge two members at the desk: the other member's card, whose it is, then a second F9."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Label, Static

from app.domain.errors import LoyaltyError
from app.i18n import _, format_points, ngettext
from app.services.context import Context
from app.services.lookup import lookup_card
from app.services.member_history import MemberProfile
from app.services.merge import MergeResult, merge_members
from app.services.views import MemberView
from app.store.errors import DatabaseError
from app.tui.member_text import profile_name
from app.tui.screens.dialog import Dialog
from app.tui.widgets.member_panel import member_display_name
from app.tui.widgets.ordered_input import OrderedInput


class MergeScreen(Dialog[MergeResult | None]):
    """Asks for the other member's card, shows who that is, then merges on a second F9."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "confirm", _("Merge"), key_display="F9"),
    ]
    AUTO_FOCUS = "#desk-merge-card"

    def __init__(self, ctx: Context, keep: MemberProfile) -> None:
        super().__init__()
        self.ctx = ctx
        self.keep = keep
        # The other card once the owner has seen whose it is; a second F9 then merges.
        self.checked: str | None = None
        self.title_text = _("Merge two members")
        self.hint_text = _("Enter/F9: check the card, then F9 again to merge · Esc: cancel")

    def compose_body(self) -> ComposeResult:
        yield Static(
            ngettext(
                "Keep: {name} · card {card} · {points} point",
                "Keep: {name} · card {card} · {points} points",
                self.keep.points,
            ).format(
                name=profile_name(self.keep),
                card=self.keep.card,
                points=format_points(self.keep.points),
            ),
            id="desk-merge-keep",
            markup=False,
        )
        with Horizontal(classes="row"):
            yield Label(_("Other card"))
            yield OrderedInput(
                placeholder=_("scan or type the other member's card"),
                compact=True,
                id="desk-merge-card",
            )
        yield Static(id="desk-merge-preview", markup=False)

    def show_preview(self, text: str) -> None:
        """Who the other card belongs to and what the merge does; empty hides it."""
        box = self.query_one("#desk-merge-preview", Static)
        box.update(text)
        box.set_class(bool(text), "-shown")

    @on(Input.Changed)
    def _typed(self) -> None:
        self.checked = None
        self.show_preview("")
        self.show_message("")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_confirm()

    def action_confirm(self) -> None:
        text = self.query_one("#desk-merge-card", Input).value.strip()
        if self.checked is None or self.checked != text:
            self.db.run(
                "merge",
                lambda: lookup_card(self.ctx, text, recent=0),
                lambda other: self.show_other(other, text),
                self.failed,
            )
            return
        assert self.keep.card is not None
        keep = self.keep.card
        self.db.run("merge", lambda: merge_members(self.ctx, keep, text), self.dismiss, self.failed)

    def show_other(self, other: MemberView, text: str) -> None:
        """Whose the other card is and what the merge does; a second F9 merges."""
        if self.query_one("#desk-merge-card", Input).value.strip() != text:
            return  # typed on meanwhile: the next F9 looks the new text up
        if other.member_id == self.keep.member_id:
            self.show_message(_("Both cards belong to the same member"))
            return
        self.checked = text
        self.show_preview(
            ngettext(
                "Merge {name} (card {card}, {points} point) into this member? Their sales, points"
                " and cards move here and card {card} is blocked. Press F9 to merge.",
                "Merge {name} (card {card}, {points} points) into this member? Their sales,"
                " points and cards move here and card {card} is blocked. Press F9 to merge.",
                other.points,
            ).format(
                name=member_display_name(other),
                card=other.card,
                points=format_points(other.points),
            ),
        )

    def failed(self, exc: LoyaltyError) -> None:
        if not isinstance(exc, DatabaseError):
            # The card was refused; a database failure keeps the preview for another F9.
            self.checked = None
            self.show_preview("")
        self.show_message(exc.message)
