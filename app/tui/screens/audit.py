"""The audit trail (Ctrl+T, or the command palette): who did what, who allowed it, where, when.

Filter by person, kind, dates and member card; Enter in any field reads again. The rows are the
ones of ``loyalty audit`` (the same service), read through the screen's :class:`DbWork`.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Static

from app.domain import report as rep
from app.domain.errors import LoyaltyError
from app.i18n import _, format_timestamp, ngettext
from app.services.audit_trail import AuditFilter, AuditRow, detail_text, find_audit
from app.services.context import Context
from app.tui.db_work import DbWork
from app.tui.widgets.key_bar import KeyBar

FIELDS = ("audit-staff", "audit-kind", "audit-from", "audit-to", "audit-member")


class AuditScreen(Screen[None]):
    """The newest audit rows first; type a filter and Enter."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", _("Back"), key_display="Esc"),
        Binding("f5", "reload", _("Refresh"), key_display="F5"),
    ]

    DEFAULT_CSS = """
    AuditScreen #audit-filters { height: 3; }
    AuditScreen #audit-filters Input { width: 1fr; }
    AuditScreen #audit-message { height: 1; padding: 0 1; color: $text-muted; }
    AuditScreen #audit-message.-error { color: $text-error; text-style: bold; }
    AuditScreen #audit-table { height: 1fr; }
    """
    AUTO_FOCUS = "#audit-staff"

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx
        self.db = DbWork(self, self.say)
        self.rows: list[AuditRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="audit-filters"):
            yield Input(placeholder=_("person"), id="audit-staff")
            yield Input(placeholder=_("kind, e.g. sale"), id="audit-kind")
            yield Input(placeholder=_("from YYYY-MM-DD"), id="audit-from")
            yield Input(placeholder=_("to YYYY-MM-DD"), id="audit-to")
            yield Input(placeholder=_("member card"), id="audit-member")
        yield Static(id="audit-message", markup=False)
        yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = _("Audit trail")
        table = self.query_one("#audit-table", DataTable)
        table.add_columns(
            _("Time"),
            _("Kind"),
            _("Who"),
            _("Allowed by"),
            _("Store"),
            _("Till"),
            _("Member"),
            _("What"),
            _("Details"),
        )
        self.reload()

    def say(self, text: str, kind: str = "info") -> None:
        message = self.query_one("#audit-message", Static)
        message.update(text)
        message.set_class(kind == "error", "-error")

    def _value(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value.strip()

    def current_filter(self) -> AuditFilter:
        """The typed filter (a readable error for a date that is none)."""
        start, end = self._value("audit-from"), self._value("audit-to")
        return AuditFilter(
            staff=self._value("audit-staff"),
            kind=self._value("audit-kind"),
            start=rep.parse_day(start) if start else None,
            end=rep.parse_day(end) if end else None,
            member=self._value("audit-member"),
        )

    @on(Input.Submitted)
    def filter_given(self, event: Input.Submitted) -> None:
        if event.input.id in FIELDS:
            self.reload()

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read the rows of the filter off the event loop."""
        try:
            flt = self.current_filter()
        except LoyaltyError as exc:
            self.say(exc.message, "error")
            return
        self.db.run("audit", lambda: find_audit(self.ctx, flt), self.show, latest=True)

    def show(self, rows: list[AuditRow]) -> None:
        self.rows = rows
        table = self.query_one("#audit-table", DataTable)
        table.clear()
        for row in rows:
            table.add_row(
                format_timestamp(row.at),
                row.action,
                row.actor,
                row.approver or "",
                row.store_code,
                str(row.till),
                "" if row.member_id is None else str(row.member_id),
                f"{row.entity} {row.entity_id}",
                detail_text(row.detail),
                key=str(row.id),
            )
        self.say(ngettext("{n} row", "{n} rows", len(rows)).format(n=len(rows)))

    def action_back(self) -> None:
        self.dismiss(None)
