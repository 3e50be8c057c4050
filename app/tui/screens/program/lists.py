"""The program screen's list tabs: a table of rules (tiers, campaigns, coupons, stamp cards),
and for the rules a dialog to add or change one (F4, Enter) and a key to remove one (Del)."""

from __future__ import annotations

from contextlib import suppress
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static
from textual.widgets.data_table import RowDoesNotExist

from app.domain.errors import LoyaltyError
from app.i18n import _
from app.tui.screens.confirm import ConfirmScreen
from app.tui.screens.form_dialog import FormDialog
from app.tui.screens.program.tab import ProgramTab

Row = tuple[str, list[Text]]
"""A table row: its key (the rule's name or code) and its cells."""


class RuleTable(DataTable[Any], inherit_bindings=False):
    """A list of rules: the arrows move; Enter is the screen's (change the rule, on the key bar)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", show=False),
        Binding("down", "cursor_down", show=False),
        Binding("pageup", "page_up", show=False),
        Binding("pagedown", "page_down", show=False),
        Binding("home", "scroll_top", show=False),
        Binding("end", "scroll_bottom", show=False),
    ]


class ListTab(ProgramTab):
    """A tab with a table of rules, and a note in its place while there are none."""

    TABLE_ID: ClassVar[str]
    """The table's id (``tiers``); its note is ``tiers-empty``."""

    def columns(self) -> tuple[str, ...]:
        """The table's column titles."""
        raise NotImplementedError

    def load(self) -> None:
        """Read the rules through the services and show them (raises LoyaltyError)."""
        raise NotImplementedError

    def compose_settings(self) -> ComposeResult:
        """Settings shown above the list, saved on their own (none by default)."""
        yield from ()

    def compose(self) -> ComposeResult:
        yield from self.compose_settings()
        yield Static(id=f"{self.TABLE_ID}-empty", classes="empty", markup=False)
        yield RuleTable(cursor_type="row", zebra_stripes=True, id=self.TABLE_ID)

    def on_mount(self) -> None:
        for label in self.columns():
            self.table.add_column(label)

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one(f"#{self.TABLE_ID}", DataTable)

    @property
    def has_rows(self) -> bool:
        return bool(self.table.row_count)

    def focus_first(self) -> None:
        self.table.focus()

    def reload(self) -> None:
        """Show the rules as stored now; a failing read is said on the message line."""
        try:
            self.load()
        except LoyaltyError as exc:
            self.say(exc.message, "error")
        self.screen.refresh_bindings()

    def fill(self, rows: list[Row], empty: str) -> None:
        """Show the rows, the cursor kept on its line; ``empty`` in the table's place."""
        table = self.table
        row = table.cursor_row
        table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=key)
        if rows:
            table.move_cursor(row=min(row, len(rows) - 1))
        note = self.query_one(f"#{self.TABLE_ID}-empty", Static)
        note.update(empty if not rows else "")
        note.display = not rows

    def selected(self) -> str | None:
        """The key of the row under the cursor (a name, a code)."""
        table = self.table
        if not table.row_count:
            return None
        row_key, _column = table.coordinate_to_cell_key(table.cursor_coordinate)
        return None if row_key.value is None else str(row_key.value)

    def select(self, key: str) -> None:
        """Put the cursor on a rule's row and the focus on the table."""
        table = self.table
        with suppress(RowDoesNotExist):
            table.move_cursor(row=table.get_row_index(key))
        table.focus()

    def open_row(self) -> None:
        """A row clicked: what Enter does on this tab."""

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.open_row()


class RuleListTab(ListTab):
    """A list of rules the owner adds (F4) and removes (Del), each after a confirmation."""

    KEYS: ClassVar[frozenset[str]] = frozenset({"add", "remove"})

    def add(self) -> None:
        """F4: the dialog for a new rule."""
        raise NotImplementedError

    def edit(self) -> None:
        """Enter: the dialog to change the rule under the cursor (where rules can change)."""

    def open_row(self) -> None:
        self.edit()

    def open_dialog(self, dialog: FormDialog, saved: str) -> None:
        """Show a rule's dialog; the rule it saved is listed, selected and named (``saved``:
        the message, with ``{name}``)."""

        def done(result: object) -> None:
            if result is None:
                return
            self.ctx.forget_settings()
            self.reload()
            name = getattr(result, "name", "")
            self.say(saved.format(name=name), "success")
            self.select(name)

        self.app.push_screen(dialog, done)

    def removal(self) -> tuple[str, str]:
        """The confirmation's title (with ``{name}``) and what removing the rule does."""
        raise NotImplementedError

    def remove_rule(self, name: str) -> None:
        """Remove the rule through its service (raises LoyaltyError); runs in a worker."""
        raise NotImplementedError

    def remove_selected(self) -> None:
        """Del: remove the rule under the cursor, once confirmed."""
        name = self.selected()
        if name is None:
            return
        title, text = self.removal()

        def done(confirmed: bool | None) -> None:
            if confirmed:
                self._remove(name)

        self.app.push_screen(
            ConfirmScreen(title.format(name=name), text, action_label=_("Remove")), done
        )

    def _remove(self, name: str) -> None:
        self.db.run("remove", lambda: self.remove_rule(name), lambda _none: self._removed(name))

    def _removed(self, name: str) -> None:
        self.ctx.forget_settings()
        self.reload()
        self.say(_("Removed: {name}").format(name=name), "success")
        self.table.focus()
