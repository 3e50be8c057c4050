"""A real scanner at the counter: bursts of characters ending in Enter, with no pause between
them, wherever the cursor is. Hand typing is a key at a time with a person's pause."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Input

from app.domain.coupons import Coupon
from app.services.checkout import checkout
from app.services.context import Context
from app.services.coupons import create_coupon
from app.services.views import MemberView
from app.store.models import Sale
from app.tui.app import LoyaltyApp
from app.tui.widgets.pick_list import PickList
from tests.tui.conftest import burst, scan, settle, text_of

SIZE = (80, 24)


async def by_hand(pilot: Pilot[None], text: str) -> None:
    """A person types: a key, then ~80 ms until the next (a scanner's keys are ms apart)."""
    for character in text:
        await pilot.press(character)
        await pilot.pause(0.08)


async def scans(pilot: Pilot[None], *texts: str) -> None:
    """One or more scans as a scanner sends them: every character and Enter, no pause."""
    keys: list[str] = []
    for text in texts:
        keys += [*text, "enter"]
    await burst(pilot, *keys)


def sales_of(ctx: Context, member: MemberView) -> list[Sale]:
    with ctx.db.reading() as session:
        return list(session.exec(select(Sale).where(Sale.member_id == member.member_id)).all())


async def test_two_cards_back_to_back_load_the_second_member_and_join_nothing(
    app: LoyaltyApp, rich_member: MemberView, other_member: MemberView
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scans(pilot, rich_member.card, other_member.card)
        screen = app.screen
        assert screen.member is not None
        assert screen.member.member_id == other_member.member_id
        assert "No member found" not in str(screen.query_one("#message").render())
        assert screen.query_one("#scan", Input).value == ""


async def test_a_coupon_scanned_in_the_amount_applies_and_leaves_the_amount_alone(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView
) -> None:
    # A code that begins with digits: they must not end up in the amount.
    create_coupon(ctx, Coupon("10EURO", "amount", 1000))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scan(pilot, rich_member.card)
        await by_hand(pilot, "12")
        await scans(pilot, "10EURO")
        screen = app.screen
        panel = screen.checkout_panel
        assert screen.query_one("#amount", Input).value == "12"
        assert panel.coupon is not None and panel.coupon.code == "10EURO"
        assert screen.query_one("#scan", Input).value == ""


async def test_a_coupon_scanned_in_the_points_field_leaves_the_points_alone(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView
) -> None:
    create_coupon(ctx, Coupon("SAVE5", "amount", 500))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scan(pilot, rich_member.card)
        await by_hand(pilot, "20")
        await pilot.press("tab")
        await by_hand(pilot, "100")
        assert app.focused is not None and app.focused.id == "redeem"
        await scans(pilot, "SAVE5")
        screen = app.screen
        assert screen.query_one("#amount", Input).value == "20"
        assert screen.query_one("#redeem", Input).value == "100"
        panel = screen.checkout_panel
        assert panel.coupon is not None and panel.coupon.code == "SAVE5"


async def test_a_card_scanned_in_the_amount_field_loads_that_member(
    app: LoyaltyApp, rich_member: MemberView, other_member: MemberView
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scan(pilot, rich_member.card)
        assert app.focused is not None and app.focused.id == "amount"
        await scans(pilot, other_member.card)
        screen = app.screen
        assert screen.member is not None
        assert screen.member.member_id == other_member.member_id
        assert screen.query_one("#amount", Input).value == ""


async def test_a_card_scanned_while_the_sale_is_written_waits_and_then_loads(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView, other_member: MemberView
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scan(pilot, rich_member.card)
        await by_hand(pilot, "20")
        # F9 and the next customer's card in one go: the card arrives while the sale is saved.
        await burst(pilot, "f9", *other_member.card, "enter")
        for _attempt in range(100):
            await settle(pilot)
            screen = app.screen
            if screen.member is not None and screen.member.member_id == other_member.member_id:
                break
        screen = app.screen
        assert screen.member is not None
        assert screen.member.member_id == other_member.member_id
    booked = sales_of(ctx, rich_member)
    assert [sale.amount_cents for sale in booked] == [2000]
    assert sales_of(ctx, other_member) == []


async def test_two_cards_pressed_without_a_pause_load_the_second_member(
    app: LoyaltyApp, rich_member: MemberView, other_member: MemberView
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*rich_member.card, "enter", *other_member.card, "enter")
        await settle(pilot)
        screen = app.screen
        assert screen.member is not None
        assert screen.member.member_id == other_member.member_id
        assert "No member found" not in text_of(app, "#message")


async def test_an_amount_enter_and_the_next_card_in_one_burst_book_the_amount_once(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView, other_member: MemberView
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scan(pilot, rich_member.card)
        await burst(pilot, *"12", "enter", *other_member.card, "enter")
        for _attempt in range(100):
            await settle(pilot)
            if not app.screen.saving and app.screen.member.member_id == other_member.member_id:
                break
        assert app.screen.member.member_id == other_member.member_id
        assert "Sale saved: to pay €12.00" in text_of(app, "#message")
    assert [sale.amount_cents for sale in sales_of(ctx, rich_member)] == [1200]
    assert sales_of(ctx, other_member) == []


async def test_a_card_scanned_during_a_sale_that_fails_waits_in_the_scan_field(
    app: LoyaltyApp, ctx: Context, db_path: Path, rich_member: MemberView, other_member: MemberView
) -> None:
    create_coupon(ctx, Coupon("LAST1", "amount", 100, max_uses=1))
    other_till = sqlite3.connect(db_path, isolation_level=None)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await scan(pilot, rich_member.card)
            await by_hand(pilot, "20")
            await scans(pilot, "LAST1")
            checkout(ctx, other_member.card, 1000, coupon="LAST1")  # used up at another till
            other_till.execute("BEGIN IMMEDIATE")  # and that till still writes: the sale waits
            await pilot.press("f9", *other_member.card, "enter")
            for _attempt in range(200):  # the card's Enter reaches the queue (a loaded machine)
                await pilot.pause(0.05)
                if app.screen.scans.pending:
                    break
            assert app.screen.saving and app.screen.scans.pending == 1
            other_till.execute("COMMIT")
            for _attempt in range(100):
                await settle(pilot)
                if not app.screen.saving:
                    break
            # The failed sale stays in front; the next card waits for Enter in the scan field.
            assert text_of(app, "#message") == "Coupon LAST1 is used up"
            assert app.screen.member.member_id == rich_member.member_id
            assert app.screen.query_one("#scan", Input).value == other_member.card
    finally:
        other_till.close()
    assert sales_of(ctx, rich_member) == []


async def test_a_letter_typed_by_hand_in_the_amount_goes_to_the_scan_field(
    app: LoyaltyApp, rich_member: MemberView, other_member: MemberView
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scan(pilot, rich_member.card)
        await by_hand(pilot, "12jonas")
        screen = app.screen
        assert screen.query_one("#scan", Input).value == "jonas"
        assert screen.query_one("#amount", Input).value == "12"
        await pilot.press("enter")
        await settle(pilot)
        assert screen.query_one(PickList).display
        assert screen.query_one("#amount", Input).value == "12"


async def test_a_card_scanned_over_the_pick_list_loads_that_member(
    app: LoyaltyApp, rich_member: MemberView, other_member: MemberView
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"muller", "enter")
        await settle(pilot)
        pick_list = app.screen.query_one(PickList)
        assert app.focused is pick_list
        highlighted = pick_list.get_option_at_index(pick_list.highlighted or 0).id
        target = other_member if highlighted == str(rich_member.member_id) else rich_member
        await scans(pilot, target.card)
        assert app.screen.member is not None
        assert app.screen.member.member_id == target.member_id
        assert not pick_list.display


async def test_a_card_begun_while_the_previous_one_is_looked_up_stays_in_the_scan_field(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView, other_member: MemberView
) -> None:
    # A slow scanner: the first digits of the next card arrive while the previous card is
    # being looked up, the rest after the member is on screen. The cursor must not jump to the
    # amount in between, or the rest of the card and its Enter would book a sale.
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, *rich_member.card, "enter", *other_member.card[:6])
        assert app.focused is not None and app.focused.id == "scan"
        await burst(pilot, *other_member.card[6:], "enter")
        screen = app.screen
        assert screen.member is not None
        assert screen.member.member_id == other_member.member_id
        assert screen.query_one("#amount", Input).value == ""
    assert sales_of(ctx, rich_member) == [] and sales_of(ctx, other_member) == []
