"""The help screen lists the counter's keys and closes with Esc or F1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App
from textual.widgets import Label

import app.tui.screens as screens_package
from app.i18n import set_language
from app.tui.screens import HelpScreen

# The counter's stylesheet applies to every screen of the app, so the dialogs are tested with it.
APP_CSS = Path(screens_package.__file__).parent.parent / "app.tcss"


class Host(App[None]):
    """A bare app that opens the help screen and keeps what it returns."""

    CSS_PATH = APP_CSS

    def __init__(self) -> None:
        super().__init__()
        self.results: list[object] = []

    def on_mount(self) -> None:
        self.push_screen(HelpScreen(), self.results.append)


def shown_keys(screen: HelpScreen) -> dict[str, str]:
    keys = [str(label.render()) for label in screen.query(".key").results(Label)]
    meanings = [str(label.render()) for label in screen.query(".meaning").results(Label)]
    return dict(zip(keys, meanings, strict=True))


async def test_help_lists_every_working_key_and_closes_with_escape() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        keys = shown_keys(screen)
        for key in ("F1", "F2", "F3", "F4", "F5", "F6", "F9 / Enter", "Esc"):
            assert key in keys
        assert keys["F2"] == "Enroll a new member"
        assert keys["F5"] == "Refund one of the member's sales"
        # Keys of later issues are not promised before they work.
        assert keys["F7"] == "Print the member's card"
        assert keys["F8"].startswith("Member desk")
        assert keys["F10"] == "Add a stamp to the member's stamp card"
        assert keys["F12"] == "Give a full stamp card's reward with this sale"
        assert keys["Ctrl+R"].startswith("Program rules")
        # The palette, the message log and quitting are keys too (issue 15).
        assert keys["Ctrl+P"].startswith("Every action by name")
        assert keys["Ctrl+N"] == "The last messages in full"
        assert keys["Ctrl+Q"] == "Quit"
        for later in ("F11",):
            assert not any(later in key for key in keys)
        # Every line fits the 80x24 terminal: nothing is cut or scrolled away.
        dialog = screen.query_one("#dialog")
        assert dialog.region.height <= 24 and dialog.region.width <= 80
        assert all(label.region.height == 1 for label in screen.query(".meaning"))
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
    assert app.results == [None]


async def test_help_closes_with_f1() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
    assert app.results == [None]


async def test_help_speaks_german() -> None:
    set_language("de")
    app = Host()
    async with app.run_test(size=(80, 24)):
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        keys = shown_keys(screen)
    assert keys["F2"] == "Neues Mitglied aufnehmen"
    assert keys["F3"] == "Zum Scanfeld"


def test_snapshot_of_the_help(snap_compare: Any) -> None:
    assert snap_compare(Host(), terminal_size=(80, 24))
