"""The day's close (F6 on the Reports screen, or the command palette): one day per till and
cashier, as `loyalty report day` prints it; F7 sends it to the receipt printer.

The figures are read through the screen's :class:`DbWork`, so a busy database never freezes it;
a wrong date or a missing printer is a line on the screen.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Input, Static

from app.domain import report as rep
from app.domain.errors import LoyaltyError
from app.i18n import _
from app.services.context import Context
from app.services.day_close import DayClose, day_close
from app.services.day_close_text import day_close_lines, print_day_close
from app.services.reports import today
from app.tui.db_work import DbWork
from app.tui.widgets.key_bar import KeyBar


class DayCloseScreen(Screen[None]):
    """The day's figures; type another date and Enter to see that day."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", _("Back"), key_display=_("Esc")),
        Binding("f5", "recompute", _("Refresh"), key_display="F5"),
        Binding("f7", "print", _("Print"), key_display="F7"),
    ]

    DEFAULT_CSS = """
    DayCloseScreen #close-controls { height: 3; }
    DayCloseScreen #close-date { width: 20; }
    DayCloseScreen #close-message { height: 1; padding: 0 1; color: $text-muted; }
    DayCloseScreen #close-message.-error { color: $text-error; text-style: bold; }
    DayCloseScreen #close-body { height: 1fr; padding: 0 1; }
    """
    AUTO_FOCUS = "#close-date"

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx
        self.db = DbWork(self, self.say)
        self.close: DayClose | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="close-controls"):
            yield Input(placeholder=_("date YYYY-MM-DD"), id="close-date")
        yield Static(id="close-message", markup=False)
        with VerticalScroll(id="close-body"):
            yield Static(id="close-text", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = _("Day's close")
        self.compute()

    def say(self, text: str, kind: str = "info") -> None:
        message = self.query_one("#close-message", Static)
        message.update(text)
        message.set_class(kind == "error", "-error")

    def day(self) -> date | None:
        """The typed day, or None for today (a readable error if it is no date)."""
        text = self.query_one("#close-date", Input).value.strip()
        return rep.parse_day(text) if text else None

    @on(Input.Submitted, "#close-date")
    def date_given(self) -> None:
        self.compute()

    def action_recompute(self) -> None:
        self.compute()

    def compute(self) -> None:
        """Read the day's figures off the event loop."""
        try:
            day = self.day() or today(self.ctx)
        except LoyaltyError as exc:
            self.say(exc.message, "error")
            return
        self.say(_("Reading the day's figures…"))
        self.db.run("close", lambda: day_close(self.ctx, day), self.show, latest=True)

    def show(self, close: DayClose) -> None:
        self.close = close
        self.say("")
        width = max(40, min(72, self.size.width - 4))
        self.query_one("#close-text", Static).update("\n".join(day_close_lines(close, width)))

    def action_print(self) -> None:
        """F7: the day's close on the receipt printer."""
        close = self.close
        if close is None:
            return
        self.say(_("Printing the day's close…"))
        self.db.run(
            "print",
            lambda: print_day_close(self.ctx, close),
            lambda where: self.say(
                _("Printed the day's close on {printer}").format(printer=where), "success"
            ),
        )

    def text(self) -> str:
        """The figures as shown (for tests)."""
        return str(self.query_one("#close-text", Static).content)

    def action_back(self) -> None:
        self.dismiss(None)
