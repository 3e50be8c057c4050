"""The counter on PostgreSQL, driven like a cashier: scan, search, checkout."""

from __future__ import annotations

from app.services.adjustments import adjust_points
from app.services.context import Context
from app.services.lookup import get_member
from app.services.views import MemberView
from app.tui.app import LoyaltyApp
from app.tui.widgets.pick_list import PickList
from tests.tui.conftest import confirm, scan, settle, text_of, type_text


async def test_scan_and_checkout_on_postgresql(pg_ctx: Context, pg_member: MemberView) -> None:
    adjust_points(pg_ctx, pg_member.card, 500, "welcome bonus")
    app = LoyaltyApp(pg_ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, pg_member.card)
        assert text_of(app, "#member-name") == "Ms Anna Müller"
        assert "500 points = €5.00" in text_of(app, "#member-details")
        await type_text(pilot, "12,50")
        await pilot.press("tab")
        await type_text(pilot, "250")
        await confirm(pilot, "enter")
        assert "New balance       260" in text_of(app, "#receipt")
        assert "260 points = €2.60" in text_of(app, "#member-details")
    view = get_member(pg_ctx, pg_member.member_id)
    assert view.points == 260
    assert [(s.amount_cents, s.points_redeemed) for s in view.recent_sales] == [(1250, 250)]


async def test_search_by_name_without_accents_on_postgresql(
    pg_ctx: Context, pg_member: MemberView
) -> None:
    app = LoyaltyApp(pg_ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "muller")
        await pilot.press("enter")
        await settle(pilot)
        picks = app.screen.query_one(PickList)
        assert picks.display
        await pilot.press("enter")
        await settle(pilot)
        assert text_of(app, "#member-name") == "Ms Anna Müller"
