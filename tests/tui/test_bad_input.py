"""Bad numbers and text at the counter: a huge amount typed, a control character pasted."""

from __future__ import annotations

from sqlmodel import select
from textual import events
from textual.widgets import Input

from app.services.context import Context
from app.services.lookup import get_member
from app.services.views import MemberView
from app.store.models import Member
from app.tui.app import LoyaltyApp
from tests.tui.conftest import scan, settle, text_of, type_text
from tests.tui.test_enroll import Host, error_text, members

HUGE = "999999999999999999999999999"


async def test_a_huge_amount_typed_into_amount_gets_one_line_and_books_nothing(
    app: LoyaltyApp, ctx: Context, member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        await type_text(pilot, HUGE)
        assert "That amount is too large" in text_of(app, "#checkout-error")
        await pilot.press("f9")
        await settle(pilot)
        assert "That amount is too large" in text_of(app, "#message")
        assert not app.screen.query_one("#receipt").display
        assert app.is_running
    after = get_member(ctx, member.member_id)
    assert (after.points, len(after.recent_sales)) == (0, 0)


async def test_a_control_character_pasted_into_an_enroll_name_is_refused(ctx: Context) -> None:
    host = Host(ctx)
    async with host.run_test(size=(80, 24)) as pilot:
        screen = host.screen
        first = screen.query_one("#first_name", Input)
        first.post_message(events.Paste("Ev\x1b[2Ja"))
        await pilot.pause()
        assert "\x1b" in first.value
        await pilot.press("enter")
        await type_text(pilot, "Kraus")
        await pilot.press("f9")
        await pilot.pause()
        message = error_text(screen, "first_name")
        assert "First name contains an invisible or control character (U+001B)" in message
        assert not screen.has_class("-enrolled")
    assert members(ctx) == []
    with ctx.db.reading() as session:
        assert session.exec(select(Member)).first() is None
