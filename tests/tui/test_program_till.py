"""The program at the till: tier and progress, birthday banner, expiring points, rule lines."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select
from textual.widgets import Input

from app.domain.profile import MemberDraft
from app.services.checkout import checkout
from app.services.context import Context
from app.services.members import enroll_member
from app.services.program_rules import add_campaign, add_tier
from app.services.settings import write_setting
from app.services.views import MemberView
from app.store.models import Member
from app.tui.app import LoyaltyApp
from app.tui.screens.enroll import EnrollScreen
from tests.conftest import Clock
from tests.tui.conftest import confirm, scan, settle, text_of, type_text


def _set(ctx: Context, key: str, value: object) -> None:
    write_setting(ctx.db, key, value, ctx.now())
    ctx.forget_settings()


def _tiers(ctx: Context) -> None:
    add_tier(ctx, "Silver", 10_000, 150)
    add_tier(ctx, "Gold", 30_000, 200, 10)


async def test_the_member_panel_shows_the_tier_and_what_is_missing_to_the_next(
    ctx: Context, member: MemberView
) -> None:
    _tiers(ctx)
    checkout(ctx, member.card, 26_200)
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        assert "Silver · €38.00 to Gold" in text_of(app, "#member-program")


async def test_a_member_without_a_tier_sees_the_way_to_the_first(
    ctx: Context, member: MemberView
) -> None:
    _tiers(ctx)
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        assert "No tier yet · €100.00 to Silver" in text_of(app, "#member-program")


async def test_without_program_rules_the_panel_has_no_program_lines(
    app: LoyaltyApp, member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        assert not app.screen.query_one("#member-program").display


async def test_the_birthday_banner_and_the_gift_on_the_receipt(ctx: Context) -> None:
    _set(ctx, "program.birthday_points", 50)
    born = enroll_member(
        ctx, MemberDraft(first_name="Cleo", last_name="Born", birthday="1990-11-22")
    )
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, born.card)
        assert "Happy birthday! +50 points with this purchase" in text_of(app, "#member-program")
        await type_text(pilot, "10")
        assert "+10 base · +50 birthday" in text_of(app, "#totals")
        await confirm(pilot)
        receipt = text_of(app, "#receipt")
        assert "+10 base · +50 birthday" in receipt
        # Given: the banner is gone for the rest of the year.
        assert "Happy birthday" not in text_of(app, "#member-program")


async def test_gold_lines_in_the_live_totals_and_on_the_receipt(
    ctx: Context, member: MemberView
) -> None:
    _tiers(ctx)
    checkout(ctx, member.card, 30_000)
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        await type_text(pilot, "50")
        totals = text_of(app, "#totals")
        assert "Discount" in totals and "−€5.00" in totals
        assert "To pay" in totals and "€45.00" in totals
        assert "+45 base · +45 Gold x2 · -10% Gold" in totals
        await confirm(pilot)
        receipt = text_of(app, "#receipt")
        assert "+45 base · +45 Gold x2 · -10% Gold" in receipt
        assert "€5.00" in receipt


async def test_a_campaign_shows_in_the_live_totals(ctx: Context, member: MemberView) -> None:
    add_campaign(ctx, "Double Friday", 200, weekdays=(4,))  # the test clock is a Friday
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        await type_text(pilot, "12")
        assert "+12 base · +12 Double Friday x2" in text_of(app, "#totals")


async def test_points_expiring_soon_are_shown(
    ctx: Context, member: MemberView, clock: Clock
) -> None:
    _set(ctx, "program.expiry", "earned")
    _set(ctx, "program.expiry_months", 12)
    checkout(ctx, member.card, 10_000)
    clock.now += timedelta(days=350)
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        assert "100 points expire by Nov 20, 2027" in text_of(app, "#member-program")


async def test_enroll_as_referred_by_a_member(ctx: Context, member: MemberView) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, EnrollScreen)
        await type_text(pilot, "Nora")
        await pilot.press("enter")
        await type_text(pilot, "Neu")
        # Down to the postcode with Enter, one Tab to the referral card.
        await pilot.press("enter", "enter", "enter", "enter", "tab")
        assert app.focused is not None and app.focused.id == "referred_by"
        await type_text(pilot, member.card[:-1] + str((int(member.card[-1]) + 1) % 10))
        await pilot.press("enter")
        await settle(pilot)
        label = app.screen.query_one("#error-referred_by")
        assert "Wrong check digit" in str(label.render())
        field = app.screen.query_one("#referred_by", Input)
        field.value = ""
        await type_text(pilot, member.card)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.has_class("-enrolled")
        await pilot.press("enter")
        await settle(pilot)
    with ctx.db.reading() as session:
        nora = session.exec(select(Member).where(Member.first_name == "Nora")).one()
    assert nora.referred_by == member.member_id


async def test_f4_redeems_at_most_what_is_due_after_the_member_discount(
    ctx: Context, member: MemberView
) -> None:
    _tiers(ctx)
    checkout(ctx, member.card, 30_000)
    from app.services.adjustments import adjust_points

    adjust_points(ctx, member.card, 10_000, "gift")
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        await type_text(pilot, "50")
        await pilot.press("f4")
        await settle(pilot)
        # 50.00 less 10 % is 45.00: 4 500 points pay for it, not 5 000.
        assert app.screen.query_one("#redeem", Input).value == "4500"
        assert "-10% Gold" in text_of(app, "#totals")


async def test_the_receipt_says_when_expired_points_were_written_off(
    ctx: Context, member: MemberView, clock: Clock
) -> None:
    _set(ctx, "program.expiry", "inactive")
    _set(ctx, "program.expiry_months", 6)
    checkout(ctx, member.card, 10_000)
    clock.now += timedelta(days=200)
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        assert "100 points expire by" in text_of(app, "#member-program")
        await type_text(pilot, "10")
        await confirm(pilot)
        assert "100 expired points were written off first" in text_of(app, "#receipt")
        assert "New balance" in text_of(app, "#receipt")
        assert "10 points = €0.10" in text_of(app, "#member-details")
