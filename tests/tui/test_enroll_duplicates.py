"""Enrolling someone who is already a member (issue 15, item 7): the form lists the likely
duplicates; Enter opens one at the counter, F9 enrolls anyway, Esc goes back to the form."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from app.services.context import Context
from app.services.search import find_members
from app.services.views import MemberView
from app.tui.app import LoyaltyApp
from app.tui.screens.duplicates import DuplicatesScreen
from app.tui.screens.enroll import EnrollScreen
from tests.tui.conftest import settle, text_of, type_text


async def _fill_form(pilot: Pilot[None], first: str, last: str, email: str) -> None:
    """F2, then the names and the email typed field by field, Enter up to the postcode."""
    await pilot.press("f2")
    await settle(pilot)
    assert isinstance(pilot.app.screen, EnrollScreen)
    for value in (first, last, email, "", "", ""):
        await type_text(pilot, value)
        await pilot.press("enter")
    await settle(pilot)


async def test_the_same_email_lists_the_member_and_enter_opens_them(
    app: LoyaltyApp, ctx: Context, member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await _fill_form(pilot, "Anna", "Mueller", "ANNA.MUELLER@example.org")
        screen = app.screen
        assert isinstance(screen, DuplicatesScreen)
        options = screen.query_one("#duplicates", OptionList)
        assert options.option_count == 1
        line = str(options.get_option_at_index(0).prompt)
        assert "Müller, Anna" in line and member.card in line and "same email" in line
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, EnrollScreen | DuplicatesScreen)
        assert text_of(app, "#member-name").endswith("Anna Müller")
        assert f"already a member: card {member.card}" in text_of(app, "#message")
    assert len(find_members(ctx, "anna")) == 1


async def test_f9_enrolls_anyway_and_esc_goes_back_to_the_form(
    app: LoyaltyApp, ctx: Context, member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await _fill_form(pilot, "Anna", "Müller", "anna.m@example.org")
        # Only the same name: with no birthday or postcode typed it is no duplicate.
        assert isinstance(app.screen, EnrollScreen) and app.screen.has_class("-enrolled")
        await pilot.press("enter")
        await settle(pilot)
        await _fill_form(pilot, "Eva", "Klein", "anna.mueller@example.org")
        assert isinstance(app.screen, DuplicatesScreen)
        await pilot.press("escape")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, EnrollScreen) and not form.has_class("-enrolled")
        assert form.query_one("#email", Input).value == "anna.mueller@example.org"
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, DuplicatesScreen)
        await pilot.press("f9")
        await settle(pilot)
        assert app.screen is form and form.has_class("-enrolled")
    assert len(find_members(ctx, "klein")) == 1
