"""Before enrolling: members who may be the same person; open one, or enroll anyway."""

from __future__ import annotations

from typing import ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from app.i18n import _
from app.services.duplicates import Duplicate, reason_text
from app.tui.screens.dialog import Dialog

ENROLL_ANYWAY: Literal["enroll"] = "enroll"
DuplicateChoice = int | Literal["enroll"]
"""A member's id to open, or :data:`ENROLL_ANYWAY`."""


def _option(dup: Duplicate) -> Option:
    member = dup.member
    label = Content.assemble(
        (f"{member.last_name}, {member.first_name}", "bold"),
        "  ",
        (member.card or _("no active card"), "$accent"),
        "\n  ",
        (" · ".join(reason_text(r) for r in dup.reasons), "dim"),
    )
    return Option(label, id=str(member.member_id))


class DuplicatesScreen(Dialog[DuplicateChoice | None]):
    """Lists the likely duplicates; dismisses with the id of the member to open,
    :data:`ENROLL_ANYWAY`, or None (back to the form, as typed)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "confirm", _("Enroll anyway"), key_display="F9"),
    ]
    AUTO_FOCUS = "#duplicates"

    def __init__(self, found: tuple[Duplicate, ...]) -> None:
        super().__init__()
        self.found = found
        self.title_text = _("Already a member?")
        self.action_label = _("Enroll anyway")
        self.action_variant = "warning"
        self.hint_text = _("Enter: open the member · F9: enroll anyway · Esc: back to the form")

    def compose_body(self) -> ComposeResult:
        yield Static(
            _("These members may be the same person:"), id="duplicates-intro", markup=False
        )
        options = OptionList(*(_option(d) for d in self.found), id="duplicates")
        options.highlighted = 0
        yield options

    def action_confirm(self) -> None:
        self.dismiss(ENROLL_ANYWAY)

    @on(OptionList.OptionSelected, "#duplicates")
    def _open(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.dismiss(int(event.option.id))
