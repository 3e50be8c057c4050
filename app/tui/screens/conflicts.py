"""What chain sync could not settle by itself, for the owner to look at and mark resolved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from app.domain.errors import LoyaltyError
from app.i18n import _, format_timestamp, ngettext
from app.services.chain.conflicts import ConflictLine, list_conflicts, resolve_conflict
from app.services.context import Context
from app.tui.screens.form_dialog import Field, FormDialog
from app.tui.widgets.key_bar import KeyBar


class ResolveScreen(FormDialog):
    """Asks how one conflict was dealt with; dismisses with True once it is marked resolved."""

    def __init__(self, ctx: Context, conflict: ConflictLine, summary: str) -> None:
        super().__init__(ctx)
        self.conflict = conflict
        self.title_text = _("Resolve conflict {id}").format(id=conflict.id)
        self.action_label = _("Resolve")
        self.intro_text = summary

    def fields(self) -> list[Field]:
        return [
            Field(
                "note",
                _("Note"),
                _("what was done, e.g. balance corrected by 300 points"),
            )
        ]

    def submit(self) -> Callable[[], bool]:
        conflict, note = self.conflict.id, self.text("note")

        def resolve() -> bool:
            resolve_conflict(self.ctx, conflict, note)
            return True

        return resolve


class ConflictsScreen(Screen[None]):
    """The open sync conflicts, oldest first; Enter asks how one was resolved."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", _("Back"), key_display=_("Esc")),
        Binding("enter", "resolve", _("Resolve"), key_display=_("Enter"), priority=True),
        Binding("f5", "toggle_all", _("Open/all"), key_display="F5"),
    ]

    CSS_PATH = "conflicts.tcss"

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx
        self.include_all = False
        self.conflicts: list[ConflictLine] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="conflicts-status", markup=False)
        yield DataTable[Any](cursor_type="row", zebra_stripes=True, id="conflicts-table")
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = _("Sync conflicts")
        table = self.query_one(DataTable)
        table.add_column(_("No."), key="id", width=5)
        table.add_column(_("When"), key="when", width=18)
        table.add_column(_("What happened"), key="what")
        table.add_column(_("Resolved"), key="resolved", width=24)
        self.load()
        table.focus()

    def summary(self, conflict: ConflictLine) -> str:
        return conflict.summary(str(self.ctx.settings()["shop.currency"]))

    def load(self) -> None:
        status = self.query_one("#conflicts-status", Static)
        table = self.query_one(DataTable)
        try:
            self.conflicts = list_conflicts(self.ctx, include_all=self.include_all)
        except LoyaltyError as exc:
            status.update(exc.message)
            status.add_class("-error")
            return
        status.remove_class("-error")
        table.clear()
        for conflict in self.conflicts:
            table.add_row(
                str(conflict.id),
                format_timestamp(conflict.created_at),
                self.summary(conflict),
                conflict.resolution or "",
                key=str(conflict.id),
            )
        open_count = sum(c.resolved_at is None and c.needs_owner for c in self.conflicts)
        if not self.conflicts:
            status.update(_("No open conflicts: every shop agrees."))
        elif self.include_all:
            status.update(
                _("All conflicts, resolved ones and logged profile edits included. F5: open only")
            )
        else:
            status.update(
                ngettext(
                    "{count} conflict needs you. Fix it first (e.g. adjust the points with F6 at "
                    "the counter), then Enter to note what you did.",
                    "{count} conflicts need you. Fix each first (e.g. adjust the points with F6 "
                    "at the counter), then Enter to note what you did.",
                    open_count,
                ).format(count=open_count)
            )

    def selected(self) -> ConflictLine | None:
        table = self.query_one(DataTable)
        if not self.conflicts or table.cursor_row < 0:
            return None
        return self.conflicts[min(table.cursor_row, len(self.conflicts) - 1)]

    def action_resolve(self) -> None:
        conflict = self.selected()
        if conflict is None:
            return
        if conflict.resolved_at is not None or not conflict.needs_owner:
            self.notify(_("This conflict needs nothing more"), severity="information")
            return
        self.app.push_screen(
            ResolveScreen(self.ctx, conflict, self.summary(conflict)), self._resolved
        )

    def _resolved(self, done: bool | None) -> None:
        if not done:
            return
        self.load()
        refresh = getattr(self.app, "refresh_sync_status", None)
        if refresh is not None:
            refresh()  # the header's conflict count

    def action_toggle_all(self) -> None:
        self.include_all = not self.include_all
        self.load()

    def action_close(self) -> None:
        self.dismiss()
