"""The counter's search takes what a cashier types (issue 15, item 6): the other German
spelling, the desk's "Last, First", the end of a phone number, an email's domain."""

from __future__ import annotations

from app.services.views import MemberView
from app.tui.app import LoyaltyApp
from app.tui.widgets.pick_list import PickList
from tests.tui.conftest import settle, text_of


async def test_each_way_of_typing_finds_anna(app: LoyaltyApp, member: MemberView) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        for typed in ("mueller", "Müller, Anna", "2345678", "@example.org"):
            await pilot.press(*[" " if c == " " else c for c in typed], "enter")
            await settle(pilot)
            pick_list = app.screen.query_one(PickList)
            assert pick_list.display and pick_list.option_count == 1, typed
            assert "Müller, Anna" in str(pick_list.get_option_at_index(0).prompt), typed
            assert app.focused is pick_list
            await pilot.press("escape")
            await settle(pilot)
        await pilot.press(*"9722233", "enter")
        await settle(pilot)
        assert "No member found" in text_of(app, "#message")
        await pilot.press(*"ANNA.MUELLER@", "enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert text_of(app, "#member-name") == "Ms Anna Müller"
