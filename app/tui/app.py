"""The Textual application: opens on the counter screen; shows the shop and its chain sync."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from textual.app import App, SystemCommand
from textual.command import CommandPalette
from textual.screen import Screen
from textual.theme import ThemeProvider

from app.domain.errors import LoyaltyError
from app.i18n import _, format_timestamp, ngettext
from app.services.chain.exchange import SyncRun, run_sync
from app.services.chain.status import SyncStatus, sync_status
from app.services.context import Context
from app.tui.counter import CounterScreen
from app.tui.db_work import DbWork
from app.tui.screens.conflicts import ConflictsScreen
from app.tui.widgets.palette import Palette, system_commands

STATUS_SECONDS = 30.0
"""How often the header's sync indicator is refreshed (changes waiting, conflicts)."""


def header_line(status: SyncStatus) -> str:
    """The header's sub-title: the shop and till, and the chain sync when it is set up."""
    parts = [_("Store {store} · Till {till}").format(store=status.store, till=status.till)]
    if status.sync_dir:
        if status.last_import:
            parts.append(
                _("Synced {time}").format(
                    time=format_timestamp(datetime.fromisoformat(status.last_import))
                )
            )
        else:
            parts.append(_("Not synced yet"))
        if status.pending:
            parts.append(
                ngettext(
                    "{count} change to send", "{count} changes to send", status.pending
                ).format(count=status.pending)
            )
    if status.open_conflicts:
        parts.append(
            "⚠ "
            + ngettext(
                "{count} sync conflict", "{count} sync conflicts", status.open_conflicts
            ).format(count=status.open_conflicts)
        )
    return " · ".join(parts)


class LoyaltyApp(App[None]):
    """The loyalty counter at a till. ``demo_cards`` adds a hint with cards to try."""

    CSS_PATH = "app.tcss"

    def __init__(self, ctx: Context, *, demo_cards: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.demo_cards = list(demo_cards or [])
        self.title = str(ctx.settings()["shop.name"])
        self.sub_title = _("Store {store} · Till {till}").format(
            store=ctx.store_code, till=ctx.till
        )
        self.sync_status: SyncStatus | None = None
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
        self.sub_title = header_line(status)
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
        text = ngettext(
            "Sent {sent}, received {received} change",
            "Sent {sent}, received {received} changes",
            imported.events_applied,
        ).format(sent=result.exported.events, received=imported.events_applied)
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
        """Program rules came from another shop: the counter quotes with them from now on."""
        for screen in self.screen_stack:
            if isinstance(screen, CounterScreen):
                screen.checkout_panel.use_rules(self.ctx.rules())

    def action_day_close(self) -> None:
        """Open the day's close."""
        from app.tui.screens.day_close import DayCloseScreen

        self.push_screen(DayCloseScreen(self.ctx))

    def action_conflicts(self) -> None:
        """Open the owner's list of sync conflicts."""
        self.push_screen(ConflictsScreen(self.ctx))

    def action_command_palette(self) -> None:
        """Ctrl+P: the command palette, in the shop's language."""
        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(Palette(id="--command-palette"))

    def search_themes(self) -> None:
        self.push_screen(Palette(_("Search for themes…"), providers=[ThemeProvider]))

    def action_help_quit(self) -> None:
        """Ctrl+C does not quit (it copies in a field): say which key does."""
        self.notify(_("Press Ctrl+Q to quit."), title=_("Do you want to quit?"))

    def action_keys(self) -> None:
        """The palette's "Keys": the counter's list of keys."""
        from app.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from system_commands(self, screen, self.action_keys)
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
            _("Day's close"),
            _("Today's sales, points, coupons and refunds per till and cashier; print it"),
            self.action_day_close,
        )
        yield SystemCommand(
            _("Sync now"),
            _("Send this shop's changes and apply the other shops' files"),
            self.action_sync_now,
        )
