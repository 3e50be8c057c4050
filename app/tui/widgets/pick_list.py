"""The pick list: members found by a name, email or phone search; arrows and Enter pick one."""

from __future__ import annotations

from textual import on
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from app.domain.text import quote_input
from app.i18n import _, format_points
from app.services.views import MemberSummary


def _option(found: MemberSummary) -> Option:
    contact = " · ".join(p for p in (found.email, found.phone, found.postcode) if p)
    label = Content.assemble(
        (f"{found.last_name}, {found.first_name}", "bold"),
        "  ",
        (found.card or _("no active card"), "$accent"),
        "  ",
        _("{points} pts").format(points=format_points(found.points)),
        "\n  ",
        (contact, "dim"),
    )
    return Option(label, id=str(found.member_id))


class PickList(OptionList):
    """Search results; posts ``Picked`` with the chosen member's id."""

    class Picked(Message):
        """The cashier chose a member from the list."""

        def __init__(self, member_id: int) -> None:
            super().__init__()
            self.member_id = member_id

    def show_results(self, text: str, found: list[MemberSummary]) -> None:
        """Fill the list with the members found for ``text``, the first one highlighted."""
        self.border_title = _("{count} found for “{text}” · ↑↓ Enter to pick · Esc").format(
            count=len(found), text=quote_input(text)
        )
        self.set_options(_option(m) for m in found)
        self.highlighted = 0 if found else None

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Picked(int(event.option.id)))
