"""The member desk: every member, filtered as the owner types, one page at a time.

Only one page of members is ever in the table: the page is as tall as the table, and
PageDown/PageUp fetch the next or previous page by keyset (the last row's sort key), so the
list costs the same at a million members as at a hundred.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Header, Input, Label, Static

from app.domain.cards import looks_like_card
from app.domain.errors import LoyaltyError
from app.domain.profile import display_phone
from app.domain.segments import looks_like_segment
from app.i18n import _, format_points
from app.services.context import Context
from app.services.member_desk import member_id_for_card
from app.services.member_history import member_profile
from app.services.member_list import MemberPage, list_members
from app.services.views import MemberSummary
from app.store.errors import DatabaseError
from app.tui.db_work import unexpected_text
from app.tui.message_log import remember
from app.tui.widgets.key_bar import KeyBar
from app.tui.widgets.ordered_input import OrderedInput

log = logging.getLogger(__name__)

# Typing pauses shorter than this are one filter: no query per keystroke.
DEBOUNCE_SECONDS = 0.15
# Before the table has a size (first load), a page of this many rows.
DEFAULT_PAGE = 20


def sort_label(sort: str) -> str:
    """The sort order as the owner reads it."""
    labels = {
        "name": _("name"),
        "points": _("points (most first)"),
        "newest": _("newest members first"),
    }
    return labels.get(sort, sort)


class DeskTable(DataTable[Any], inherit_bindings=False):
    """The members table: PageUp/PageDown belong to the screen (next and previous page), and
    the arrow keys run on into the next or previous page at the table's ends."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", show=False),
        Binding("up", "cursor_up", show=False),
        Binding("down", "cursor_down", show=False),
        Binding("home", "scroll_top", show=False),
        Binding("end", "scroll_bottom", show=False),
    ]

    class PastEdge(Message):
        """The cursor was moved past the last (``step`` 1) or the first (-1) row."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    def action_cursor_down(self) -> None:
        if self.row_count and self.cursor_row >= self.row_count - 1:
            self.post_message(self.PastEdge(1))
        else:
            super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.row_count and self.cursor_row <= 0:
            self.post_message(self.PastEdge(-1))
        else:
            super().action_cursor_up()


class MembersScreen(Screen[None]):
    """All members in a table with a filter field; Enter opens a member, Esc goes back."""

    AUTO_FOCUS = "#desk-filter"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", _("Back"), key_display=_("Esc")),
        Binding("f2", "sort('name')", _("By name"), key_display="F2"),
        Binding("f3", "sort('points')", _("By points"), key_display="F3"),
        Binding("f4", "sort('newest')", _("Newest"), key_display="F4"),
        # Priority: the filter field would otherwise take them (and the key bar would not show
        # them) while the owner types.
        Binding("pagedown", "next_page", _("Next"), key_display=_("PgDn"), priority=True),
        Binding("pageup", "previous_page", _("Prev"), key_display=_("PgUp"), priority=True),
        Binding("enter", "open", _("Open"), key_display=_("Enter")),
    ]

    CSS_PATH = "members.tcss"

    def __init__(self, ctx: Context, *, open_member: int | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.open_member = open_member
        self.sort = "name"
        # The after-key each shown page started from; the last one is the page on screen.
        self.page_starts: list[tuple[Any, ...] | None] = [None]
        self.next_key: tuple[Any, ...] | None = None
        self.rows_shown = 0
        self.page_limit = DEFAULT_PAGE
        # The row the cursor goes to on the next page shown (-1: the last row, for the arrow up
        # across pages; the same row after a member's view closes).
        self.cursor_target = 0
        self.generation = 0
        # The query whose answer (rows or a message) is on screen.
        self.shown_generation = 0
        self._timer: Timer | None = None
        # One reading thread for the screen's life: its database connection (one per thread)
        # and that connection's page cache stay warm from one keystroke to the next.
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="member-desk")

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="desk-filter-row"):
            yield Label(_("Filter"), id="desk-filter-label")
            yield OrderedInput(
                placeholder=_("name, email, phone, card number or a segment (lapsed:90)"),
                compact=True,
                # Keys typed in the table go on with the filter: focusing it must not select it.
                select_on_focus=False,
                id="desk-filter",
            )
        yield Static(id="desk-status")
        yield DeskTable(cursor_type="row", zebra_stripes=True, id="desk-table")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.table
        table.add_column(_("Card"), key="card", width=13)
        table.add_column(_("Name"), key="name", width=26)
        # Points before the contact details: on a narrow terminal (60 columns) they stay in view.
        table.add_column(Text(_("Points"), justify="right"), key="points", width=7)
        table.add_column(_("Phone"), key="phone", width=16)
        table.add_column(_("Postcode"), key="postcode", width=8)
        # After the first layout the table knows its height, and so the page size.
        self.call_after_refresh(self.load)
        if self.open_member is not None:
            self.show_member(self.open_member)

    # --- parts -------------------------------------------------------------------------

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#desk-table", DataTable)

    @property
    def filter_text(self) -> str:
        return self.query_one("#desk-filter", Input).value

    @property
    def filter_pending(self) -> bool:
        """Whether a typed filter still waits for the typing pause before it is queried."""
        return self._timer is not None

    @property
    def page_number(self) -> int:
        return len(self.page_starts)

    def page_size(self) -> int:
        height = self.table.size.height
        # One line is the header; a table not laid out yet gets a sensible page.
        return max(5, height - 1) if height > 1 else DEFAULT_PAGE

    def say(self, text: str, error: bool = False) -> None:
        status = self.query_one("#desk-status", Static)
        status.update(Content(text))
        status.set_class(error, "-error")
        if error:
            remember(self.app, text, "error")

    # --- loading pages -----------------------------------------------------------------

    @on(Input.Changed, "#desk-filter")
    def _filter_changed(self) -> None:
        self.page_starts = [None]
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_SECONDS, self.load)

    @on(Input.Submitted, "#desk-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.page_starts = [None]
        self.load()
        self.table.focus()

    def load(self) -> None:
        """Fetch the current page (filter, sort, start) off the event loop."""
        self._timer = None
        self.generation += 1
        self.page_limit = self.page_size()
        self._fetch(
            self.generation, self.filter_text, self.sort, self.page_starts[-1], self.page_limit
        )

    def on_resize(self) -> None:
        # A taller or shorter terminal: once laid out, fetch a page that fits it.
        self.call_after_refresh(self._fit_page)

    def _fit_page(self) -> None:
        if self.generation and self.page_size() != self.page_limit:
            self.load()

    # Not DbWork (app/tui/db_work.py): a page is read on the screen's one reader thread, whose
    # warm connection keeps paging fast, and a newer filter cancels an older read. The same
    # promise holds: a failure is a message or a notification, never the end of the app.
    @work(exclusive=True, group="desk-members", exit_on_error=False)
    async def _fetch(
        self, generation: int, text: str, sort: str, after: tuple[Any, ...] | None, limit: int
    ) -> None:
        loop = asyncio.get_running_loop()
        try:
            page = await loop.run_in_executor(self._reader, self._query, text, sort, after, limit)
        except LoyaltyError as exc:
            self._failed(generation, exc.message)
        except Exception as exc:  # a bug must not end the app
            log.exception("Reading the member list failed")
            self.notify(unexpected_text(exc), severity="error", markup=False)
        else:
            self._show(generation, page)

    def _query(self, text: str, sort: str, after: tuple[Any, ...] | None, limit: int) -> MemberPage:
        stripped = text.strip()
        if after is None and looks_like_card(stripped, self.ctx.layout().prefix):
            # A scanned card shows its member, whichever card of theirs it is.
            try:
                member_id = member_id_for_card(self.ctx, stripped, usable=False)
            except DatabaseError:
                raise
            except LoyaltyError:
                return list_members(self.ctx, text, sort=sort, limit=limit)
            p = member_profile(self.ctx, member_id)
            summary = MemberSummary(
                p.member_id,
                p.card,
                p.first_name,
                p.last_name,
                p.email,
                p.phone,
                p.postcode,
                p.points,
            )
            return MemberPage(members=(summary,), next_key=None)
        return list_members(self.ctx, text, sort=sort, after_key=after, limit=limit)

    def _failed(self, generation: int, message: str) -> None:
        if generation == self.generation:
            # The rows of the previous filter would look like the answer to this one.
            self.table.clear()
            self.rows_shown = 0
            self.next_key = None
            self.shown_generation = generation
            self.refresh_bindings()
            self.say(message, error=True)

    def _show(self, generation: int, page: MemberPage) -> None:
        # A slower answer to an older filter must not replace a newer one.
        if generation != self.generation:
            return
        table = self.table
        table.clear()
        for m in page.members:
            table.add_row(
                Text(m.card or "—"),
                Text(", ".join(n for n in (m.last_name, m.first_name) if n) or "—"),
                Text(format_points(m.points), justify="right"),
                Text(display_phone(m.phone) if m.phone else ""),
                Text(m.postcode or ""),
                key=str(m.member_id),
            )
        if page.members:
            last = len(page.members) - 1
            table.move_cursor(row=last if self.cursor_target < 0 else min(self.cursor_target, last))
        self.cursor_target = 0
        self.next_key = page.next_key
        self.rows_shown = len(page.members)
        self.shown_generation = generation
        self.refresh_bindings()
        if not page.members:
            self.say(_("No member found"), error=bool(self.filter_text.strip()))
            return
        more = _("PgDn: next page") if page.next_key is not None else _("last page")
        if looks_like_segment(self.filter_text):
            # A segment's members come in name order whatever the sort key.
            self.say(
                _("Page {page} · segment {segment} · {more}").format(
                    page=self.page_number, segment=self.filter_text.strip(), more=more
                )
            )
            return
        self.say(
            _("Page {page} · sorted by {sort} · {more}").format(
                page=self.page_number, sort=sort_label(self.sort), more=more
            )
        )

    # --- keys --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_page":
            return True if self.next_key is not None else None
        if action == "previous_page":
            return True if self.page_number > 1 else None
        if action == "open":
            return True if self.rows_shown else None
        return True

    def action_sort(self, sort: str) -> None:
        """Sort by name, points or newest members; back to the first page."""
        self.sort = sort
        self.page_starts = [None]
        self.load()

    def action_next_page(self) -> None:
        if self.next_key is None:
            return
        self.page_starts.append(self.next_key)
        self.next_key = None
        self.cursor_target = 0
        self.load()

    def action_previous_page(self) -> None:
        if len(self.page_starts) > 1:
            self.page_starts.pop()
            self.cursor_target = 0
            self.load()

    @on(DeskTable.PastEdge)
    def _past_edge(self, event: DeskTable.PastEdge) -> None:
        event.stop()
        if event.step > 0:
            self.action_next_page()
        elif self.page_number > 1:
            self.action_previous_page()
            # Up from the first row lands on the member just above it.
            self.cursor_target = -1

    def action_open(self) -> None:
        """Open the member under the cursor."""
        table = self.table
        if not table.row_count:
            return
        row_key, _column = table.coordinate_to_cell_key(table.cursor_coordinate)
        if row_key.value is not None:
            self.show_member(int(row_key.value))

    @on(DataTable.RowSelected, "#desk-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.show_member(int(event.row_key.value))

    def show_member(self, member_id: int) -> None:
        from app.tui.screens.member_view import MemberViewScreen

        self.app.push_screen(MemberViewScreen(self.ctx, member_id), self._member_closed)

    def _member_closed(self, _result: object = None) -> None:
        # A profile edit, a merge or an erasure changes the list: show the page as it is now,
        # with the cursor where it was.
        self.cursor_target = self.table.cursor_row
        self.load()

    def on_key(self, event: events.Key) -> None:
        # Typing while the table has the focus goes on with the filter.
        if self.focused is self.table and event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            field = self.query_one("#desk-filter", Input)
            field.cursor_position = len(field.value)
            field.insert_text_at_cursor(event.character)
            field.focus()
        elif event.key == "down" and self.focused is not self.table and self.rows_shown:
            event.stop()
            self.table.focus()

    def action_back(self) -> None:
        self.dismiss(None)

    def on_unmount(self) -> None:
        self._reader.shutdown(wait=False, cancel_futures=True)
