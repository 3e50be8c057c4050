"""The owner's program screen, opened from the counter with Ctrl+R and driven by keys: every
change is read back through the services, and the till uses it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlmodel import select
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Checkbox, DataTable, Input, Label, Select, Static

from app.domain.coupons import Coupon
from app.domain.program import Campaign, Tier
from app.services.checkout import checkout
from app.services.context import Context
from app.services.coupons import create_batch, create_coupon, list_coupons
from app.services.lookup import lookup_card
from app.services.program_rules import add_campaign, add_tier, list_campaigns, list_tiers
from app.services.settings import write_settings
from app.services.stamps import add_program, list_programs
from app.services.views import MemberView
from app.store.models import AuditEntry
from app.store.settings import load_settings
from app.tui.app import LoyaltyApp
from app.tui.counter import CounterScreen
from app.tui.screens.confirm import ConfirmScreen
from app.tui.screens.form_dialog import FormDialog
from app.tui.screens.program import (
    CAMPAIGNS,
    COUPONS,
    EARNING,
    EXPIRY,
    STAMPS,
    TIERS,
    ProgramScreen,
)
from app.tui.screens.program.coupon_dialogs import CouponDetails
from tests.tui.conftest import confirm, scan, settle, text_of

SIZE = (80, 24)


async def typed(pilot: Pilot[None], text: str) -> None:
    """Type text like a person (spaces included)."""
    await pilot.press(*[c if c != " " else "space" for c in text])
    await settle(pilot)


async def open_program(pilot: Pilot[None]) -> ProgramScreen:
    await pilot.press("ctrl+r")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ProgramScreen)
    return screen


async def go_to(pilot: Pilot[None], screen: ProgramScreen, tab: str) -> None:
    """F2 (next tab) until the tab is in front."""
    for _step in range(7):
        if screen.tab == tab:
            return
        await pilot.press("f2")
        await settle(pilot)
    raise AssertionError(f"tab {tab} never came")


async def clear_and_type(pilot: Pilot[None], text: str) -> None:
    """Empty the focused field (Ctrl+U deletes to the start, End first), then type."""
    await pilot.press("end", "ctrl+u")
    await typed(pilot, text)


def message(screen: ProgramScreen) -> str:
    return str(screen.query_one("#program-message", Static).content)


def field_error(screen: object, error_id: str) -> str:
    label = screen.query_one(f"#{error_id}", Label)  # type: ignore[attr-defined]
    return str(label.render()) if label.has_class("-shown") else ""


def table_rows(screen: ProgramScreen, selector: str) -> list[list[str]]:
    table = screen.query_one(selector, DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def setting_changes(ctx: Context) -> list[str]:
    with ctx.db.reading() as session:
        rows = session.exec(select(AuditEntry).where(AuditEntry.action == "setting.change"))
        return [row.entity_id for row in rows]


def stored(ctx: Context, key: str) -> object:
    return load_settings(ctx.db)[key]


# --- opening and leaving ------------------------------------------------------------------------


async def test_ctrl_r_opens_the_program_screen_and_esc_goes_back(app: LoyaltyApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_program(pilot)
        assert screen.tab == EARNING
        # The first field has the focus, with the stored rate in it.
        assert app.focused is not None and app.focused.id == "set-earn-points-per-unit"
        assert screen.query_one("#set-earn-points-per-unit", Input).value == "1"
        keys = str(screen.query_one("KeyBar", Static).content)
        assert "Esc Back" in keys and "F2 Next tab" in keys and "F9 Save" in keys
        # List keys are not offered on a form.
        assert "Del Remove" not in keys and "F4 Add" not in keys
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CounterScreen)
        assert app.focused is not None and app.focused.id == "scan"


async def test_the_program_screen_is_in_the_help_and_the_command_palette(
    app: LoyaltyApp,
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await settle(pilot)
        keys = [str(label.render()) for label in app.screen.query(".key").results(Label)]
        assert "Ctrl+R" in keys
        await pilot.press("escape")
        await settle(pilot)
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert "Program rules" in commands
        commands["Program rules"].callback()
        await pilot.pause()
        assert isinstance(app.screen, ProgramScreen)


# --- tiers --------------------------------------------------------------------------------------


async def test_add_a_tier_by_typing_it_is_stored_and_listed(app: LoyaltyApp, ctx: Context) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_program(pilot)
        await go_to(pilot, screen, TIERS)
        assert "No tiers yet" in str(screen.query_one("#tiers-empty", Static).content)
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        await typed(pilot, "Gold")
        await pilot.press("enter")
        await typed(pilot, "300")
        await pilot.press("enter")
        await typed(pilot, "2")
        await pilot.press("enter")
        await typed(pilot, "10")
        # Enter in the last field saves.
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert message(screen) == "Tier saved: Gold"
        assert table_rows(screen, "#tiers") == [["Gold", "€300.00", "x2", "10%"]]
    assert list_tiers(ctx) == (Tier("Gold", 30_000, 200, 10),)


async def test_a_tier_is_changed_with_enter(app: LoyaltyApp, ctx: Context) -> None:
    add_tier(ctx, "Silver", 10_000, 150)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_program(pilot)
        await go_to(pilot, screen, TIERS)
        assert table_rows(screen, "#tiers") == [["Silver", "€100.00", "x1.5", "–"]]
        await pilot.press("enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        # The name stays; the focus starts on the spend, filled in.
        assert dialog.query_one("#field-name", Input).disabled
        assert app.focused is not None and app.focused.id == "field-min_spend"
        assert app.focused.value == "100.00"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await clear_and_type(pilot, "1.75")
        await pilot.press("f9")
        await settle(pilot)
        assert table_rows(screen, "#tiers") == [["Silver", "€100.00", "x1.75", "–"]]
    assert list_tiers(ctx) == (Tier("Silver", 10_000, 175, 0),)


async def test_invalid_tier_input_is_shown_next_to_the_field_and_nothing_is_stored(
    app: LoyaltyApp, ctx: Context
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_program(pilot)
        await go_to(pilot, screen, TIERS)
        await pilot.press("f4")
        await settle(pilot)
        dialog = app.screen
        await typed(pilot, "Gold")
        await pilot.press("enter")
        await typed(pilot, "-5")
        await pilot.press("enter")
        await typed(pilot, "abc")
        await pilot.press("f9")
        await settle(pilot)
        assert app.screen is dialog
        assert field_error(dialog, "error-min_spend") == "The amount cannot be negative"
        assert field_error(dialog, "error-multiplier") == "“abc” is not a multiplier like 2 or 1.5"
        assert field_error(dialog, "error-name") == ""
        # The cursor is put on the first wrong field.
        assert app.focused is not None and app.focused.id == "field-min_spend"
        # Correcting a field clears its message; a multiplier out of range is refused too.
        await clear_and_type(pilot, "300")
        assert field_error(dialog, "error-min_spend") == ""
        await pilot.press("enter")
        await clear_and_type(pilot, "0.5")
        await pilot.press("f9")
        await settle(pilot)
        assert "from 1 to 100" in field_error(dialog, "error-multiplier")
        # A tier on the same spend as another is the service's refusal, shown in the dialog.
        await pilot.press("escape", "escape")  # the first warns of what was typed
        await settle(pilot)
        assert app.screen is screen
    assert list_tiers(ctx) == ()
    assert setting_changes(ctx) == []


async def test_remove_a_tier_after_confirming(app: LoyaltyApp, ctx: Context) -> None:
    add_tier(ctx, "Silver", 10_000, 150)
    add_tier(ctx, "Gold", 30_000, 200)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_program(pilot)
        await go_to(pilot, screen, TIERS)
        await pilot.press("down")  # Gold
        await pilot.press("delete")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "Remove tier Gold?" in str(app.screen.query_one(".title", Label).render())
        # Esc keeps it.
        await pilot.press("escape")
        await settle(pilot)
        assert [t.name for t in list_tiers(ctx)] == ["Silver", "Gold"]
        await pilot.press("delete")
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert app.screen is screen
        assert message(screen) == "Removed: Gold"
        assert table_rows(screen, "#tiers") == [["Silver", "€100.00", "x1.5", "–"]]
    assert [t.name for t in list_tiers(ctx)] == ["Silver"]


async def test_the_tier_period_is_saved_when_chosen(app: LoyaltyApp, ctx: Context) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_program(pilot)
        await go_to(pilot, screen, TIERS)
        period = screen.query_one("#set-tier-period", Select)
        period.focus()
        await pilot.press("space", "down", "enter")
        await settle(pilot)
        assert message(screen) == "Saved: tiers count the spend of lifetime"
    assert stored(ctx, "program.tier_period") == "lifetime"
    assert ctx.program().tier_period == "lifetime"


async def test_a_stored_lifetime_period_is_shown_and_not_overwritten(
    app: LoyaltyApp, ctx: Context
) -> None:
    write_settings(ctx.db, {"program.tier_period": "lifetime"})
    ctx.forget_settings()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_program(pilot)
        await go_to(pilot, screen, TIERS)
        assert screen.query_one("#set-tier-period", Select).value == "lifetime"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CounterScreen)
    assert stored(ctx, "program.tier_period") == "lifetime"
    assert setting_changes(ctx) == ["program.tier_period"]


# --- earning ------------------------------------------------------------------------------------


async def test_a_new_earning_rate_is_used_at_the_till(
    app: LoyaltyApp, ctx: Context, member: MemberView
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_program(pilot)
        await clear_and_type(pilot, "2")
        await pilot.press("f9")
        await settle(pilot)
        assert message(screen) == "Saved: 1 setting changed"
        assert stored(ctx, "program.earn_points_per_unit") == 2
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CounterScreen)
        await scan(pilot, member.card)
        await typed(pilot, "12.50")
        # The live totals already use the new rate: 2 points for each whole 1.00.
        assert "+24" in text_of(app, "#totals")
        await confirm(pilot)
        assert re.search(r"Points earned +24\n", text_of(app, "#receipt"))
    assert lookup_card(ctx, member.card).points == 24


async def test_switches_and_the_redeem_rate_are_saved_together(
    app: LoyaltyApp, ctx: Context
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_program(pilot)
        await pilot.press("enter")  # to the redeem rate
        await clear_and_type(pilot, "50")
        await pilot.press("enter")  # to the first switch
        assert app.focused is not None and app.focused.id == "set-earn-on-points-paid"
        await pilot.press("space")
        # Enter on a checkbox moves on without ticking it.
        await pilot.press("enter")
        assert app.focused is not None and app.focused.id == "set-earn-on-discount"
        await pilot.press("f9")
        await settle(pilot)
        assert message(screen) == "Saved: 2 settings changed"
        assert screen.query_one("#set-earn-on-points-paid", Checkbox).value
    assert stored(ctx, "program.redeem_points_per_unit") == 50
    assert stored(ctx, "program.earn_on_points_paid") is True
    assert stored(ctx, "program.earn_on_discount") is False
    rules = ctx.rules()
    assert (rules.redeem_points_per_unit, rules.earn_on_points_paid) == (50, True)


async def test_invalid_earning_input_saves_nothing_and_says_why(
    app: LoyaltyApp, ctx: Context
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_program(pilot)
        await clear_and_type(pilot, "abc")
        await pilot.press("enter")
        await clear_and_type(pilot, "50")  # valid, but not saved with an invalid neighbour
        await pilot.press("f9")
        await settle(pilot)
        assert (
            field_error(screen, "error-set-earn-points-per-unit")
            == "“abc”: give a whole number from 1 to 1,000"
        )
        assert field_error(screen, "error-set-redeem-points-per-unit") == ""
        assert message(screen) == "Not saved: correct the marked field"
        assert app.focused is not None and app.focused.id == "set-earn-points-per-unit"
        # Esc warns once about the unsaved changes, the second Esc leaves without them.
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ProgramScreen)
        assert "Unsaved changes" in message(screen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CounterScreen)
    assert stored(ctx, "program.earn_points_per_unit") == 1
    assert stored(ctx, "program.redeem_points_per_unit") == 100
    assert setting_changes(ctx) == []


async def test_saving_unchanged_settings_writes_nothing(app: LoyaltyApp, ctx: Context) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_program(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert message(screen) == "Nothing to save: no setting was changed"
    assert setting_changes(ctx) == []


# --- bonuses and expiry -------------------------------------------------------------------------


async def test_bonuses_and_expiry_are_saved_with_f9(app: LoyaltyApp, ctx: Context) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_program(pilot)
        await go_to(pilot, screen, "program-bonuses")
        assert app.focused is not None and app.focused.id == "set-birthday-points"
        await clear_and_type(pilot, "50")
        await pilot.press("enter")  # the birthday period: week -> month
        await pilot.press("space", "down", "enter")
        await pilot.press("tab")
        await clear_and_type(pilot, "100")  # sign-up
        await pilot.press("enter")
        await clear_and_type(pilot, "25")  # profile
        await pilot.press("enter")
        await clear_and_type(pilot, "200")  # referral
        await go_to(pilot, screen, EXPIRY)
        assert app.focused is not None and app.focused.id == "set-expiry"
        await pilot.press("space", "down", "enter")  # never -> N months after earning
        await pilot.press("tab")
        await clear_and_type(pilot, "24")
        await pilot.press("f9")
        await settle(pilot)
        assert message(screen) == "Saved: 7 settings changed"
    setup = ctx.program()
    assert (setup.birthday_points, setup.birthday_period) == (50, "month")
    assert (setup.signup_bonus, setup.profile_bonus, setup.referral_bonus) == (100, 25, 200)
    assert (setup.expiry_mode, setup.expiry_months) == ("earned", 24)


async def test_a_wrong_bonus_on_another_tab_is_shown_there(app: LoyaltyApp, ctx: Context) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_program(pilot)
        await go_to(pilot, screen, EXPIRY)
        await pilot.press("tab")
        await clear_and_type(pilot, "-3")
        await go_to(pilot, screen, "program-bonuses")
        await go_to(pilot, screen, EARNING)
        await clear_and_type(pilot, "3")
        await pilot.press("f9")
        await settle(pilot)
        # The screen goes to the tab of the wrong field.
        assert screen.tab == EXPIRY
        assert (
            field_error(screen, "error-set-expiry-months")
            == "“-3”: give a whole number from 1 to 600"
        )
    assert stored(ctx, "program.earn_points_per_unit") == 1
    assert stored(ctx, "program.expiry_months") == 12


# --- campaigns ----------------------------------------------------------------------------------


async def test_add_and_remove_a_campaign(app: LoyaltyApp, ctx: Context) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_program(pilot)
        await go_to(pilot, screen, CAMPAIGNS)
        await pilot.press("f4")
        await settle(pilot)
        dialog = app.screen
        for text in ("Double Tuesday", "2", "2026-12-01", "2026-11-01", "tue", "14-17"):
            await typed(pilot, text)
            await pilot.press("enter")
        await settle(pilot)
        # Until before from: the service's refusal, in the dialog; nothing stored.
        assert app.screen is dialog
        assert "The campaign ends before it starts" in str(
            dialog.query_one("#dialog-error", Static).render()
        )
        assert list_campaigns(ctx) == ()
        dialog.query_one("#field-until", Input).focus()
        await clear_and_type(pilot, "2026-12-31")
        await pilot.press("f9")
        await settle(pilot)
        assert app.screen is screen
        assert message(screen) == "Campaign saved: Double Tuesday"
        [row] = table_rows(screen, "#campaigns")
        assert row[:2] == ["Double Tuesday", "x2"] and row[4:6] == ["tue", "14-17"]
        assert list_campaigns(ctx) == (
            Campaign(
                "Double Tuesday",
                200,
                from_day=__import__("datetime").date(2026, 12, 1),
                until_day=__import__("datetime").date(2026, 12, 31),
                weekdays=(1,),
                hours=(14, 17),
            ),
        )
        await pilot.press("delete")
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert table_rows(screen, "#campaigns") == []
    assert list_campaigns(ctx) == ()


async def test_a_campaign_with_a_wrong_weekday_is_refused(app: LoyaltyApp, ctx: Context) -> None:
    add_campaign(ctx, "Weekend", 150, weekdays=(5, 6))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_program(pilot)
        await go_to(pilot, screen, CAMPAIGNS)
        await pilot.press("enter")  # change Weekend
        await settle(pilot)
        dialog = app.screen
        dialog.query_one("#field-weekdays", Input).focus()
        await clear_and_type(pilot, "funday")
        await pilot.press("f9")
        await settle(pilot)
        assert "is not a weekday" in field_error(dialog, "error-weekdays")
    assert list_campaigns(ctx)[0].weekdays == (5, 6)


async def test_the_shop_time_zone_is_saved_with_enter(app: LoyaltyApp, ctx: Context) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_program(pilot)
        await go_to(pilot, screen, CAMPAIGNS)
        screen.query_one("#set-timezone", Input).focus()
        await typed(pilot, "Mars/Base")
        await pilot.press("enter")
        await settle(pilot)
        assert message(screen) == (
            "“Mars/Base”: give a time zone like Europe/Berlin (empty: the till computer's)"
        )
        assert stored(ctx, "shop.timezone") == ""
        # Not saved yet: Esc warns first.
        await pilot.press("escape")
        await settle(pilot)
        assert "Unsaved changes" in message(screen)
        await clear_and_type(pilot, "Europe/Berlin")
        await pilot.press("enter")
        await settle(pilot)
        assert message(screen) == "Saved: the shop's time zone is Europe/Berlin"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CounterScreen)
    assert stored(ctx, "shop.timezone") == "Europe/Berlin"
    assert ctx.program().timezone == "Europe/Berlin"


# --- coupons ------------------------------------------------------------------------------------


async def test_a_coupon_created_here_is_scanned_at_the_till(
    app: LoyaltyApp, ctx: Context, member: MemberView
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_program(pilot)
        await go_to(pilot, screen, COUPONS)
        assert "F4 New code" in str(screen.query_one("KeyBar", Static).content)
        await pilot.press("f4")
        await settle(pilot)
        await typed(pilot, "summer10")
        await pilot.press("enter")  # to the kind: percent off stays
        await pilot.press("tab")
        await typed(pilot, "10")
        await pilot.press("f9")
        await settle(pilot)  # the list is read off the event loop
        assert app.screen is screen
        assert message(screen) == "Coupon created: SUMMER10"
        assert table_rows(screen, "#coupons") == [["SUMMER10", "-10%", "–", "always", "0"]]
        await pilot.press("escape")
        await settle(pilot)
        await scan(pilot, member.card)
        await scan(pilot, "SUMMER10")
        assert text_of(app, "#message") == "Coupon applied: -10% SUMMER10"
        await typed(pilot, "20")
        await confirm(pilot)
        assert "€18.00" in text_of(app, "#receipt")
    [view] = list_coupons(ctx)
    assert (view.code, view.coupon.kind, view.coupon.value, view.uses) == (
        "SUMMER10",
        "percent",
        10,
        1,
    )


async def test_an_amount_coupon_with_limits_and_its_mistakes(app: LoyaltyApp, ctx: Context) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_program(pilot)
        await go_to(pilot, screen, COUPONS)
        await pilot.press("f4")
        await settle(pilot)
        dialog = app.screen
        await typed(pilot, "WELCOME5")
        await pilot.press("enter", "space", "down", "enter")  # kind: amount off
        await settle(pilot)
        assert str(dialog.query_one("#label-value", Label).render()) == "Amount off"
        await pilot.press("tab")
        await typed(pilot, "five")
        await pilot.press("enter")
        await typed(pilot, "20")
        await pilot.press("enter", "enter")
        await typed(pilot, "2026-01-31")
        await pilot.press("enter")
        await typed(pilot, "x")
        await pilot.press("f9")
        await settle(pilot)
        assert field_error(dialog, "error-value") == "“five” is not an amount"
        assert field_error(dialog, "error-max_uses") == "“x” is not a whole number"
        assert list_coupons(ctx) == []
        dialog.query_one("#field-value", Input).focus()
        await clear_and_type(pilot, "5")
        dialog.query_one("#field-max_uses", Input).focus()
        await clear_and_type(pilot, "100")
        await pilot.press("f9")
        await settle(pilot)
        assert app.screen is screen
        [row] = table_rows(screen, "#coupons")
        assert row == ["WELCOME5", "-€5.00", "€20.00", "until Jan 31, 2026", "0 of 100"]
    [view] = list_coupons(ctx)
    assert (view.coupon.kind, view.coupon.value, view.coupon.min_spend_cents) == (
        "amount",
        500,
        2000,
    )
    assert view.coupon.max_uses == 100


async def batch_of_three(pilot: Pilot[None], screen: ProgramScreen) -> Screen[object]:
    """The batch dialog filled in: 3 codes XMAS-… for 50 extra points; printing not chosen yet."""
    await go_to(pilot, screen, COUPONS)
    await pilot.press("f5")
    await settle(pilot)
    dialog = pilot.app.screen
    await typed(pilot, "3")
    await pilot.press("enter")
    await typed(pilot, "xmas")
    await pilot.press("enter", "space", "down", "down", "enter")  # extra points
    await pilot.press("tab")
    await typed(pilot, "50")
    return dialog


async def test_a_batch_of_single_use_codes_printed_to_a_pdf(
    app: LoyaltyApp, ctx: Context, tmp_path: Path
) -> None:
    target = tmp_path / "xmas.pdf"
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_program(pilot)
        await batch_of_three(pilot, screen)
        for _field in ("min_spend", "valid_from", "valid_until", "print"):
            await pilot.press("enter")
        assert app.focused is not None and app.focused.id == "field-print"
        await typed(pilot, str(target))
        await pilot.press("enter")
        for _attempt in range(100):
            await settle(pilot)
            if app.screen is screen:
                break
        assert app.screen is screen
        await settle(pilot)
        assert message(screen).startswith("3 single-use codes created · printable PDF:")
        assert len(table_rows(screen, "#coupons")) == 3
    codes = list_coupons(ctx)
    assert len(codes) == 3
    assert all(v.code.startswith("XMAS-") and v.coupon.max_uses == 1 for v in codes)
    assert all((v.coupon.kind, v.coupon.value) == ("points", 50) for v in codes)
    assert target.read_bytes().startswith(b"%PDF")


async def test_a_batch_that_cannot_be_printed_keeps_the_dialog_and_creates_nothing(
    app: LoyaltyApp, ctx: Context, tmp_path: Path
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_program(pilot)
        dialog = await batch_of_three(pilot, screen)
        dialog.query_one("#field-print", Input).focus()
        await typed(pilot, str(tmp_path / "no such folder" / "x.pdf"))
        await pilot.press("f9")
        await settle(pilot)
        assert app.screen is dialog
        error = str(dialog.query_one("#dialog-error", Static).render())
        assert "the folder does not exist" in error
    assert list_coupons(ctx) == []


async def test_a_batch_count_out_of_range_is_refused(app: LoyaltyApp, ctx: Context) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_program(pilot)
        await go_to(pilot, screen, COUPONS)
        await pilot.press("f5")
        await settle(pilot)
        dialog = app.screen
        await typed(pilot, "0")
        await pilot.press("tab", "tab", "tab")
        await typed(pilot, "10")
        await pilot.press("f9")
        for _attempt in range(100):
            await settle(pilot)
            if not dialog.db.busy:  # type: ignore[attr-defined]
                break
        assert app.screen is dialog
        assert "A batch has from 1 to" in str(dialog.query_one("#dialog-error", Static).render())
    assert list_coupons(ctx) == []


# --- stamp cards --------------------------------------------------------------------------------


async def test_add_and_remove_a_stamp_program(
    app: LoyaltyApp, ctx: Context, member: MemberView
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_program(pilot)
        await pilot.press("f3")  # back from the first tab to the last: stamp cards
        await settle(pilot)
        assert screen.tab == STAMPS
        await pilot.press("f4")
        await settle(pilot)
        dialog = app.screen
        await typed(pilot, "Coffee")
        await pilot.press("enter")
        await typed(pilot, "1")
        await pilot.press("enter")
        await typed(pilot, "a free coffee")
        await pilot.press("enter")
        await settle(pilot)
        assert "from 2 to 100 stamps" in str(dialog.query_one("#dialog-error", Static).render())
        dialog.query_one("#field-stamps", Input).focus()
        await clear_and_type(pilot, "10")
        await pilot.press("f9")
        await settle(pilot)
        assert message(screen) == "Stamp card added: Coffee"
        assert table_rows(screen, "#stamps") == [["Coffee", "10", "a free coffee"]]
        # At the till, F10 stamps the new card.
        await pilot.press("escape")
        await settle(pilot)
        await scan(pilot, member.card)
        await pilot.press("f10")
        await settle(pilot)
        assert text_of(app, "#message") == "Stamp added: Coffee 1/10"
        await open_program(pilot)
        screen = app.screen  # type: ignore[assignment]
        await pilot.press("f3")
        await pilot.press("delete")
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert table_rows(screen, "#stamps") == []
    assert list_programs(ctx) == []


async def test_every_change_is_a_sync_event(app: LoyaltyApp, ctx: Context) -> None:
    add_program(ctx, "Tea", 5, "a free tea")
    async with app.run_test(size=SIZE) as pilot:
        await open_program(pilot)
        await clear_and_type(pilot, "3")
        await pilot.press("f9")
        await settle(pilot)
    with ctx.db.reading() as session:
        payloads = [
            json.loads(p)
            for (p,) in session.connection().exec_driver_sql(
                "SELECT payload FROM sync_event WHERE kind = 'setting'"
            )
        ]
    assert {"key": "program.earn_points_per_unit", "value": 3} in [
        {k: p[k] for k in ("key", "value")} for p in payloads
    ]


async def test_enter_on_a_coupon_shows_its_uses(
    app: LoyaltyApp, ctx: Context, member: MemberView
) -> None:
    create_coupon(ctx, Coupon("SUMMER10", "percent", 10, max_uses=50))
    checkout(ctx, member.card, 20_00, coupon="SUMMER10")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_program(pilot)
        await go_to(pilot, screen, COUPONS)
        await settle(pilot)
        assert "Enter Show" in str(screen.query_one("KeyBar", Static).content)
        await pilot.press("enter")
        await settle(pilot)
        details = app.screen
        assert isinstance(details, CouponDetails)
        rule = str(details.query_one("#coupon-rule", Static).content)
        assert "Gives: -10%" in rule and "Uses: 1 of 50" in rule
        [use] = [
            [str(c) for c in details.query_one(DataTable).get_row_at(i)]
            for i in range(details.query_one(DataTable).row_count)
        ]
        assert use[1:] == ["1", str(member.member_id), "€2.00", "–", "001/1"]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


async def test_the_coupon_list_shows_the_newest_codes_of_a_big_batch(
    app: LoyaltyApp, ctx: Context, monkeypatch: object
) -> None:
    import app.tui.screens.program.coupons as coupons_tab

    monkeypatch.setattr(coupons_tab, "COUPON_ROWS", 5)  # type: ignore[attr-defined]
    create_batch(ctx, 8, Coupon("BATCH", "points", 10), prefix="BIG")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_program(pilot)
        await go_to(pilot, screen, COUPONS)
        await settle(pilot)
        assert len(table_rows(screen, "#coupons")) == 5
        note = str(screen.query_one("#coupons-empty", Static).content)
        assert note == "The newest 5 of 8 coupons (all of them: loyalty coupon list)"


def test_snapshot_of_the_program_screen(snap_compare, ctx: Context) -> None:
    add_tier(ctx, "Silver", 10_000, 150)
    add_tier(ctx, "Gold", 30_000, 200, 10)
    assert snap_compare(LoyaltyApp(ctx), terminal_size=SIZE, press=["ctrl+r", "f2"])
