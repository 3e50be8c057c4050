"""The pick list: members found by a name, email or phone search; arrows and Enter pick one."""

from __future__ import annotations

from textual import events, on
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from app.domain.text import quote_input
from app.i18n import _, format_points
from app.services.views import MemberSummary
from app.tui.widgets.scan_keys import CaughtKeys


def member_option(found: MemberSummary) -> Option:
    """A member found by a search, as a line of a list: name, card, points, contact."""
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
    """Search results; posts ``Picked`` with the chosen member's id.

    Characters typed (or scanned) while the list has the focus are caught for the scan field
    (``scan_keys.CaughtKeys``): Enter then hands them on as the next scan, never as "pick the
    highlighted member".
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._caught = CaughtKeys()

    async def _on_key(self, event: events.Key) -> None:
        messages = self._caught.take(event)
        if not messages and event.is_printable and event.character:
            messages = [self._caught.start(event.character)]
        if not messages:
            return
        event.stop()
        event.prevent_default()
        for message in messages:
            self.post_message(message)

    def on_blur(self) -> None:
        self._caught.stop()

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
        self.set_options(member_option(m) for m in found)
        self.highlighted = 0 if found else None

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Picked(int(event.option.id)))
