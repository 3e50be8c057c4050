"""The member desk's list (F8): filter as you type, sort keys, keyset pages, open a member."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from app.domain.profile import MemberDraft
from app.services.adjustments import adjust_points
from app.services.context import Context
from app.services.members import enroll_member
from app.services.views import MemberView
from app.tui.app import LoyaltyApp
from app.tui.screens.member_view import MemberViewScreen
from app.tui.screens.members import MembersScreen
from tests.conftest import Clock
from tests.tui.conftest import scan

SIZE = (80, 24)
NAMES = [
    ("Anna", "Müller", 500),
    ("Jonas", "Müller", 20),
    ("Bernd", "Becker", 310),
    ("Clara", "Zimmermann", 75),
    ("Dana", "Schmidt", 1200),
]


@pytest.fixture
def shop(ctx: Context, clock: Clock) -> dict[str, MemberView]:
    """Five members enrolled a day apart, each with some points."""
    start = clock.now
    found = {}
    for day, (first, last, points) in enumerate(NAMES):
        clock.now = start - timedelta(days=len(NAMES) - day)
        view = enroll_member(ctx, MemberDraft(first_name=first, last_name=last))
        adjust_points(ctx, view.card, points, "opening")
        found[f"{first} {last}"] = view
    clock.now = start
    return found


async def settle(pilot: Pilot[None]) -> None:
    """Wait until the typed filter was queried and the page is in the table."""
    for _attempt in range(200):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        screen = pilot.app.screen
        if not isinstance(screen, MembersScreen):
            return
        if (
            screen.generation
            and not screen.filter_pending
            and screen.shown_generation == screen.generation
        ):
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            return
        await pilot.pause(0.05)
    raise AssertionError("the members list never loaded")


async def open_desk(pilot: Pilot[None]) -> MembersScreen:
    await pilot.pause()
    await pilot.press("f8")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, MembersScreen)
    return screen


def names(screen: MembersScreen) -> list[str]:
    table = screen.query_one("#desk-table", DataTable)
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


def status(screen: MembersScreen) -> str:
    return str(screen.query_one("#desk-status").render())


async def test_the_list_shows_every_member_by_name(ctx: Context, shop: dict) -> None:
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        screen = await open_desk(pilot)
        assert names(screen) == [
            "Becker, Bernd",
            "Müller, Anna",
            "Müller, Jonas",
            "Schmidt, Dana",
            "Zimmermann, Clara",
        ]
        table = screen.query_one("#desk-table", DataTable)
        first = [str(cell) for cell in table.get_row_at(0)]
        assert first[0] == shop["Bernd Becker"].card
        assert first[2] == "310"  # the points before the contact details (60 columns)
        assert "Page 1" in status(screen)


async def test_typing_a_filter_narrows_the_list(ctx: Context, shop: dict) -> None:
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        screen = await open_desk(pilot)
        await pilot.press(*"muller")
        await settle(pilot)
        assert names(screen) == ["Müller, Anna", "Müller, Jonas"]
        await pilot.press(*" jo")
        await settle(pilot)
        assert names(screen) == ["Müller, Jonas"]
        await pilot.press("ctrl+u", *"xyz")
        await settle(pilot)
        assert names(screen) == []
        assert "No member found" in status(screen)


async def test_a_scanned_card_finds_its_member(ctx: Context, shop: dict) -> None:
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        screen = await open_desk(pilot)
        await pilot.press(*shop["Clara Zimmermann"].card)
        await settle(pilot)
        assert names(screen) == ["Zimmermann, Clara"]


async def test_sort_keys_change_the_order(ctx: Context, shop: dict) -> None:
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        screen = await open_desk(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert names(screen)[:3] == ["Schmidt, Dana", "Müller, Anna", "Becker, Bernd"]
        assert "points" in status(screen)
        await pilot.press("f4")
        await settle(pilot)
        assert names(screen)[0] == "Schmidt, Dana"  # enrolled last
        assert names(screen)[-1] == "Müller, Anna"  # enrolled first
        await pilot.press("f2")
        await settle(pilot)
        assert names(screen)[0] == "Becker, Bernd"


async def test_page_down_fetches_the_next_page_and_page_up_comes_back(ctx: Context) -> None:
    surnames = [f"Page{chr(65 + i // 26)}{chr(97 + i % 26)}" for i in range(45)]
    for surname in surnames:
        enroll_member(ctx, MemberDraft(first_name="Member", last_name=surname))
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        screen = await open_desk(pilot)
        first_page = names(screen)
        # Only what fits on screen is in the table, never the whole member base.
        assert 5 <= len(first_page) < 45
        assert first_page[0] == "PageAa, Member"
        await pilot.press("pagedown")
        await settle(pilot)
        second_page = names(screen)
        assert second_page[0] == f"{surnames[len(first_page)]}, Member"
        assert "Page 2" in status(screen)
        await pilot.press("pagedown", "pagedown", "pagedown")
        await settle(pilot)
        assert names(screen)[-1] == f"{surnames[-1]}, Member"
        assert "last page" in status(screen)
        while screen.page_number > 1:
            await pilot.press("pageup")
            await settle(pilot)
        assert names(screen) == first_page


async def test_enter_opens_the_member_and_esc_comes_back(ctx: Context, shop: dict) -> None:
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        screen = await open_desk(pilot)
        await pilot.press(*"schmidt", "enter")
        await settle(pilot)
        assert names(screen) == ["Schmidt, Dana"]
        await pilot.press("enter")
        await settle(pilot)
        view = pilot.app.screen
        assert isinstance(view, MemberViewScreen)
        assert view.member_id == shop["Dana Schmidt"].member_id
        assert "Dana Schmidt" in str(view.query_one("#desk-who").render())
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is screen
        await pilot.press("escape")
        await settle(pilot)
        assert type(pilot.app.screen).__name__ == "CounterScreen"


async def test_f8_with_a_member_at_the_counter_opens_that_member(ctx: Context, shop: dict) -> None:
    anna = shop["Anna Müller"]
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        await pilot.pause()
        await scan(pilot, anna.card)
        await pilot.press("f8")
        await settle(pilot)
        view = pilot.app.screen
        assert isinstance(view, MemberViewScreen)
        assert view.member_id == anna.member_id
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MembersScreen)


def test_snapshot_of_the_members_list(snap_compare, ctx: Context, shop: dict) -> None:
    async def open_it(pilot: Pilot[None]) -> None:
        await open_desk(pilot)

    assert snap_compare(LoyaltyApp(ctx), terminal_size=SIZE, run_before=open_it)


async def test_a_larger_terminal_gets_larger_pages(ctx: Context) -> None:
    surnames = [f"Tall{chr(65 + i // 26)}{chr(97 + i % 26)}" for i in range(60)]
    for surname in surnames:
        enroll_member(ctx, MemberDraft(first_name="Member", last_name=surname))
    sizes = {}
    for size in ((80, 24), (160, 50)):
        async with LoyaltyApp(ctx).run_test(size=size) as pilot:
            screen = await open_desk(pilot)
            table = screen.query_one("#desk-table", DataTable)
            # A page fills the table's height and no more: nothing hidden below the fold.
            assert table.row_count == table.size.height - 1
            sizes[size] = table.row_count
    assert sizes[(160, 50)] > sizes[(80, 24)]


async def test_resizing_the_terminal_refits_the_page(ctx: Context) -> None:
    for i in range(40):
        enroll_member(
            ctx,
            MemberDraft(first_name="Member", last_name=f"Fit{chr(97 + i % 26) * (1 + i // 26)}"),
        )
    async with LoyaltyApp(ctx).run_test(size=(80, 24)) as pilot:
        screen = await open_desk(pilot)
        table = screen.query_one("#desk-table", DataTable)
        small = table.row_count
        await pilot.resize_terminal(100, 40)
        await pilot.pause()
        await settle(pilot)
        assert table.row_count == table.size.height - 1 > small


async def test_arrow_keys_run_on_into_the_next_and_previous_page(ctx: Context) -> None:
    surnames = [f"Row{chr(65 + i // 26)}{chr(97 + i % 26)}" for i in range(30)]
    for surname in surnames:
        enroll_member(ctx, MemberDraft(first_name="Member", last_name=surname))
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        screen = await open_desk(pilot)
        table = screen.query_one("#desk-table", DataTable)
        per_page = table.row_count
        await pilot.press("down")  # from the filter into the table
        await pilot.press(*["down"] * (per_page - 1))
        await settle(pilot)
        assert table.cursor_row == per_page - 1
        await pilot.press("down")
        await settle(pilot)
        assert screen.page_number == 2
        assert names(screen)[table.cursor_row] == f"{surnames[per_page]}, Member"
        await pilot.press("up")
        await settle(pilot)
        assert screen.page_number == 1
        assert table.cursor_row == per_page - 1
        assert names(screen)[table.cursor_row] == f"{surnames[per_page - 1]}, Member"


async def test_typing_in_the_table_goes_on_with_the_filter(ctx: Context, shop: dict) -> None:
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        screen = await open_desk(pilot)
        await pilot.press(*"mul", "enter")  # Enter: to the table
        await settle(pilot)
        assert screen.focused is screen.query_one("#desk-table")
        await pilot.press(*"ler j")
        await settle(pilot)
        assert screen.query_one("#desk-filter", Input).value == "muller j"
        assert names(screen) == ["Müller, Jonas"]


async def test_a_segment_typed_in_the_filter_lists_its_members(ctx: Context, shop: dict) -> None:
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        screen = await open_desk(pilot)
        await pilot.press(*"new:3")
        await settle(pilot)
        # Enrolled 3, 2 and 1 days ago; in name order.
        assert names(screen) == ["Becker, Bernd", "Schmidt, Dana", "Zimmermann, Clara"]
        assert "segment new:3" in status(screen)
        await pilot.press("ctrl+u", *"tier:gold")
        await settle(pilot)
        assert names(screen) == []
        assert "There is no tier “gold”" in status(screen)
