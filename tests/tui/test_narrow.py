"""On a narrow terminal nothing the cashier needs is cut off: messages and keys wrap."""

from __future__ import annotations

from app.services.views import MemberView
from app.tui.app import LoyaltyApp
from app.tui.widgets.key_bar import KeyBar
from tests.tui.conftest import scan, settle, text_of


async def test_a_long_message_wraps_onto_a_second_line(app: LoyaltyApp) -> None:
    async with app.run_test(size=(60, 24)) as pilot:
        await scan(pilot, "2900100000018")
        message = text_of(app, "#message")
        assert message.endswith("type the number carefully")
        assert app.screen.query_one("#message").size.height == 2


async def test_every_key_stays_visible_when_the_bar_needs_two_lines(
    app: LoyaltyApp, member: MemberView
) -> None:
    async with app.run_test(size=(60, 24)) as pilot:
        await settle(pilot)
        # Without a member the usable keys fit one line (the checkout keys are left out).
        assert str(app.screen.query_one(KeyBar).render()) == "F1 Help F2 Enroll Esc Clear"
        await scan(pilot, member.card)
        bar = app.screen.query_one(KeyBar)
        lines = str(bar.render()).splitlines()
        assert len(lines) == 2
        assert all(len(line.rstrip()) <= 60 for line in lines)
        shown = " ".join(lines)
        for label in ("F1 Help", "F2 Enroll", "F6 Adjust", "F9 Confirm", "Esc"):
            assert label in shown
