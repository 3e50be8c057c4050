"""Coupons and stamp cards at the counter, driven like a cashier: the coupon is scanned into
the same field as cards (characters then Enter), F10 stamps, F12 gives a full card's reward."""

from __future__ import annotations

from datetime import date

from textual.widgets import Input

from app.domain.coupons import Coupon
from app.domain.profile import MemberDraft
from app.services.checkout import checkout
from app.services.context import Context
from app.services.coupons import create_coupon
from app.services.demo import demo_coupon_hint, seed_demo
from app.services.lookup import get_member
from app.services.members import enroll_member
from app.services.stamps import add_program, add_stamp, stamp_cards
from app.services.views import MemberView
from app.tui.app import LoyaltyApp
from app.tui.screens.stamp_pick import StampPickScreen
from tests.conftest import Clock
from tests.tui.conftest import confirm, scan, settle, text_of, type_text


def rows(ctx: Context, sql: str) -> list[tuple[object, ...]]:
    with ctx.db.reading() as session:
        return [tuple(r) for r in session.connection().exec_driver_sql(sql).fetchall()]


def message(app: LoyaltyApp) -> str:
    return text_of(app, "#message")


def is_error(app: LoyaltyApp) -> bool:
    return app.screen.query_one("#message").has_class("-error")


async def test_a_scanned_coupon_is_applied_with_live_totals_and_saved_with_the_sale(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView
) -> None:
    create_coupon(ctx, Coupon("SUMMER10", "percent", 10))
    async with app.run_test(size=(100, 30)) as pilot:
        await scan(pilot, rich_member.card)
        await type_text(pilot, "30")
        await pilot.press("f3")
        await scan(pilot, "summer10")
        assert message(app) == "Coupon applied: -10% SUMMER10"
        assert app.screen.query_one("#scan", Input).value == ""
        assert app.focused is not None and app.focused.id == "amount"
        line = text_of(app, "#program-line")
        assert "Coupon -10% SUMMER10" in line and "Esc removes it" in line
        totals = text_of(app, "#totals")
        assert "Discount" in totals and "−€3.00" in totals
        assert "To pay" in totals and "€27.00" in totals
        assert "Points earned      +27" in totals or "+27" in totals
        assert "-10% SUMMER10" in totals
        await confirm(pilot)
        receipt = text_of(app, "#receipt")
        assert "Discount" in receipt and "−€3.00" in receipt
        assert "-10% SUMMER10" in receipt
        assert "€27.00" in receipt
        # The coupon does not carry over to the next checkout.
        assert app.screen.checkout_panel.coupon is None
    assert rows(ctx, "SELECT coupon_code, discount_cents FROM sale") == [("SUMMER10", 300)]


async def test_coupon_before_the_amount_then_f4_counts_the_discount(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView
) -> None:
    create_coupon(ctx, Coupon("WELCOME2", "amount", 200))
    async with app.run_test(size=(100, 30)) as pilot:
        await scan(pilot, rich_member.card)
        await pilot.press("f3")
        await scan(pilot, "WELCOME2")
        await type_text(pilot, "6")
        await pilot.press("f4")
        await settle(pilot)
        # 6.00 less 2.00: 4.00 due, so 400 of the 500 points.
        assert app.screen.query_one("#redeem", Input).value == "400"
        await confirm(pilot)
    assert get_member(ctx, rich_member.member_id).points == 100


async def test_every_refusal_shows_its_reason_and_changes_nothing(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView, clock: Clock
) -> None:
    other = enroll_member(ctx, MemberDraft(first_name="Jonas", last_name="Weber"))
    create_coupon(ctx, Coupon("JONAS5", "amount", 500), card=other.card)
    create_coupon(ctx, Coupon("OLD5", "amount", 500, valid_until=date(2026, 11, 1)))
    create_coupon(ctx, Coupon("SOON5", "amount", 500, valid_from=date(2026, 12, 24)))
    create_coupon(ctx, Coupon("ONCE5", "amount", 500, max_uses=1))
    create_coupon(ctx, Coupon("MINE5", "amount", 500, per_member=1))
    create_coupon(ctx, Coupon("BIG5", "amount", 500, min_spend_cents=5000))
    checkout(ctx, other.card, 1000, coupon="ONCE5")
    checkout(ctx, rich_member.card, 1000, coupon="MINE5")
    cases = [
        ("JONAS5", "Coupon JONAS5 belongs to another member"),
        ("OLD5", "Coupon OLD5 expired on Nov 1, 2026"),
        ("SOON5", "Coupon SOON5 is not valid yet: from Dec 24, 2026"),
        ("ONCE5", "Coupon ONCE5 is used up"),
        ("MINE5", "Coupon MINE5 is used up for this member"),
        ("BIG5", "Coupon BIG5 needs a purchase of at least €50.00"),
    ]
    async with app.run_test(size=(100, 30)) as pilot:
        await scan(pilot, rich_member.card)
        await type_text(pilot, "20")
        for code, reason in cases:
            await pilot.press("f3")
            await scan(pilot, code)
            assert message(app) == reason, code
            assert is_error(app)
            panel = app.screen.checkout_panel
            assert panel.coupon is None
            assert app.screen.query_one("#amount", Input).value == "20"
            assert "€20.00" in text_of(app, "#totals")
            # The refused text stays selected: the next scan replaces it.
            assert app.screen.query_one("#scan", Input).selected_text == code
        assert app.screen.member is not None
        assert app.screen.member.member_id == rich_member.member_id


async def test_minimum_spend_typed_after_the_coupon_is_shown_in_the_totals(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView
) -> None:
    create_coupon(ctx, Coupon("BIG5", "amount", 500, min_spend_cents=5000))
    async with app.run_test(size=(100, 30)) as pilot:
        await scan(pilot, rich_member.card)
        await pilot.press("f3")
        await scan(pilot, "BIG5")
        await type_text(pilot, "20")
        assert "at least €50.00" in text_of(app, "#checkout-error")
        await pilot.press("f9")
        await settle(pilot)
        assert "at least €50.00" in message(app)
        await type_text(pilot, "0")
        assert text_of(app, "#checkout-error") == ""
        assert "−€5.00" in text_of(app, "#totals")


async def test_a_coupon_without_a_member_asks_for_the_card(
    app: LoyaltyApp, ctx: Context, member: MemberView
) -> None:
    create_coupon(ctx, Coupon("SUMMER10", "percent", 10))
    async with app.run_test(size=(100, 30)) as pilot:
        await scan(pilot, "SUMMER10")
        assert message(app) == "Scan the member's card first, then the coupon"
        assert is_error(app)


async def test_an_unknown_code_is_refused_and_a_card_is_always_a_card(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView
) -> None:
    # A coupon whose code is 13 digits with a valid check digit could never be scanned as a
    # coupon: a valid card number is always a card.
    other = enroll_member(ctx, MemberDraft(first_name="Jonas", last_name="Weber"))
    create_coupon(ctx, Coupon(other.card, "percent", 10))
    async with app.run_test(size=(100, 30)) as pilot:
        await scan(pilot, rich_member.card)
        await pilot.press("f3")
        await scan(pilot, "nosuch1")
        assert message(app) == "Unknown coupon NOSUCH1 (and no member found by that name)"
        assert is_error(app)
        assert app.screen.member is not None
        assert app.screen.member.member_id == rich_member.member_id
        await pilot.press("f3")
        await scan(pilot, other.card)
        assert app.screen.member is not None
        assert app.screen.member.member_id == other.member_id
        assert app.screen.checkout_panel.coupon is None


async def test_escape_removes_the_coupon_first_then_the_member(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView
) -> None:
    create_coupon(ctx, Coupon("SUMMER10", "percent", 10))
    async with app.run_test(size=(100, 30)) as pilot:
        await scan(pilot, rich_member.card)
        await type_text(pilot, "30")
        await pilot.press("f3")
        await scan(pilot, "SUMMER10")
        await pilot.press("escape")
        await settle(pilot)
        assert message(app) == "Coupon SUMMER10 removed"
        assert app.screen.checkout_panel.coupon is None
        assert "Discount" not in text_of(app, "#totals")
        assert app.screen.member is not None
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.member is None


async def test_a_coupon_used_up_at_another_till_meanwhile_is_dropped_at_confirm(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView
) -> None:
    other = enroll_member(ctx, MemberDraft(first_name="Jonas", last_name="Weber"))
    create_coupon(ctx, Coupon("LAST", "amount", 100, max_uses=1))
    async with app.run_test(size=(100, 30)) as pilot:
        await scan(pilot, rich_member.card)
        await type_text(pilot, "10")
        await pilot.press("f3")
        await scan(pilot, "LAST")
        checkout(ctx, other.card, 1000, coupon="LAST")
        await confirm(pilot)
        assert message(app) == "Coupon LAST is used up"
        assert app.screen.checkout_panel.coupon is None
    assert rows(ctx, "SELECT COUNT(*) FROM sale") == [(1,)]


async def test_member_panel_lists_available_coupons_and_stamps(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView
) -> None:
    create_coupon(ctx, Coupon("SUMMER10", "percent", 10))
    create_coupon(ctx, Coupon("ANNA5", "amount", 500), card=rich_member.card)
    create_coupon(ctx, Coupon("OLD", "amount", 500, valid_until=date(2026, 1, 1)))
    add_program(ctx, "Coffee", 10, "a free coffee")
    for _i in range(3):
        add_stamp(ctx, rich_member.member_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await scan(pilot, rich_member.card)
        program = text_of(app, "#member-coupons")
        assert "Stamps: Coffee 3/10" in program
        assert "Coupons: -€5.00 ANNA5 · -10% SUMMER10" in program
        assert "OLD" not in program


async def test_f10_stamps_and_a_full_card_gives_its_reward_with_the_sale(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView
) -> None:
    add_program(ctx, "Coffee", 3, "a free coffee")
    async with app.run_test(size=(100, 30)) as pilot:
        await scan(pilot, rich_member.card)
        await pilot.press("f10")
        await settle(pilot)
        assert message(app) == "Stamp added: Coffee 1/3"
        assert "Stamps: Coffee 1/3" in text_of(app, "#member-coupons")
        await pilot.press("f10", "f10")
        await settle(pilot)
        assert message(app) == "Stamp added: Coffee 3/3. The card is full: F12 gives a free coffee"
        assert "reward due (a free coffee)" in text_of(app, "#member-coupons")
        assert "Coffee card full: F12 gives a free coffee" in text_of(app, "#program-line")
        await pilot.press("f10")
        await settle(pilot)
        assert message(app) == "The Coffee card is full: give the reward (a free coffee) first"
        await type_text(pilot, "4")
        await pilot.press("f12")
        await settle(pilot)
        assert message(app) == (
            "The reward is given with this sale: F9 confirms it (no amount: the reward alone)"
        )
        assert "Reward with this sale: a free coffee (Coffee card)" in text_of(app, "#program-line")
        await confirm(pilot)
        assert "a free coffee (Coffee card)" in text_of(app, "#receipt")
        assert "Stamps: Coffee 0/3" in text_of(app, "#member-coupons")
    (card,) = stamp_cards(ctx, rich_member.member_id)
    assert card.stamps == 0
    assert rows(ctx, "SELECT kind, sale_id, actor, store_code, till FROM stamp ORDER BY id") == [
        ("stamp", None, "tester", "001", 1),
        ("stamp", None, "tester", "001", 1),
        ("stamp", None, "tester", "001", 1),
        ("reward", 1, "tester", "001", 1),
    ]


async def test_f12_twice_takes_the_reward_back_and_without_a_full_card_says_so(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView
) -> None:
    add_program(ctx, "Coffee", 2, "a free coffee")
    async with app.run_test(size=(100, 30)) as pilot:
        await scan(pilot, rich_member.card)
        await pilot.press("f12")
        await settle(pilot)
        assert message(app) == "No stamp card is full yet"
        await pilot.press("f10", "f10", "f12", "f12")
        await settle(pilot)
        assert message(app) == "No reward with this sale"
        await type_text(pilot, "4")
        await confirm(pilot)
    assert stamp_cards(ctx, rich_member.member_id)[0].stamps == 2


async def test_f10_without_programs_and_with_several(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView
) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await scan(pilot, rich_member.card)
        await pilot.press("f10")
        await settle(pilot)
        assert "There is no stamp program yet" in message(app)
    add_program(ctx, "Coffee", 10, "a free coffee")
    add_program(ctx, "Bread", 5, "a free loaf")
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await scan(pilot, rich_member.card)
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, StampPickScreen)
        await pilot.press("2")
        await settle(pilot)
        assert message(app) == "Stamp added: Coffee 1/10"
        await pilot.press("f10")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert message(app) == "Stamp added: Bread 1/5"
        await pilot.press("f10")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, StampPickScreen)
    names = sorted((c.name, c.stamps) for c in stamp_cards(ctx, rich_member.member_id))
    assert names == [("Bread", 1), ("Coffee", 1)]


async def test_f10_without_a_member_does_nothing(app: LoyaltyApp, ctx: Context) -> None:
    add_program(ctx, "Coffee", 10, "a free coffee")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        assert rows(ctx, "SELECT COUNT(*) FROM stamp") == [(0,)]


async def test_a_coupon_scanned_while_the_cursor_is_in_the_amount_field(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView
) -> None:
    create_coupon(ctx, Coupon("SUMMER10", "percent", 10))
    async with app.run_test(size=(100, 30)) as pilot:
        await scan(pilot, rich_member.card)
        await type_text(pilot, "30")
        assert app.focused is not None and app.focused.id == "amount"
        # The scanner types the code and Enter into whatever field has the cursor.
        await scan(pilot, "SUMMER10")
        assert message(app) == "Coupon applied: -10% SUMMER10"
        assert app.screen.query_one("#amount", Input).value == "30"
        assert "€27.00" in text_of(app, "#totals")
        await confirm(pilot)
    assert rows(ctx, "SELECT coupon_code, to_pay_cents FROM sale") == [("SUMMER10", 2700)]


async def test_the_demo_has_a_coupon_and_a_nearly_full_stamp_card_to_try(ctx: Context) -> None:
    cards = seed_demo(ctx, members=6)
    first = cards[0][0]
    app = LoyaltyApp(ctx, demo_cards=cards)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await scan(pilot, first)
        shown = text_of(app, "#member-coupons")
        assert "Stamps: Coffee 9/10" in shown and "WELCOME10" in shown
        await pilot.press("f10")
        await settle(pilot)
        assert (
            message(app) == "Stamp added: Coffee 10/10. The card is full: F12 gives a free coffee"
        )
        await type_text(pilot, "20")
        await pilot.press("f3")
        await scan(pilot, "WELCOME10")
        assert message(app) == "Coupon applied: -10% WELCOME10"
        assert "€18.00" in text_of(app, "#totals")
        await confirm(pilot)
        assert "-10% WELCOME10" in text_of(app, "#receipt")
    assert rows(ctx, "SELECT coupon_code, to_pay_cents FROM sale ORDER BY id DESC LIMIT 1") == [
        ("WELCOME10", 18_00)
    ]
    assert "WELCOME10" in demo_coupon_hint(ctx) and "€10.00" in demo_coupon_hint(ctx)


async def test_f12_then_f9_with_no_amount_gives_the_reward_on_its_own(
    app: LoyaltyApp, ctx: Context, rich_member: MemberView
) -> None:
    add_program(ctx, "Coffee", 2, "a free coffee")
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, rich_member.card)
        await pilot.press("f10", "f10")
        await settle(pilot)
        await pilot.press("f12")
        await pilot.press("f9")
        await settle(pilot)
        assert message(app) == "Reward given: a free coffee (Coffee card); the card starts again"
        assert "Stamps: Coffee 0/2" in text_of(app, "#member-coupons")
        assert not app.screen.query_one("#receipt").display
        assert "500 points" in text_of(app, "#member-details")
    assert rows(ctx, "SELECT kind, sale_id FROM stamp ORDER BY id") == [
        ("stamp", None),
        ("stamp", None),
        ("reward", None),
    ]
    assert rows(ctx, "SELECT count(*) FROM sale") == [(0,)]
