"""Merge two members at the desk: the other member's card (or a name, then a pick from the
members found), whose it is, then a second F9."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Label, OptionList, Static

from app.domain.errors import LoyaltyError
from app.domain.text import quote_input
from app.i18n import _, format_points, ngettext
from app.services.context import Context
from app.services.lookup import lookup_card
from app.services.member_history import MemberProfile
from app.services.merge import MergeResult, merge_members
from app.services.search import find_members
from app.services.views import MemberSummary, MemberView
from app.store.errors import DatabaseError
from app.tui.member_text import profile_name
from app.tui.screens.dialog import Dialog
from app.tui.widgets.member_panel import member_display_name
from app.tui.widgets.ordered_input import OrderedInput
from app.tui.widgets.pick_list import member_option


class MergeScreen(Dialog[MergeResult | None]):
    """Asks for the other member's card or name, shows who that is, then merges on a second
    F9. A name lists the members found; Enter on one shows who it is."""

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
        # The members a name found, by id, for a pick from the list.
        self.found: dict[int, MemberSummary] = {}
        self.title_text = _("Merge two members")
        self.hint_text = _(
            "Enter/F9: check the card or find the name, then F9 again to merge · Esc: cancel"
        )

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
            yield Label(_("Other member"))
            yield OrderedInput(
                placeholder=_("scan their card or type a name"),
                compact=True,
                id="desk-merge-card",
            )
        yield OptionList(id="desk-merge-found")
        yield Static(id="desk-merge-preview", markup=False)

    def show_preview(self, text: str) -> None:
        """Who the other card belongs to and what the merge does; empty hides it."""
        box = self.query_one("#desk-merge-preview", Static)
        box.update(text)
        box.set_class(bool(text), "-shown")

    def show_found(self, found: list[MemberSummary]) -> None:
        """The members a name found, to pick from; an empty list hides it."""
        self.found = {m.member_id: m for m in found}
        options = self.query_one("#desk-merge-found", OptionList)
        options.set_options(member_option(m) for m in found)
        options.highlighted = 0 if found else None
        options.set_class(bool(found), "-shown")

    @on(Input.Changed)
    def _typed(self) -> None:
        self.checked = None
        self.show_preview("")
        self.show_message("")
        self.show_found([])

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_confirm()

    def action_confirm(self) -> None:
        text = self.query_one("#desk-merge-card", Input).value.strip()
        if self.checked is not None:
            assert self.keep.card is not None
            keep, other = self.keep.card, self.checked
            self.db.run(
                "merge", lambda: merge_members(self.ctx, keep, other), self.dismiss, self.failed
            )
        elif not text or text.isdigit():
            self.check_card(text, text)
        else:
            self.db.run(
                "merge",
                lambda: find_members(self.ctx, text),
                lambda found: self.name_found(found, text),
                self.failed,
            )

    def check_card(self, card: str, text: str) -> None:
        """Look up whose ``card`` is (typed as ``text``), for the preview."""
        self.db.run(
            "merge",
            lambda: lookup_card(self.ctx, card, recent=0),
            lambda other: self.show_other(other, text),
            self.failed,
        )

    def name_found(self, found: list[MemberSummary], text: str) -> None:
        """The members a name found, besides the one kept: one is checked at once, several
        are listed to pick from."""
        if self.query_one("#desk-merge-card", Input).value.strip() != text:
            return
        others = [m for m in found if m.member_id != self.keep.member_id]
        if not others:
            self.show_message(
                _("No other member found for “{text}”").format(text=quote_input(text))
            )
        elif len(others) == 1:
            self.pick(others[0], text)
        else:
            self.show_found(others)
            self.query_one("#desk-merge-found").focus()

    def pick(self, member: MemberSummary, text: str) -> None:
        if member.card is None:
            self.show_message(_("That member has no active card to merge"))
            return
        self.check_card(member.card, text)

    @on(OptionList.OptionSelected, "#desk-merge-found")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        member = self.found.get(int(event.option.id or 0))
        if member is not None:
            self.pick(member, self.query_one("#desk-merge-card", Input).value.strip())

    def show_other(self, other: MemberView, text: str) -> None:
        """Whose the other card is and what the merge does; a second F9 merges."""
        if self.query_one("#desk-merge-card", Input).value.strip() != text:
            return  # typed on meanwhile: the next F9 looks the new text up
        if other.member_id == self.keep.member_id:
            self.show_message(_("Both cards belong to the same member"))
            return
        self.show_found([])
        self.query_one("#desk-merge-card").focus()
        self.checked = other.card
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
