"""The Textual application: opens on the counter screen; shows the shop and its chain sync."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len
from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.theme import ThemeProvider

from app.domain.errors import LoyaltyError
from app.domain.roles import Action
from app.i18n import _, format_timestamp, ngettext
from app.services.chain.exchange import SyncRun, run_sync
from app.services.chain.status import SyncStatus, sync_status
from app.services.context import Context
from app.services.staff import StaffView, act_as, has_staff
from app.tui.counter import CounterScreen
from app.tui.db_work import DbWork
from app.tui.message_log import MessageLog, remember
from app.tui.screens.conflicts import ConflictsScreen
from app.tui.screens.gate import require
from app.tui.screens.sign_in import SignInScreen
from app.tui.session import LOCK_MARK, TillSession, lock_minutes, who_text
from app.tui.widgets.palette import Palette, system_commands

STATUS_SECONDS = 30.0
"""How often the header's sync indicator is refreshed (changes waiting, conflicts)."""

IDLE_CHECK_SECONDS = 5.0
"""How often the till looks whether it has been left alone for ``staff.lock_minutes``."""

HEADER_SIDES = 8 + 10 + len(" — ")
"""The header's columns beside the title and sub-title: Textual's icon and clock space, and
the dash between title and sub-title."""


def header_line(status: SyncStatus, who: str = "", room: int | None = None) -> str:
    """The header's sub-title: the shop and till, who is signed in, and the chain sync when it
    is set up.

    ``room``: the columns it may take. What matters most stays: the store and till, who is
    signed in and a sync conflict; the changes waiting, then the time of the last sync give
    way first."""
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
    for parts in ((place, who, synced, pending, conflicts), (place, who, synced, conflicts)):
        line = " · ".join(part for part in parts if part)
        if room is None or cell_len(line) <= room:
            return line
    return " · ".join(part for part in (place, who, conflicts) if part)


class LoyaltyApp(App[None]):
    """The loyalty counter at a till. ``demo_cards`` adds a hint with cards to try;
    ``signed_in`` opens the till signed in as that person (``loyalty demo``: the cashier)."""

    CSS_PATH = "app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "audit", _("Audit trail"), key_display=_("Ctrl+T"), show=False),
        # Every screen: the last messages in full (a line may be cut on a narrow terminal).
        Binding("ctrl+n", "messages", _("Messages"), key_display=_("Ctrl+N"), show=False),
        Binding("ctrl+l", "lock", _("Lock"), key_display=_("Ctrl+L"), show=False, priority=True),
    ]

    def __init__(
        self,
        ctx: Context,
        *,
        demo_cards: list[tuple[str, str]] | None = None,
        signed_in: StaffView | None = None,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.demo_cards = list(demo_cards or [])
        self.title = str(ctx.settings()["shop.name"])
        # Read before the app runs (no event loop to block yet): a sign-in screen or not.
        self.sync_status: SyncStatus | None = None
        self.message_log = MessageLog()
        """What the screens said, for Ctrl+N."""
        self._till_actor = ctx.actor
        """Who acts while nobody is signed in (a shop of one: the till or LOYALTY_CASHIER)."""
        self.session = TillSession(staff_mode=signed_in is not None or has_staff(ctx))
        self._set_staff(signed_in)
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
        self.set_interval(IDLE_CHECK_SECONDS, self.lock_if_idle)
        self.session.touch(self.ctx.now())
        if self.session.locked:
            self.push_screen(SignInScreen(self.ctx), self.signed_in)
        minutes = int(self.ctx.settings()["sync.interval_minutes"])
        if minutes and self.ctx.settings()["sync.dir"]:
            self.set_interval(minutes * 60, self.action_sync_now)

    # --- staff: sign-in, lock, idle ---------------------------------------------------

    def _set_staff(self, staff: StaffView | None) -> None:
        """``staff`` works at the till from now on (None: nobody, the till is locked)."""
        self.session.staff = staff
        act_as(self.ctx, staff)
        if staff is None:
            self.ctx.actor = self._till_actor
        self._show_header()

    def _show_header(self, width: int | None = None) -> None:
        """The sub-title for the terminal's width: the store, the till, who is signed in and
        a conflict stay."""
        who = who_text(self.session)
        if self.sync_status is None:
            store = _("Store {store} · Till {till}").format(
                store=self.ctx.store_code, till=self.ctx.till
            )
            self.sub_title = " · ".join(part for part in (store, who) if part)
            return
        room = (width or self.size.width) - HEADER_SIDES - cell_len(self.title)
        self.sub_title = header_line(self.sync_status, who, room)

    @property
    def counter(self) -> CounterScreen:
        """The counter: the bottom of the screen stack."""
        screen = self.screen_stack[0]
        assert isinstance(screen, CounterScreen)
        return screen

    def signed_in(self, staff: StaffView | None) -> None:
        """The sign-in screen closed with ``staff`` signed in."""
        if staff is None:
            return
        self._set_staff(staff)
        self.session.touch(self.ctx.now())
        counter = self.counter
        counter.staff_changed()
        counter.say(_("Signed in: {who}").format(who=who_text(self.session)), "success")

    async def on_event(self, event: events.Event) -> None:
        # Every key (and click) is someone at the till: the idle lock counts from the last one.
        if isinstance(event, events.Key | events.MouseDown):
            self.session.touch(self.ctx.now())
        await super().on_event(event)

    def lock_if_idle(self) -> None:
        """Lock the till when nobody pressed a key for ``staff.lock_minutes``."""
        if self.session.idle_too_long(self.ctx.now(), lock_minutes(self.ctx.settings())):
            self.lock()

    def action_lock(self) -> None:
        """Ctrl+L: lock the till now (a shop of one has nobody to sign in)."""
        if not self.session.staff_mode:
            self.notify(
                _("No staff accounts yet: nothing to lock. Add staff with loyalty staff add"),
                markup=False,
            )
            return
        self.lock()

    def lock(self) -> None:
        """Close what is open, clear the member off the counter and ask for a sign-in. A sale
        being written is shown first (the lock follows it)."""
        if self.session.locked and isinstance(self.screen, SignInScreen):
            return
        counter = self.counter
        if counter.db.wait_for("sale", self.lock):
            return
        while len(self.screen_stack) > 1:
            self.pop_screen()
        counter.clear_for_lock()
        self._set_staff(None)
        counter.staff_changed()
        self.push_screen(SignInScreen(self.ctx), self.signed_in)

    def _staff_mode_read(self, staff_mode: bool) -> None:
        """Staff were added (or all disabled) while the till was open."""
        if staff_mode == self.session.staff_mode:
            return
        self.session.staff_mode = staff_mode
        if staff_mode:
            self.lock()
            return
        # Nobody left to sign in: a shop of one again.
        if isinstance(self.screen, SignInScreen):
            self.pop_screen()
        self._set_staff(None)
        self.counter.staff_changed()

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
        self.db.run("staff-mode", lambda: has_staff(self.ctx), self._staff_mode_read, notice=False)

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

        require(self, Action.REPORTS, lambda ctx: self.push_screen(DayCloseScreen(ctx)))

    def action_audit(self) -> None:
        """Ctrl+T: the audit trail (who did what, who allowed it, where and when)."""
        from app.tui.screens.audit import AuditScreen

        if not isinstance(self.screen, AuditScreen):
            require(self, Action.AUDIT, lambda ctx: self.push_screen(AuditScreen(ctx)))

    def action_conflicts(self) -> None:
        """Open the owner's list of sync conflicts."""
        require(self, Action.CONFLICTS, lambda ctx: self.push_screen(ConflictsScreen(ctx)))

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
        if self.session.locked:
            return  # nothing but the app's own commands until someone signs in
        if isinstance(screen, CounterScreen):
            for title, help_text, callback in screen.palette_commands():
                yield SystemCommand(title, help_text, callback)
        ctx = getattr(screen, "ctx", self.ctx)
        lock = {
            action: LOCK_MARK if not self.session.allows(ctx, action) else ""
            for action in (Action.CONFLICTS, Action.REPORTS, Action.AUDIT)
        }
        if not isinstance(screen, ConflictsScreen):
            yield SystemCommand(
                lock[Action.CONFLICTS] + _("Sync conflicts"),
                _("What chain sync could not settle: look at it, note how it was resolved"),
                self.action_conflicts,
            )
        yield SystemCommand(
            lock[Action.AUDIT] + _("Audit trail"),
            _("Who did what, who allowed it, where and when (Ctrl+T)"),
            self.action_audit,
        )
        yield SystemCommand(
            lock[Action.REPORTS] + _("Day's close"),
            _("Today's sales, points, coupons and refunds per till and cashier; print it"),
            self.action_day_close,
        )
        yield SystemCommand(
            _("Sync now"),
            _("Send this shop's changes and apply the other shops' files"),
            self.action_sync_now,
        )
