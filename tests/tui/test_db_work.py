"""Database work off the event loop (app/tui/db_work.py): a locked database makes the screens
wait, never freeze or die; a job that fails in an unexpected way is a notification."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

import app.tui.app as app_module
from app.services.context import Context
from app.services.member_history import member_profile
from app.services.views import MemberView
from app.tui.app import LoyaltyApp
from app.tui.counter import CounterScreen
from app.tui.db_work import waiting_text
from app.tui.screens.member_view import MemberViewScreen
from tests.tui.conftest import scan, settle, type_text
from tests.tui.test_sync_indicator import toasts

SIZE = (80, 24)
HOLD_SECONDS = 3.0
"""How long the other process holds the write lock at least (the busy timeout is 10 s)."""


class WriteLock:
    """Another till's long write: a connection of its own holds the database's write lock
    (``BEGIN IMMEDIATE``) from ``take()`` until ``release()``, or at most 9 seconds."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.taken = threading.Event()
        self.released = threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self) -> None:
        con = sqlite3.connect(self.path, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            self.taken.set()
            # Released by the test; the timeout only ends a test that failed before it. On a
            # loaded machine 9 s let the lock go while the test still waited for "save".
            self.released.wait(timeout=60)
            con.execute("ROLLBACK")
        finally:
            con.close()

    def take(self) -> None:
        self.thread.start()
        assert self.taken.wait(timeout=10)

    def release(self) -> None:
        self.released.set()
        self.thread.join(timeout=10)


@pytest.fixture
def write_lock(db_path: Path) -> Iterator[WriteLock]:
    lock = WriteLock(db_path)
    yield lock
    lock.release()


def line(screen: object, selector: str) -> str:
    assert isinstance(screen, CounterScreen | MemberViewScreen)
    return str(screen.query_one(selector, Static).content)


async def until(pilot: Pilot[None], test: object, what: str) -> None:
    """Pause until ``test()`` holds (the screen is not frozen: it keeps being refreshed)."""
    assert callable(test)
    for _attempt in range(400):
        if test():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"never happened: {what}")


def sale_count(db_path: Path) -> int:
    con = sqlite3.connect(db_path)
    try:
        return int(con.execute("SELECT count(*) FROM sale").fetchone()[0])
    finally:
        con.close()


async def test_a_locked_database_makes_the_sale_the_profile_and_the_status_wait(
    ctx: Context, rich_member: MemberView, db_path: Path, write_lock: WriteLock
) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        counter = app.screen
        assert isinstance(counter, CounterScreen)
        await scan(pilot, rich_member.card)
        await type_text(pilot, "12")
        started = threading.Event()
        write_lock.take()
        threading.Timer(HOLD_SECONDS, started.set).start()

        # The sale waits for the lock; a second F9 while it waits books nothing more.
        await pilot.press("f9")
        await until(pilot, lambda: line(counter, "#message") == waiting_text(), "sale waits")
        await pilot.press("f9")

        # Meanwhile the desk: the profile is saved, and waits too; keys are still echoed.
        app.push_screen(MemberViewScreen(ctx, rich_member.member_id))
        await until(pilot, lambda: isinstance(app.screen, MemberViewScreen), "view open")
        view = app.screen
        assert isinstance(view, MemberViewScreen)
        await until(pilot, lambda: view.profile is not None, "profile read")
        view.query_one("#desk-postcode", Input).focus()
        await pilot.press("end", "ctrl+u", *"70173")
        await pilot.press("f9")
        await until(pilot, lambda: line(view, "#desk-view-message") == waiting_text(), "save")
        await pilot.press("f9")  # ignored: the first save is under way
        app.refresh_sync_status()

        # Held for HOLD_SECONDS: both still wait, the app is up.
        await until(pilot, started.is_set, "the lock held long enough")
        assert line(counter, "#message") == waiting_text()
        assert line(view, "#desk-view-message") == waiting_text()
        assert app.is_running and app.return_code is None
        write_lock.release()

        await settle(pilot)
        assert line(view, "#desk-view-message") == "Profile saved"
        assert member_profile(ctx, rich_member.member_id).postcode == "70173"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is counter
        assert line(counter, "#message").startswith("Sale saved: to pay")
        assert counter.checkout_panel.receipt is not None
        assert sale_count(db_path) == 1
        assert app.sync_status is not None
        assert app.sub_title.startswith("Store ")
        assert app.is_running and app.return_code is None


async def test_an_unexpected_failure_of_the_status_refresh_is_a_notification(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        real = app_module.sync_status

        def broken(_ctx: Context) -> object:
            raise RuntimeError("a bug in the status")

        monkeypatch.setattr(app_module, "sync_status", broken)
        app.refresh_sync_status()
        await settle(pilot)
        assert "Unexpected error (RuntimeError)" in await toasts(pilot)
        assert app.is_running and app.return_code is None

        # The next refresh works again: the app and its timer live on.
        monkeypatch.setattr(app_module, "sync_status", real)
        app.clear_notifications()
        app.refresh_sync_status()
        await settle(pilot)
        assert app.sync_status is not None
        assert app.is_running and app.return_code is None


async def test_a_failing_callback_is_a_notification_and_the_work_can_run_again(
    ctx: Context,
) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        counter = app.screen
        assert isinstance(counter, CounterScreen)
        shown: list[int] = []

        def bad_screen_code(_value: int) -> None:
            raise KeyError("missing widget")

        assert counter.db.run("job", lambda: 1, bad_screen_code)
        await settle(pilot)
        assert "Unexpected error (KeyError)" in await toasts(pilot)
        assert not counter.db.pending("job")
        assert counter.db.run("job", lambda: 2, shown.append)
        await settle(pilot)
        assert shown == [2]
        assert app.is_running and app.return_code is None


async def test_a_database_error_goes_to_the_message_line(ctx: Context) -> None:
    from app.store.errors import DatabaseFull

    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        counter = app.screen
        assert isinstance(counter, CounterScreen)

        def full() -> None:
            raise DatabaseFull("The disk is full; nothing was changed. Free some space.")

        counter.db.run("job", full, lambda _none: None)
        await settle(pilot)
        assert line(counter, "#message") == (
            "The disk is full; nothing was changed. Free some space."
        )
        assert counter.query_one("#message").has_class("-error")
