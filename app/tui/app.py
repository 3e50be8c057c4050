"""The Textual application: opens on the counter screen."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import App, SystemCommand
from textual.screen import Screen

from app.i18n import _
from app.services.context import Context
from app.tui.counter import CounterScreen


class LoyaltyApp(App[None]):
    """The loyalty counter at a till. ``demo_cards`` adds a hint with cards to try."""

    CSS_PATH = "app.tcss"

    def __init__(self, ctx: Context, *, demo_cards: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.demo_cards = list(demo_cards or [])
        self.title = str(ctx.settings()["shop.name"])
        self.sub_title = _("Till {till}").format(till=ctx.till)

    def get_default_screen(self) -> Screen[None]:
        return CounterScreen(self.ctx, demo_cards=self.demo_cards)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, CounterScreen):
            for title, help_text, callback in screen.palette_commands():
                yield SystemCommand(title, help_text, callback)
