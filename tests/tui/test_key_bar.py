"""The key bar is one line at 80x24 on every screen, in English and in German, with every key
that can be used now; a dialog's bar is the only one seen (it lies over the screen's)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from app.i18n import set_language
from app.services.checkout import checkout
from app.services.context import Context
from app.services.stamps import add_program
from app.services.views import MemberView
from app.tui.app import LoyaltyApp
from app.tui.screens.stamp_pick import StampPickScreen
from app.tui.widgets.key_bar import KeyBar
from tests.tui.conftest import scan, settle

SIZE = (80, 24)

Steps = Callable[[Pilot[None], str], Awaitable[None]]


async def keys(pilot: Pilot[None], *pressed: str) -> None:
    await pilot.press(*pressed)
    await settle(pilot)


async def at_member(pilot: Pilot[None], card: str, *then: str) -> None:
    await pilot.pause()
    await scan(pilot, card)
    await keys(pilot, *then)


async def empty_counter(pilot: Pilot[None], card: str) -> None:
    await settle(pilot)


async def counter(pilot: Pilot[None], card: str) -> None:
    await at_member(pilot, card, *"12,50")


async def help_(pilot: Pilot[None], card: str) -> None:
    await keys(pilot, "f1")


async def enroll(pilot: Pilot[None], card: str) -> None:
    await keys(pilot, "f2")


async def refund(pilot: Pilot[None], card: str) -> None:
    await at_member(pilot, card, "f5")


async def adjust(pilot: Pilot[None], card: str) -> None:
    await at_member(pilot, card, "f6")


async def desk(pilot: Pilot[None], card: str) -> None:
    await keys(pilot, "f8")


async def member_view(pilot: Pilot[None], card: str) -> None:
    await at_member(pilot, card, "f8")


async def merge(pilot: Pilot[None], card: str) -> None:
    await at_member(pilot, card, "f8", "f5")


async def export(pilot: Pilot[None], card: str) -> None:
    await at_member(pilot, card, "f8", "f6")


async def erase(pilot: Pilot[None], card: str) -> None:
    await at_member(pilot, card, "f8", "f7")


async def new_card(pilot: Pilot[None], card: str) -> None:
    await at_member(pilot, card, "f8", "f8")


async def program(pilot: Pilot[None], card: str) -> None:
    await keys(pilot, "ctrl+r")


async def program_coupons(pilot: Pilot[None], card: str) -> None:
    await keys(pilot, "ctrl+r", *["f2"] * 5)


async def reports(pilot: Pilot[None], card: str) -> None:
    await keys(pilot, "ctrl+o")


async def day_close(pilot: Pilot[None], card: str) -> None:
    await keys(pilot, "ctrl+o", "f6")


async def conflicts(pilot: Pilot[None], card: str) -> None:
    pilot.app.action_conflicts()
    await settle(pilot)


SCREENS: dict[str, Steps] = {
    "empty counter": empty_counter,
    "counter": counter,
    "help": help_,
    "enroll": enroll,
    "refund": refund,
    "adjust": adjust,
    "member desk": desk,
    "member view": member_view,
    "merge": merge,
    "export": export,
    "erase": erase,
    "new card": new_card,
    "program": program,
    "program coupons": program_coupons,
    "reports": reports,
    "day close": day_close,
    "conflicts": conflicts,
}


@pytest.fixture(params=["en_US", "de"])
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    set_language(request.param)
    yield request.param
    set_language("en_US")


@pytest.mark.parametrize("name", SCREENS)
async def test_the_key_bar_is_one_line_with_every_usable_key(
    name: str, language: str, ctx: Context, rich_member: MemberView
) -> None:
    checkout(ctx, rich_member.card, 2000)
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await SCREENS[name](pilot, rich_member.card)
        screen = app.screen
        bars = list(screen.query(KeyBar))
        assert len(bars) == 1, f"{name}: {screen!r}"
        bar = bars[0]
        await pilot.pause()
        text = bar.render()
        plain = text.plain if hasattr(text, "plain") else str(text)
        usable = [f"{key} {label}" for key, label, enabled in bar.shown(screen) if enabled]
        assert usable, name
        assert "\n" not in plain
        assert len(plain) <= SIZE[0]
        assert bar.size.height == 1
        for item in usable:
            assert item in plain, f"{name} ({language}): {item!r} is not on {plain!r}"


async def test_the_stamp_pickers_question_is_not_cut(ctx: Context, rich_member: MemberView) -> None:
    add_program(ctx, "Coffee", 10, "a free coffee")
    add_program(ctx, "Bread", 5, "a free loaf")
    for language in ("en_US", "de"):
        set_language(language)
        app = LoyaltyApp(ctx)
        async with app.run_test(size=SIZE) as pilot:
            await at_member(pilot, rich_member.card, "f10")
            screen = app.screen
            assert isinstance(screen, StampPickScreen)
            room = screen.query_one("#dialog").content_size.width
            for line in screen.query(".title, .hint").results(Static):
                text = str(line.render())
                assert "\n" not in text and len(text) <= room, f"{language}: {text!r} is cut"
    set_language("en_US")
