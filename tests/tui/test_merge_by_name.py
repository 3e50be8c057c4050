"""The merge dialog finds the other member by name too (issue 15, item 7): one found is
shown at once; several are listed, Enter picks one; then F9 merges."""

from __future__ import annotations

from textual.widgets import OptionList

from app.domain.profile import MemberDraft
from app.services.adjustments import adjust_points
from app.services.context import Context
from app.services.member_history import member_profile
from app.services.members import enroll_member
from app.services.views import MemberView
from app.tui.app import LoyaltyApp
from app.tui.screens.merge import MergeScreen
from tests.tui.conftest import settle
from tests.tui.test_member_view import SIZE, message, open_view


async def test_a_name_typed_finds_the_other_member(
    ctx: Context, member: MemberView, other_member: MemberView
) -> None:
    adjust_points(ctx, other_member.card, 40, "start")
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        screen = await open_view(pilot, member.card)
        await pilot.press("f5")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, MergeScreen)
        # "müller" finds both Müllers; the one kept is left out, so Jonas is shown at once.
        await pilot.press(*"müller", "enter")
        await settle(pilot)
        preview = str(dialog.query_one("#desk-merge-preview").render())
        assert "Jonas Müller" in preview and other_member.card in preview
        await pilot.press("f9")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert "40 points moved" in message(screen)
    assert member_profile(ctx, other_member.member_id).status == "merged"


async def test_several_found_are_listed_and_enter_picks_one(
    ctx: Context, member: MemberView, other_member: MemberView
) -> None:
    namesake = enroll_member(ctx, MemberDraft(first_name="Jonas", last_name="Mueller"))
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        screen = await open_view(pilot, member.card)
        await pilot.press("f5")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, MergeScreen)
        await pilot.press(*"jonas", "f9")
        await settle(pilot)
        found = dialog.query_one("#desk-merge-found", OptionList)
        assert found.has_class("-shown") and found.option_count == 2
        assert pilot.app.focused is found
        # Sorted by name: Mueller before Müller.
        await pilot.press("down", "enter")
        await settle(pilot)
        assert other_member.card in str(dialog.query_one("#desk-merge-preview").render())
        await pilot.press("f9")
        await settle(pilot)
        assert pilot.app.screen is screen
    assert member_profile(ctx, other_member.member_id).status == "merged"
    assert member_profile(ctx, namesake.member_id).status == "active"


async def test_a_name_that_finds_nobody_else_says_so(ctx: Context, member: MemberView) -> None:
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        await open_view(pilot, member.card)
        await pilot.press("f5")
        await settle(pilot)
        dialog = pilot.app.screen
        await pilot.press(*"anna", "enter")
        await settle(pilot)
        assert "No other member found" in str(dialog.query_one("#dialog-error").render())
        assert pilot.app.screen is dialog
