"""What is scanned is named, and no form loses what was typed to one Esc (issue 15, items 4
and 5): typed like a scanner (digits then Enter) and like a cashier (keys)."""

from __future__ import annotations

from textual.widgets import Input, Select, Static

from app.services.context import Context
from app.services.views import MemberView
from app.tui.app import LoyaltyApp
from app.tui.screens import AdjustScreen, EnrollScreen
from tests.tui.conftest import scan, settle, text_of
from tests.tui.test_enroll import Host, error_text, members, type_text
from tests.tui.test_member_view import open_view


def dialog_message(screen: object) -> str:
    box = screen.query_one("#dialog-error", Static)  # type: ignore[attr-defined]
    return str(box.render()) if box.has_class("-shown") else ""


async def test_a_product_barcode_at_the_counter_is_named(app: LoyaltyApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, "4006381333931")
        await settle(pilot)
        assert text_of(app, "#message") == "4006381333931 is a product barcode, not a member card"
        assert app.screen.member is None  # type: ignore[attr-defined]


async def test_a_staff_badge_at_the_counter_is_named_and_no_member_is_shown(
    app: LoyaltyApp, member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, "STF000000125")
        await settle(pilot)
        assert text_of(app, "#message") == "That is a staff badge, not a member card"
        assert app.screen.member is None  # type: ignore[attr-defined]
        # With a member on the counter, the badge does not replace them either.
        await scan(pilot, member.card)
        await scan(pilot, "STF000000125")
        await settle(pilot)
        assert text_of(app, "#message") == "That is a staff badge, not a member card"
        assert app.screen.member.card == member.card  # type: ignore[attr-defined]


async def test_an_impossible_birthday_says_it_does_not_exist(ctx: Context) -> None:
    host = Host(ctx)
    async with host.run_test(size=(80, 24)) as pilot:
        screen = host.screen
        assert isinstance(screen, EnrollScreen)
        for text in ("Emma", "Fischer", "", "", "31.02.1990"):
            await type_text(pilot, text)
            await pilot.press("enter")
        await pilot.press("f9")
        await settle(pilot)
        assert error_text(screen, "birthday") == (
            "31.02.1990 does not exist: check the day and the month"
        )
        assert members(ctx) == []


async def test_esc_in_the_enroll_form_warns_before_discarding(ctx: Context) -> None:
    host = Host(ctx)
    async with host.run_test(size=(80, 24)) as pilot:
        screen = host.screen
        await type_text(pilot, "Emma")
        await pilot.press("escape")
        await settle(pilot)
        assert host.screen is screen
        assert "Unsaved changes" in dialog_message(screen)
        assert screen.query_one("#first_name", Input).value == "Emma"
        await pilot.press("escape")
        await settle(pilot)
        assert host.screen is not screen
    assert host.results == [None]


async def test_esc_in_an_untouched_enroll_form_closes_it_at_once(ctx: Context) -> None:
    host = Host(ctx)
    async with host.run_test(size=(80, 24)) as pilot:
        screen = host.screen
        await pilot.press("escape")
        await settle(pilot)
        assert host.screen is not screen
    assert host.results == [None]


async def test_esc_in_the_adjust_dialog_warns_before_discarding(
    app: LoyaltyApp, member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, AdjustScreen)
        await pilot.press("5", "0")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AdjustScreen)
        assert "Unsaved changes" in dialog_message(app.screen)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, AdjustScreen)


async def test_esc_in_the_refund_dialog_closes_at_once_when_nothing_was_typed(
    app: LoyaltyApp, rich_member: MemberView, ctx: Context
) -> None:
    from app.services.checkout import checkout

    checkout(ctx, rich_member.card, 12_00)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, rich_member.card)
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is not screen


async def test_enter_on_the_salutation_dropdown_moves_on_instead_of_opening_it(
    ctx: Context,
) -> None:
    host = Host(ctx)
    async with host.run_test(size=(80, 24)) as pilot:
        screen = host.screen
        salutation = screen.query_one("#salutation", Select)
        salutation.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert not salutation.expanded
        assert host.focused is not None and host.focused.id == "first_name"
        # Space (or an arrow) still opens the list.
        salutation.focus()
        await pilot.press("space")
        await settle(pilot)
        assert salutation.expanded


async def test_an_erased_members_profile_shows_no_example_data(
    ctx: Context, member: MemberView
) -> None:
    async with LoyaltyApp(ctx).run_test(size=(80, 24)) as pilot:
        screen = await open_view(pilot, member.card)
        assert screen.query_one("#desk-email", Input).placeholder == "name@example.org"
        await pilot.press("f7")
        await settle(pilot)
        await pilot.press(*"ERASE", "enter")
        await settle(pilot)
        for name in ("email", "phone", "birthday"):
            field = screen.query_one(f"#desk-{name}", Input)
            assert (field.value, field.placeholder) == ("", "")
