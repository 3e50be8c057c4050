"""Adjusting a member's points by hand, always with a reason."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from textual.app import App
from textual.widgets import Static

import app.tui.screens as screens_package
import app.tui.screens.adjust as adjust_module
from app.services.adjustments import adjust_points
from app.services.context import Context
from app.services.lookup import lookup_card
from app.services.views import AdjustResult, MemberView
from app.store.errors import translate
from app.store.models import LedgerEntry
from app.tui.screens import AdjustScreen
from tests.tui.conftest import settle

# The counter's stylesheet applies to every screen of the app, so the dialogs are tested with it.
APP_CSS = Path(screens_package.__file__).parent.parent / "app.tcss"


class Host(App[None]):
    """A bare app that opens the adjust dialog for one member and keeps what it returns."""

    CSS_PATH = APP_CSS

    def __init__(self, ctx: Context, member: MemberView) -> None:
        super().__init__()
        self.ctx = ctx
        self.member = member
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(AdjustScreen(self.ctx, self.member), self.results.append)


async def type_text(pilot: Any, text: str) -> None:
    await pilot.press(*[c if c != " " else "space" for c in text])


def adjustments(ctx: Context) -> list[LedgerEntry]:
    with ctx.db.reading() as session:
        return list(session.exec(select(LedgerEntry).where(LedgerEntry.kind == "adjustment")))


def message(screen: Any) -> str:
    box = screen.query_one("#dialog-error", Static)
    return str(box.render()) if box.has_class("-shown") else ""


async def test_add_points_with_a_reason(ctx: Context, member: MemberView) -> None:
    app = Host(ctx, member)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert app.focused is not None and app.focused.id == "points"
        await type_text(pilot, "50")
        assert str(screen.query_one("#preview", Static).render()) == "New balance: 50"
        await pilot.press("enter")
        assert app.focused is not None and app.focused.id == "reason"
        await type_text(pilot, "Receipt lost")
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, AdjustScreen)
    [result] = app.results
    assert isinstance(result, AdjustResult)
    assert (result.card, result.points, result.points_balance) == (member.card, 50, 50)
    [entry] = adjustments(ctx)
    assert (entry.points, entry.reason, entry.actor) == (50, "Receipt lost", "tester")
    assert lookup_card(ctx, member.card).points == 50


async def test_remove_points_with_f9(ctx: Context, member: MemberView) -> None:
    adjust_points(ctx, member.card, 120, "Welcome bonus")
    member = lookup_card(ctx, member.card)
    app = Host(ctx, member)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "-20")
        await pilot.press("tab")
        await type_text(pilot, "Counted twice")
        await pilot.press("f9")
        await settle(pilot)
    assert app.results[0].points_balance == 100
    assert lookup_card(ctx, member.card).points == 100


async def test_without_a_reason_is_refused(ctx: Context, member: MemberView) -> None:
    app = Host(ctx, member)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await type_text(pilot, "50")
        await pilot.press("enter", "space", "space", "enter")
        await settle(pilot)
        assert isinstance(app.screen, AdjustScreen)
        assert message(screen) == "A reason is required for a manual adjustment"
        await pilot.press("escape", "escape")  # the first warns: 50 points were typed
        await settle(pilot)
    assert app.results == [None]
    assert adjustments(ctx) == []
    assert lookup_card(ctx, member.card).points == 0


async def test_a_busy_database_shows_the_stores_sentence_and_keeps_the_dialog(
    ctx: Context, member: MemberView, monkeypatch: pytest.MonkeyPatch
) -> None:
    busy = translate(sqlite3.OperationalError("database is locked"))

    def locked(*_args: object) -> AdjustResult:
        raise busy

    monkeypatch.setattr(adjust_module, "adjust_points", locked)
    app = Host(ctx, member)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await type_text(pilot, "50")
        await pilot.press("enter")
        await type_text(pilot, "Receipt lost")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert message(screen) == busy.message
    assert adjustments(ctx) == []


async def test_removing_more_than_the_balance_is_refused(ctx: Context, member: MemberView) -> None:
    adjust_points(ctx, member.card, 30, "Welcome bonus")
    member = lookup_card(ctx, member.card)
    app = Host(ctx, member)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await type_text(pilot, "-50")
        assert str(screen.query_one("#preview", Static).render()) == ""
        await pilot.press("enter")
        await type_text(pilot, "Mistake")
        await pilot.press("enter")
        await settle(pilot)
        assert message(screen) == "Cannot remove 50 points: the balance is 30"
    assert app.results == []
    assert len(adjustments(ctx)) == 1
    assert lookup_card(ctx, member.card).points == 30


async def test_points_that_are_not_a_number_or_zero(ctx: Context, member: MemberView) -> None:
    app = Host(ctx, member)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await type_text(pilot, "12.5")
        await pilot.press("tab")
        await type_text(pilot, "Test")
        await pilot.press("f9")
        await settle(pilot)
        assert message(screen) == "Points are whole numbers, like 250"
        await pilot.press("shift+tab", "ctrl+u")
        await pilot.press("f9")
        await settle(pilot)
        assert message(screen) == (
            "Give the number of points to add (e.g. 50) or remove (e.g. -50)"
        )
    assert adjustments(ctx) == []


def test_snapshot_of_the_adjust_dialog(snap_compare: Any, ctx: Context, member: MemberView) -> None:
    adjust_points(ctx, member.card, 120, "Welcome bonus")
    member = lookup_card(ctx, member.card)
    assert snap_compare(Host(ctx, member), terminal_size=(80, 24), press=[*"-20", "enter"])
