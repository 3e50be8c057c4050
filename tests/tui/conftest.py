"""Fixtures for the counter: the app on a real SQLite file, helpers that type like a scanner."""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Iterator

import pytest
from textual import events
from textual.keys import key_to_character
from textual.pilot import Pilot
from textual.widgets import Static

from app.domain.profile import MemberDraft
from app.services.adjustments import adjust_points
from app.services.context import Context
from app.services.members import enroll_member
from app.services.views import MemberView
from app.tui.app import LoyaltyApp


@pytest.fixture(autouse=True)
def utc_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Dates on screen do not depend on the machine's time zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def app(ctx: Context) -> LoyaltyApp:
    return LoyaltyApp(ctx)


@pytest.fixture
def rich_member(ctx: Context, member: MemberView) -> MemberView:
    """Anna Müller with 500 points (worth 5.00)."""
    adjust_points(ctx, member.card, 500, "welcome bonus")
    return member


@pytest.fixture
def other_member(ctx: Context) -> MemberView:
    """A second Müller, so a search has a choice to make."""
    return enroll_member(ctx, MemberDraft(first_name="Jonas", last_name="Müller", salutation="mr"))


async def scan(pilot: Pilot[None], card: str) -> None:
    """Type like a barcode scanner: the digits, then Enter."""
    await pilot.press(*card, "enter")
    await pilot.pause()


async def burst(pilot: Pilot[None], *keys: str) -> None:
    """Send keys the way a terminal delivers a scanner's burst: all at once, then settle.

    ``pilot.press`` waits for the app to go idle after every key (20 ms or more), which a
    scanner never does; the bugs a cashier meets show only when the keys behind the first are
    already waiting while it is handled (a scan joined to the next, F9 ahead of the digits).
    """
    for key in keys:
        if len(key) == 1:
            character: str | None = key
            name = key if key.isalnum() else unicodedata.name(key).lower().replace(" ", "_")
        else:
            name, character = key, "\r" if key == "enter" else key_to_character(key)
        pilot.app.post_message(events.Key(name, character))
    await settle(pilot)


async def settle(pilot: Pilot[None]) -> None:
    """Let workers finish (database work runs off the event loop), then the messages; again
    while an answer started more work (a sale saved reloads the member)."""
    for _attempt in range(20):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if all(worker.is_finished for worker in pilot.app.workers):
            return


async def confirm(pilot: Pilot[None], key: str = "f9") -> None:
    """Press a confirm key, then wait until the sale is saved (receipt) or refused (message).

    Waiting on what the cashier sees, not on CPU idleness, keeps this right on a busy machine.
    """
    await pilot.press(key)
    app = pilot.app
    for _attempt in range(200):
        await settle(pilot)
        screen = app.screen
        done = screen.query_one("#receipt").display or screen.query_one("#message").has_class(
            "-error"
        )
        if done and not getattr(screen, "saving", False):
            return
    raise AssertionError("the sale was neither saved nor refused")


async def type_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*text)
    await pilot.pause()


def text_of(app: LoyaltyApp, selector: str) -> str:
    """The plain text a Static shows."""
    return str(app.screen.query_one(selector, Static).content)
