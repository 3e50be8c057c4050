"""Textual's own texts in German: the command palette, its system commands, the Ctrl+C notice."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import Input

from app.i18n import set_language
from app.services.context import Context
from app.tui.app import LoyaltyApp
from app.tui.screens.help import HelpScreen
from tests.tui.conftest import settle


@pytest.fixture
def german() -> Iterator[None]:
    set_language("de")
    yield
    set_language("en_US")


async def test_the_palette_and_its_system_commands_speak_german(german: None, ctx: Context) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for title in ("Farbschema", "Beenden", "Tasten", "Bildschirmfoto", "Vergrößern"):
            assert title in titles
        for english in ("Theme", "Quit", "Keys", "Screenshot", "Maximize"):
            assert english not in titles
        await pilot.press("ctrl+p")
        await settle(pilot)
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        assert palette.query_one(Input).placeholder == "Befehl suchen…"
        await pilot.press(*"qqqqqq")
        options = palette.query_one(CommandList)
        prompts: list[str] = []
        for _attempt in range(200):
            await pilot.pause(0.02)
            prompts = [
                str(getattr(option.prompt, "renderable", option.prompt))
                for option in (options.get_option_at_index(i) for i in range(options.option_count))
            ]
            if "Nichts gefunden" in prompts:
                break
        assert prompts == ["Nichts gefunden"]


async def test_keys_in_the_palette_opens_the_counters_keys(german: None, ctx: Context) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        keys = next(c for c in app.get_system_commands(app.screen) if c.title == "Tasten")
        keys.callback()
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)


async def test_ctrl_c_says_in_german_how_to_quit(german: None, ctx: Context) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.set_focus(None)
        await pilot.press("ctrl+c")
        await settle(pilot)
        notes = [(n.title, n.message) for n in app._notifications]
        assert ("Programm beenden?", "Strg+Q beendet das Programm.") in notes
        assert app.is_running
