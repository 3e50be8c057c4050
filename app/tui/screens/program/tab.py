"""What every tab of the program screen has: the context, the screen's message line, its keys,
its database work."""

from __future__ import annotations

from typing import ClassVar

from textual.widgets import TabPane

from app.services.context import Context
from app.tui.db_work import DbWork, Say


class ProgramTab(TabPane):
    """One tab of the program screen. The screen holds the keys (one key bar for every tab);
    the tab in front says which of them it offers and does what they mean there."""

    TAB_ID: ClassVar[str]
    """The pane's id (``program-earning``): tests and the screen find the tab by it."""
    KEYS: ClassVar[frozenset[str]] = frozenset()
    """The screen's tab actions this tab offers (save, add, edit, remove, ...)."""

    def __init__(self, ctx: Context, say: Say) -> None:
        super().__init__(self.title(), id=self.TAB_ID)
        self.ctx = ctx
        self.say = say
        # The tab's writes, off the event loop; waiting and failures on the screen's line.
        self.db = DbWork(self, say)

    @staticmethod
    def title() -> str:
        """The tab's title, in the owner's language."""
        raise NotImplementedError

    def focus_first(self) -> None:
        """Focus what the keys work on first: a form's first field, a list's table."""
        raise NotImplementedError
