"""A lost or damaged card: the owner issues a new number from the member view (F8)."""

from __future__ import annotations

from app.services.adjustments import adjust_points
from app.services.context import Context
from app.services.lookup import lookup_card
from app.services.member_history import member_cards
from app.services.views import MemberView
from app.tui.app import LoyaltyApp
from app.tui.screens.confirm import ConfirmScreen
from tests.tui.conftest import scan, settle, text_of
from tests.tui.test_member_view import SIZE, message, open_view


async def test_a_new_card_blocks_the_old_one_and_keeps_the_points(
    ctx: Context, member: MemberView
) -> None:
    adjust_points(ctx, member.card, 300, "welcome bonus")
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(pilot, member.card)
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("f9")
        await settle(pilot)
        assert pilot.app.screen is screen
        cards = {card.number: card.status for card in member_cards(ctx, member.member_id)}
        new = next(number for number, status in cards.items() if status == "active")
        assert cards[member.card] == "replaced"
        assert f"New card {new}" in message(screen)
        # Back at the counter, the old card is refused and the new one shows the same points.
        await pilot.press("escape", "escape")
        await settle(pilot)
        await scan(pilot, member.card)
        assert "Card replaced" in text_of(app, "#message")
        await scan(pilot, new)
        assert "Anna Müller" in text_of(app, "#member-name")
    assert lookup_card(ctx, new).points == 300


async def test_cancelling_keeps_the_card(ctx: Context, member: MemberView) -> None:
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        await open_view(pilot, member.card)
        await pilot.press("f8")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
    assert [(c.number, c.status) for c in member_cards(ctx, member.member_id)] == [
        (member.card, "active")
    ]
