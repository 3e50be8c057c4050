"""The Textual application: opens on the counter screen; shows the shop and its chain sync."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len
from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.screen import Screen

from app.domain.errors import LoyaltyError
from app.i18n import _, format_timestamp, ngettext
from app.services.chain.exchange import SyncRun, run_sync
from app.services.chain.status import SyncStatus, sync_status
from app.services.context import Context
from app.tui.counter import CounterScreen
from app.tui.db_work import DbWork
from app.tui.message_log import MessageLog, remember
from app.tui.screens.conflicts import ConflictsScreen

STATUS_SECONDS = 30.0
"""How often the header's sync indicator is refreshed (changes waiting, conflicts)."""


HEADER_SIDES = 8 + 10 + len(" — ")
"""The header's columns beside the title and sub-title: Textual's icon and clock space, and
the dash between title and sub-title."""


def header_line(status: SyncStatus, room: int | None = None) -> str:
    """The header's sub-title: the shop and till, and the chain sync when it is set up.

    ``room``: the columns it may take. What matters most stays: the store and till and a sync
    conflict; the changes waiting, then the time of the last sync give way first."""
    place = _("Store {store} · Till {till}").format(store=status.store, till=status.till)
    synced = ""
    if status.sync_dir:
        if status.last_import:
            synced = _("Synced {time}").format(
                time=format_timestamp(datetime.fromisoformat(status.last_import))
            )
        else:
            synced = _("Not synced yet")
    pending = ""
    if status.sync_dir and status.pending:
        pending = ngettext(
            "{count} change to send", "{count} changes to send", status.pending
        ).format(count=status.pending)
    conflicts = ""
    if status.open_conflicts:
        conflicts = "⚠ " + ngettext(
            "{count} sync conflict", "{count} sync conflicts", status.open_conflicts
        ).format(count=status.open_conflicts)
    # From the whole line down to the parts that must stay, the first that fits.
    for parts in ((place, synced, pending, conflicts), (place, synced, conflicts)):
        line = " · ".join(part for part in parts if part)
        if room is None or cell_len(line) <= room:
            return line
    return " · ".join(part for part in (place, conflicts) if part)


class LoyaltyApp(App[None]):
    """The loyalty counter at a till. ``demo_cards`` adds a hint with cards to try."""

    CSS_PATH = "app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "audit", _("Audit trail"), key_display=_("Ctrl+T"), show=False),
        # Every screen: the last messages in full (a line may be cut on a narrow terminal).
        Binding("ctrl+n", "messages", _("Messages"), key_display=_("Ctrl+N"), show=False),
    ]

    def __init__(self, ctx: Context, *, demo_cards: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.demo_cards = list(demo_cards or [])
        self.title = str(ctx.settings()["shop.name"])
        self.sub_title = _("Store {store} · Till {till}").format(
            store=ctx.store_code, till=ctx.till
        )
        self.sync_status: SyncStatus | None = None
        self.message_log = MessageLog()
        """What the screens said, for Ctrl+N."""
        self._conflicts_told = 0
        # What the last failed status read said (told once, not every 30 seconds).
        self._status_told = ""
        # Background jobs (sync status, sync): a failure is a notification, never the end.
        self.db = DbWork(self)

    def get_default_screen(self) -> Screen[None]:
        return CounterScreen(self.ctx, demo_cards=self.demo_cards)

    def on_mount(self) -> None:
        self.refresh_sync_status()
        self.set_interval(STATUS_SECONDS, self.refresh_sync_status)
        minutes = int(self.ctx.settings()["sync.interval_minutes"])
        if minutes and self.ctx.settings()["sync.dir"]:
            self.set_interval(minutes * 60, self.action_sync_now)

    def refresh_sync_status(self) -> None:
        """Read the sync state off the event loop and show it in the header. A failed read
        (the database locked by a long job) is told once and tried again in 30 seconds."""
        self.db.run(
            "sync-status",
            lambda: sync_status(self.ctx),
            self._show_sync_status,
            self._sync_status_failed,
            latest=True,
            notice=False,
        )

    def _sync_status_failed(self, exc: LoyaltyError) -> None:
        if exc.message != self._status_told:
            self._status_told = exc.message
            self.notify(
                _("Sync status not read: {reason}").format(reason=exc.message),
                title=_("Chain sync"),
                severity="warning",
                markup=False,
            )

    def _show_sync_status(self, status: SyncStatus) -> None:
        self._status_told = ""
        self.sync_status = status
        self._show_header()
        if status.open_conflicts > self._conflicts_told:
            self.notify(
                ngettext(
                    "{count} sync conflict needs the owner: Ctrl+P, “Sync conflicts”",
                    "{count} sync conflicts need the owner: Ctrl+P, “Sync conflicts”",
                    status.open_conflicts,
                ).format(count=status.open_conflicts),
                title=_("Chain sync"),
                severity="warning",
                timeout=10,
            )
        self._conflicts_told = status.open_conflicts

    def _show_header(self, width: int | None = None) -> None:
        """The sub-title for the terminal's width: the store, the till and a conflict stay."""
        if self.sync_status is None:
            return
        room = (width or self.size.width) - HEADER_SIDES - cell_len(self.title)
        self.sub_title = header_line(self.sync_status, room)

    def on_resize(self, event: events.Resize) -> None:
        self._show_header(event.size.width)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Show a notification and keep it in the message log (Ctrl+N)."""
        text = Content.from_markup(message).plain if markup else message
        kind = {"information": "info"}.get(severity, severity)
        remember(self, f"{title}: {text}" if title else text, kind)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def action_messages(self) -> None:
        """Ctrl+N: the last messages in full, newest first."""
        from app.tui.screens.message_log import MessageLogScreen

        if not isinstance(self.screen, MessageLogScreen):
            self.push_screen(MessageLogScreen(self.message_log.newest_first()))

    def action_sync_now(self) -> None:
        """Export this shop's changes and import the other shops' files, off the event loop;
        a sync under way ignores another."""
        self.db.run("sync", self._run_sync, self._synced, self._sync_failed)

    def _run_sync(self) -> SyncRun:
        try:
            return run_sync(self.ctx)
        except OSError as exc:
            # The shared folder is gone or refuses us: the reason, not a traceback.
            raise LoyaltyError(exc.strerror or str(exc)) from None

    def _sync_failed(self, exc: LoyaltyError) -> None:
        self.notify(
            _("Sync failed: {reason}").format(reason=exc.message),
            title=_("Chain sync"),
            severity="error",
            markup=False,
        )
        self.refresh_sync_status()

    def _synced(self, result: SyncRun) -> None:
        imported = result.imported
        text = _("Sent {sent}, received {received} changes").format(
            sent=result.exported.events, received=imported.events_applied
        )
        for name, reason in imported.rejected:
            text += "\n" + _("{file} rejected: {reason}").format(file=name, reason=reason)
        self.notify(
            text,
            title=_("Chain sync"),
            severity="warning" if imported.rejected else "information",
            markup=False,
        )
        if imported.events_applied:
            self.ctx.forget_settings()
            self._rules_changed()
        self.refresh_sync_status()

    def _rules_changed(self) -> None:
        """Other shops' changes arrived: the counter quotes with their rules from now on and
        shows the member as saved."""
        for screen in self.screen_stack:
            if isinstance(screen, CounterScreen):
                screen.checkout_panel.use_rules(self.ctx.rules())
                # Another shop's sale, refund or adjustment may have changed the balance.
                screen.reload_member()

    def action_day_close(self) -> None:
        """Open the day's close."""
        from app.tui.screens.day_close import DayCloseScreen

        self.push_screen(DayCloseScreen(self.ctx))

    def action_audit(self) -> None:
        """Ctrl+T: the audit trail (who did what, who allowed it, where and when)."""
        from app.tui.screens.audit import AuditScreen

        if not isinstance(self.screen, AuditScreen):
            self.push_screen(AuditScreen(self.ctx))

    def action_conflicts(self) -> None:
        """Open the owner's list of sync conflicts."""
        self.push_screen(ConflictsScreen(self.ctx))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, CounterScreen):
            for title, help_text, callback in screen.palette_commands():
                yield SystemCommand(title, help_text, callback)
        if not isinstance(screen, ConflictsScreen):
            yield SystemCommand(
                _("Sync conflicts"),
                _("What chain sync could not settle: look at it, note how it was resolved"),
                self.action_conflicts,
            )
        yield SystemCommand(
            _("Audit trail"),
            _("Who did what, who allowed it, where and when (Ctrl+T)"),
            self.action_audit,
        )
        yield SystemCommand(
            _("Day's close"),
            _("Today's sales, points, coupons and refunds per till and cashier; print it"),
            self.action_day_close,
        )
        yield SystemCommand(
            _("Sync now"),
            _("Send this shop's changes and apply the other shops' files"),
            self.action_sync_now,
        )
