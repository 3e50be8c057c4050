"""The counter screen, driven like a cashier: scanner digits then Enter, function keys, Esc."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select
from textual.widgets import Input

from app.domain.cards import make_card_number
from app.i18n import set_language
from app.services.adjustments import adjust_points
from app.services.checkout import checkout
from app.services.context import Context
from app.services.lookup import get_member, lookup_card
from app.services.refunds import refund_sale
from app.services.views import MemberView
from app.store.models import Card
from app.tui.app import LoyaltyApp
from app.tui.widgets.pick_list import PickList
from tests.conftest import Clock
from tests.tui.conftest import confirm, scan, settle, text_of, type_text


def wrong_check_digit(card: str) -> str:
    return card[:-1] + str((int(card[-1]) + 1) % 10)


def balance(ctx: Context, member: MemberView) -> int:
    return get_member(ctx, member.member_id).points


def sales(ctx: Context, member: MemberView) -> int:
    return len(get_member(ctx, member.member_id).recent_sales)


# --- opening and scanning ----------------------------------------------------------------


async def test_opens_on_the_counter_with_the_cursor_in_the_scan_field(app: LoyaltyApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "scan"
        assert app.title == "Loyalty Counter"
        assert app.sub_title == "Store 001 · Till 1"
        keys = text_of(app, "KeyBar")
        for key in ("F1 Help", "F2 Enroll"):
            assert key in keys
        assert "Esc Clear" in keys
        # The checkout's keys come with a member (issue 15): none is offered without one.
        for key in ("F3 Scan", "F4 Max pts", "F5 Refund", "F9 Confirm"):
            assert key not in keys
        assert app.screen.query_one("#member-welcome").display
        assert app.screen.query_one("#amount", Input).disabled


async def test_scanning_a_card_shows_the_member_at_once(
    app: LoyaltyApp, rich_member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, rich_member.card)
        assert text_of(app, "#member-name") == "Ms Anna Müller"
        details = text_of(app, "#member-details")
        assert "500 points = €5.00" in details
        assert "Member since: Nov 20, 2026" in details
        assert "Last visit: —" in details
        assert "No sales yet" in text_of(app, "#member-sales")
        assert app.screen.query_one("#scan", Input).value == ""
        # Ready for the amount: the next keys go into the checkout.
        assert app.focused is not None and app.focused.id == "amount"
        assert text_of(app, "#redeem-hint") == "Balance 500 pts · F4 redeems the most"
        await pilot.press("escape")
        await pilot.pause()
        assert text_of(app, "#redeem-hint") == "Scan a card to start a checkout"


async def test_a_wrong_check_digit_is_refused_with_a_message(
    app: LoyaltyApp, member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, wrong_check_digit(member.card))
        assert "Wrong check digit" in text_of(app, "#message")
        assert app.screen.query_one("#message").has_class("-error")
        assert text_of(app, "#member-name") == ""
        assert app.focused is not None and app.focused.id == "scan"


async def test_an_unknown_card_is_refused_with_a_message(app: LoyaltyApp, ctx: Context) -> None:
    unknown = make_card_number(ctx.layout(), 4242)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, unknown)
        assert f"Unknown card {unknown}" in text_of(app, "#message")
        assert text_of(app, "#member-name") == ""


async def test_a_short_number_with_the_shop_prefix_says_how_many_digits(
    app: LoyaltyApp, member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card[:10])
        assert "A card number has 13 digits" in text_of(app, "#message")


async def test_a_blocked_card_is_refused_with_a_message(
    app: LoyaltyApp, ctx: Context, member: MemberView
) -> None:
    with ctx.db.transaction() as session:
        card = session.exec(select(Card).where(Card.number == member.card)).one()
        card.status = "blocked"
        session.add(card)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        assert "is blocked" in text_of(app, "#message")
        assert text_of(app, "#member-name") == ""


async def test_the_next_scan_replaces_a_refused_number(app: LoyaltyApp, member: MemberView) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, wrong_check_digit(member.card))
        await scan(pilot, member.card)
        assert text_of(app, "#member-name") == "Ms Anna Müller"
        assert text_of(app, "#message") == ""


async def test_enter_on_an_empty_scan_field_explains_what_to_do(app: LoyaltyApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await settle(pilot)
        assert "Scan a card or type a name" in text_of(app, "#message")


# --- searching ---------------------------------------------------------------------------


async def test_search_by_name_shows_a_pick_list_and_arrows_enter_pick(
    app: LoyaltyApp, member: MemberView, other_member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "muller")
        await pilot.press("enter")
        await settle(pilot)
        pick_list = app.screen.query_one(PickList)
        assert pick_list.display and pick_list.option_count == 2
        assert app.focused is pick_list
        assert not app.screen.query_one("#member-panel").display
        await pilot.press("down", "enter")
        await settle(pilot)
        assert text_of(app, "#member-name") == "Mr Jonas Müller"
        assert not app.screen.query_one(PickList).display


async def test_search_by_phone_digits_finds_the_member(app: LoyaltyApp, member: MemberView) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "017123")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert text_of(app, "#member-name") == "Ms Anna Müller"


async def test_search_without_result_says_so(app: LoyaltyApp, member: MemberView) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "zimmermann")
        await pilot.press("enter")
        await settle(pilot)
        assert "No member found for “zimmermann”" in text_of(app, "#message")
        assert not app.screen.query_one(PickList).display


async def test_a_too_short_search_is_explained(app: LoyaltyApp, member: MemberView) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "m")
        await pilot.press("enter")
        await settle(pilot)
        assert "at least two letters" in text_of(app, "#message")


async def test_escape_closes_the_pick_list(app: LoyaltyApp, member: MemberView) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "anna")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one(PickList).display
        await pilot.press("escape")
        await settle(pilot)
        assert not app.screen.query_one(PickList).display
        assert app.screen.query_one("#member-panel").display
        assert app.focused is not None and app.focused.id == "scan"


# --- checkout ----------------------------------------------------------------------------


async def test_checkout_with_a_comma_amount_and_points_saves_the_sale(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, rich_member.card)
        await type_text(pilot, "12,50")
        totals = text_of(app, "#totals")
        assert "€12.50" in totals and "+12" in totals
        await pilot.press("tab")
        await type_text(pilot, "250")
        totals = text_of(app, "#totals")
        assert "−€2.50" in totals
        assert "€10.00" in totals
        assert "260" in totals  # 500 - 250 + 10
        await confirm(pilot, "enter")
        receipt = text_of(app, "#receipt")
        assert "Amount            €12.50" in receipt
        assert "Paid with points  €2.50" in receipt
        assert "Points redeemed   250" in receipt
        assert "To pay            €10.00" in receipt
        assert "Points earned     10" in receipt
        assert "New balance       260" in receipt
        assert "Sale saved: to pay €10.00" in text_of(app, "#message")
        assert "260 points = €2.60" in text_of(app, "#member-details")
        assert app.focused is not None and app.focused.id == "scan"
    assert balance(ctx, rich_member) == 260
    sale = get_member(ctx, rich_member.member_id).recent_sales[0]
    assert (sale.amount_cents, sale.points_redeemed, sale.to_pay_cents) == (1250, 250, 1000)


async def test_f4_redeems_the_most_points_and_f9_confirms(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, rich_member.card)
        await type_text(pilot, "3.00")
        await pilot.press("f4")
        await settle(pilot)
        # 3.00 due: at most 300 of the 500 points.
        assert app.screen.query_one("#redeem", Input).value == "300"
        assert "Redeeming 300 points" in text_of(app, "#message")
        await confirm(pilot, "f9")
        assert "To pay            €0.00" in text_of(app, "#receipt")
    assert balance(ctx, rich_member) == 200


async def test_f4_takes_the_whole_balance_when_it_is_worth_less_than_the_amount(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, rich_member.card)
        await type_text(pilot, "20")
        await pilot.press("f4")
        await confirm(pilot, "f9")
    # 20.00 - 5.00 paid with points = 15.00 paid, 15 points earned.
    assert balance(ctx, rich_member) == 15


async def test_f4_without_an_amount_asks_for_it(app: LoyaltyApp, rich_member: MemberView) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, rich_member.card)
        await pilot.press("f4")
        await settle(pilot)
        assert "Type the amount first" in text_of(app, "#message")
        assert app.screen.query_one("#redeem", Input).value == ""


async def test_a_bad_amount_is_refused_and_nothing_is_saved(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, rich_member.card)
        await type_text(pilot, "12.5.0")
        assert "is not an amount" in text_of(app, "#checkout-error")
        assert app.screen.query_one("#amount").has_class("-invalid")
        await pilot.press("enter")
        await settle(pilot)
        assert "is not an amount" in text_of(app, "#message")
        assert not app.screen.query_one("#receipt").display
    assert sales(ctx, rich_member) == 0
    assert balance(ctx, rich_member) == 500


async def test_an_absurd_amount_is_refused(
    app: LoyaltyApp, ctx: Context, member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        await type_text(pilot, "20000")
        await pilot.press("f9")
        await settle(pilot)
        assert "more than the largest allowed sale" in text_of(app, "#message")
    assert sales(ctx, member) == 0


async def test_confirming_without_an_amount_asks_for_one(
    app: LoyaltyApp, ctx: Context, member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        await pilot.press("enter")
        await settle(pilot)
        assert "Enter an amount" in text_of(app, "#message")
    assert sales(ctx, member) == 0


async def test_too_many_points_are_refused_and_nothing_is_saved(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, rich_member.card)
        await type_text(pilot, "50,00")
        await pilot.press("tab")
        await type_text(pilot, "600")
        assert "Only 500 points available, not 600" in text_of(app, "#checkout-error")
        assert app.screen.query_one("#redeem").has_class("-invalid")
        assert text_of(app, "#totals") == ""
        await pilot.press("enter")
        await settle(pilot)
        assert "Only 500 points available, not 600" in text_of(app, "#message")
    assert sales(ctx, rich_member) == 0
    assert balance(ctx, rich_member) == 500


async def test_points_worth_more_than_the_amount_are_refused(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, rich_member.card)
        await type_text(pilot, "2")
        await pilot.press("tab")
        await type_text(pilot, "300")
        await pilot.press("f9")
        await settle(pilot)
        assert "At most 200 points can be redeemed on €2.00" in text_of(app, "#message")
    assert sales(ctx, rich_member) == 0


async def test_checkout_keys_do_nothing_without_a_member(app: LoyaltyApp, ctx: Context) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f9", "f4", "f5", "f6")
        await settle(pilot)
        assert app.screen is app.screen_stack[0]
        assert app.focused is not None and app.focused.id == "scan"


async def test_escape_clears_the_member_and_the_checkout(
    app: LoyaltyApp, member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        await type_text(pilot, "9,99")
        await pilot.press("escape")
        await settle(pilot)
        assert text_of(app, "#member-name") == ""
        assert app.screen.query_one("#member-welcome").display
        assert app.screen.query_one("#amount", Input).disabled
        assert app.screen.query_one("#amount", Input).value == ""
        assert app.focused is not None and app.focused.id == "scan"


async def test_the_next_scan_after_a_receipt_starts_the_next_customer(
    app: LoyaltyApp, ctx: Context, member: MemberView, other_member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        await type_text(pilot, "10")
        await confirm(pilot, "enter")
        assert app.screen.query_one("#receipt").display
        # No extra key: the scanner's digits land in the scan field.
        await scan(pilot, other_member.card)
        assert text_of(app, "#member-name") == "Mr Jonas Müller"
        assert not app.screen.query_one("#receipt").display
        assert text_of(app, "#message") == ""
        await type_text(pilot, "4,50")
        await confirm(pilot, "enter")
    assert balance(ctx, member) == 10
    assert balance(ctx, other_member) == 4


async def test_a_scan_while_the_cursor_is_in_the_amount_field_is_the_next_customer(
    app: LoyaltyApp, ctx: Context, member: MemberView, other_member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        assert app.focused is not None and app.focused.id == "amount"
        await scan(pilot, other_member.card)
        assert text_of(app, "#member-name") == "Mr Jonas Müller"
    assert sales(ctx, member) == 0


async def test_typing_a_new_amount_after_a_receipt_starts_another_sale(
    app: LoyaltyApp, ctx: Context, member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        await type_text(pilot, "10")
        await confirm(pilot, "enter")
        await pilot.click("#amount")
        await type_text(pilot, "5")
        assert not app.screen.query_one("#receipt").display
        await confirm(pilot, "enter")
    assert sales(ctx, member) == 2
    assert balance(ctx, member) == 15


async def test_f3_goes_back_to_the_scan_field(app: LoyaltyApp, member: MemberView) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        await pilot.press("f3")
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "scan"
        assert text_of(app, "#member-name") == "Ms Anna Müller"


# --- modal screens -------------------------------------------------------------------------


async def test_f1_shows_the_help_and_escape_returns(app: LoyaltyApp) -> None:
    from app.tui.screens.help import HelpScreen

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "scan"


async def test_an_enrolled_member_is_put_on_the_counter(app: LoyaltyApp, ctx: Context) -> None:
    from app.domain.profile import MemberDraft
    from app.services.members import enroll_member
    from app.tui.screens.enroll import EnrollScreen

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, EnrollScreen)
        new = enroll_member(ctx, MemberDraft(first_name="Lea", last_name="Koch"))
        app.screen.dismiss(new)
        await settle(pilot)
        assert text_of(app, "#member-name") == "Lea Koch"
        assert f"New card {new.card}" in text_of(app, "#message")
        assert app.focused is not None and app.focused.id == "amount"


async def test_a_refund_reloads_the_member(
    app: LoyaltyApp, ctx: Context, member: MemberView
) -> None:
    from app.tui.screens.refund import RefundScreen

    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        await type_text(pilot, "20")
        await confirm(pilot, "enter")
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, RefundScreen)
        sale_id = get_member(ctx, member.member_id).recent_sales[0].sale_id
        app.screen.dismiss(refund_sale(ctx, sale_id, None))
        await settle(pilot)
        assert f"Refund of sale {sale_id} saved: €20.00 back" in text_of(app, "#message")
        assert "0 points = €0.00" in text_of(app, "#member-details")
        assert "refunded €20.00" in text_of(app, "#member-sales")


async def test_an_adjustment_reloads_the_member(
    app: LoyaltyApp, ctx: Context, member: MemberView
) -> None:
    from app.services.adjustments import adjust_points
    from app.tui.screens.adjust import AdjustScreen

    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, AdjustScreen)
        app.screen.dismiss(adjust_points(ctx, member.card, 75, "lost receipt"))
        await settle(pilot)
        assert "Points adjusted by +75; new balance 75 pts" in text_of(app, "#message")
        assert "75 points = €0.75" in text_of(app, "#member-details")
    assert lookup_card(ctx, member.card).points == 75


async def test_a_cancelled_modal_leaves_the_counter_as_it_was(
    app: LoyaltyApp, member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert text_of(app, "#member-name") == "Ms Anna Müller"
        assert text_of(app, "#message") == ""


# --- demo mode and sizes -------------------------------------------------------------------


async def test_demo_mode_shows_cards_to_try(ctx: Context, member: MemberView) -> None:
    app = LoyaltyApp(ctx, demo_cards=[(member.card, "Anna Müller")])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        welcome = text_of(app, "#member-welcome")
        assert "Demo cards to try" in welcome
        assert f"{member.card}  Anna Müller" in welcome
        await scan(pilot, member.card)
        assert text_of(app, "#member-name") == "Ms Anna Müller"


async def test_the_counter_works_on_a_large_terminal(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView
) -> None:
    async with app.run_test(size=(200, 60)) as pilot:
        await scan(pilot, rich_member.card)
        await type_text(pilot, "7,25")
        await pilot.press("f4")
        await confirm(pilot, "f9")
        assert "New balance       2" in text_of(app, "#receipt")
    assert balance(ctx, rich_member) == 2


async def test_the_shop_name_comes_from_the_settings(ctx: Context) -> None:
    from app.services.settings import write_setting

    write_setting(ctx.db, "shop.name", "Bäckerei Sonnenschein")
    ctx.forget_settings()
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.title == "Bäckerei Sonnenschein"


async def test_a_scan_while_the_pick_list_is_open_goes_to_the_scan_field(
    app: LoyaltyApp, member: MemberView, other_member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "muller")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one(PickList).display
        # Anna is highlighted; the scanner's Enter must not pick her.
        await scan(pilot, other_member.card)
        assert text_of(app, "#member-name") == "Mr Jonas Müller"
        assert not app.screen.query_one(PickList).display


async def test_the_command_palette_offers_the_counter_actions(app: LoyaltyApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Enroll a new member" in titles
        assert "Redeem the most points" in titles


async def test_the_counter_speaks_german(
    ctx: Context, rich_member: MemberView, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOYALTY_LANG", "de")
    set_language()
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.sub_title == "Filiale 001 · Kasse 1"
        await scan(pilot, rich_member.card)
        assert "500 Punkte = 5,00\xa0€" in text_of(app, "#member-details")
        assert "Mitglied seit: 20.11.2026" in text_of(app, "#member-details")
        await type_text(pilot, "12,50")
        assert "Zu zahlen" in text_of(app, "#totals")
        assert "12,50\xa0€" in text_of(app, "#totals")
        await pilot.press("f4")
        await confirm(pilot, "f9")
        assert "Verkauf gespeichert: zu zahlen 7,50\xa0€" in text_of(app, "#message")


async def test_a_failing_database_is_a_message_not_a_crash(
    app: LoyaltyApp, ctx: Context, member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        await type_text(pilot, "10")
        # Damage the database under the running till.
        with ctx.db.transaction() as session:
            session.connection().exec_driver_sql("DROP TABLE audit_entry")
        await confirm(pilot, "f9")
        assert "The database did not answer" in text_of(app, "#message")
        assert app.focused is not None and app.focused.id == "amount"
        assert app.is_running
        assert not app.screen.query_one("#receipt").display
    assert sales(ctx, member) == 0


async def test_pressing_confirm_again_on_the_receipt_changes_nothing(
    app: LoyaltyApp, ctx: Context, member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        await type_text(pilot, "10")
        await confirm(pilot, "f9")
        await pilot.press("f9", "enter")
        await settle(pilot)
        assert "Sale saved: to pay €10.00" in text_of(app, "#message")
        assert app.screen.query_one("#receipt").display
    assert sales(ctx, member) == 1


async def test_the_counter_stays_responsive_while_another_till_holds_the_database(
    app: LoyaltyApp, ctx: Context, db_path: Path, member: MemberView
) -> None:
    other_till = sqlite3.connect(db_path, isolation_level=None)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await scan(pilot, member.card)
            await type_text(pilot, "10")
            other_till.execute("BEGIN IMMEDIATE")  # the other till is writing
            await pilot.press("f9")
            await pilot.pause()
            # "Saving the sale…", or after a moment "Waiting for the database…".
            assert text_of(app, "#message") in ("Saving the sale…", "Waiting for the database…")
            assert app.screen.query_one("#amount", Input).disabled
            # The screen still answers keys; what would change the sale waits for it.
            await pilot.press("escape")
            await pilot.pause()
            assert text_of(app, "#member-name") == "Ms Anna Müller"
            # A card scanned during the save waits for the sale, then loads.
            await scan(pilot, member.card)
            # "Saving the sale…", or after a moment "Waiting for the database…".
            assert text_of(app, "#message") in ("Saving the sale…", "Waiting for the database…")
            other_till.execute("COMMIT")
            for _attempt in range(200):
                await settle(pilot)
                if not app.screen.saving:
                    break
            assert "Sale saved: to pay €10.00" in text_of(app, "#message")
            assert text_of(app, "#member-name") == "Ms Anna Müller"
            assert app.screen.query_one("#amount", Input).value == ""
            assert app.focused is not None and app.focused.id == "amount"
    finally:
        other_till.close()
    assert sales(ctx, member) == 1


async def test_points_spent_at_another_till_meanwhile_are_caught_by_the_sale(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, rich_member.card)
        await type_text(pilot, "10")
        await pilot.press("tab")
        await type_text(pilot, "500")
        adjust_points(ctx, rich_member.card, -400, "spent at till 2")
        await confirm(pilot, "f9")
        assert "Only 100 points available, not 500" in text_of(app, "#message")
        # The panel now shows the balance as it is.
        assert "100 points = €1.00" in text_of(app, "#member-details")
        assert "Only 100 points available" in text_of(app, "#checkout-error")
    assert sales(ctx, rich_member) == 0
    assert balance(ctx, rich_member) == 100


async def test_dates_are_the_shops_local_days(
    app: LoyaltyApp, ctx: Context, clock: Clock, member: MemberView, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 23:30 UTC on 20 November is already 21 November in Berlin.
    clock.now = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)
    checkout(ctx, member.card, 1000)
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        assert "Last visit: Nov 21, 2026" in text_of(app, "#member-details")
        assert "Nov 21, 2026  €10.00" in text_of(app, "#member-sales")
