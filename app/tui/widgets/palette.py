"""Textual's command palette and its own commands, in the shop's language.

Textual writes its palette's texts and its system commands (Theme, Quit, Keys, Maximize,
Screenshot) in English; these are the same things with our catalog's words.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.align import Align
from rich.text import Text
from textual.app import App, SystemCommand
from textual.command import CommandList, CommandPalette
from textual.screen import Screen
from textual.widgets.option_list import Option

from app.i18n import _


class Palette(CommandPalette):
    """The command palette with a translated prompt and "no matches" line."""

    def __init__(self, placeholder: str | None = None, **kwargs: Any) -> None:
        super().__init__(placeholder=placeholder or _("Search for commands…"), **kwargs)

    def _start_no_matches_countdown(self, search_value: str) -> None:
        # Textual's own version says "No matches found" in English (Textual 8: the same timer,
        # option id and flag; tests/tui/test_palette.py checks the line).
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(_("No matches found"), style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)


def system_commands(app: App[Any], screen: Screen[Any], show_keys: Any) -> Iterable[SystemCommand]:
    """Textual's system commands with our words; "Keys" opens the counter's list of keys."""
    yield SystemCommand(_("Theme"), _("Change the colours of the screen"), app.action_change_theme)
    yield SystemCommand(_("Quit"), _("Close the program (Ctrl+Q)"), app.action_quit)
    yield SystemCommand(_("Keys"), _("Every key of the counter (F1)"), show_keys)
    if screen.maximized is not None:
        yield SystemCommand(
            _("Minimize"), _("Show the other parts of the screen again"), screen.action_minimize
        )
    elif screen.focused is not None and screen.focused.allow_maximize:
        yield SystemCommand(
            _("Maximize"),
            _("Show the part with the cursor on the whole screen"),
            screen.action_maximize,
        )
    yield SystemCommand(
        _("Screenshot"),
        _("Save a picture of the screen (SVG) in the current folder"),
        lambda: save_screenshot(app),
    )


def save_screenshot(app: App[Any]) -> None:
    """Save the screen as SVG and say where (Textual's own notice is English)."""
    try:
        path = app.save_screenshot()
    except OSError as exc:
        app.notify(
            _("The screenshot was not saved: {reason}").format(reason=exc.strerror or exc),
            title=_("Screenshot"),
            severity="error",
            markup=False,
        )
        return
    app.notify(_("Screenshot saved: {path}").format(path=path), title=_("Screenshot"), markup=False)
