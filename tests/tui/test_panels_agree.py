"""The member panel and the checkout panel never disagree: after a refund, an adjustment, a
stamp or a sync the checkout shows the member as saved (issue 15, item 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.services.adjustments import adjust_points
from app.services.context import Context
from app.services.views import MemberView
from app.tui.app import LoyaltyApp
from tests.conftest import Clock
from tests.sync.shops import SECRET, Shop, make_shop
from tests.tui.conftest import confirm, scan, settle, text_of


def balance_on_screen(app: LoyaltyApp) -> str:
    """The checkout panel's word on the balance: the receipt's or the hint's."""
    if app.screen.query_one("#receipt").display:
        return text_of(app, "#receipt")
    return text_of(app, "#redeem-hint")


async def sell(pilot: object, app: LoyaltyApp, card: str, amount: str) -> None:
    await scan(pilot, card)  # type: ignore[arg-type]
    await pilot.press(*amount)  # type: ignore[attr-defined]
    await confirm(pilot)  # type: ignore[arg-type]
    assert "New balance" in text_of(app, "#receipt")


async def test_after_an_adjustment_the_checkout_shows_the_saved_balance(
    ctx: Context, rich_member: MemberView
) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await sell(pilot, app, rich_member.card, "12")
        assert "512" in text_of(app, "#receipt")
        await pilot.press("f6")
        await pilot.press("minus", "3", "enter", *"oops", "enter")
        await settle(pilot)
        assert "509 points" in text_of(app, "#member-details")
        assert not app.screen.query_one("#receipt").display
        assert "Balance 509 pts" in balance_on_screen(app)
        assert "512" not in balance_on_screen(app)


async def test_after_a_refund_of_the_sale_the_receipt_gives_way(
    ctx: Context, rich_member: MemberView
) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await sell(pilot, app, rich_member.card, "12")
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("enter")  # the newest sale, to the amount (refund it all)
        await pilot.press("f9")
        await settle(pilot)
        assert "500 points" in text_of(app, "#member-details")
        assert not app.screen.query_one("#receipt").display
        assert "Balance 500 pts" in balance_on_screen(app)


async def test_another_tills_change_shows_when_the_member_is_read_again(
    ctx: Context, rich_member: MemberView
) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await sell(pilot, app, rich_member.card, "12")
        adjust_points(ctx, rich_member.card, 100, "another till")
        app.screen.reload_member()  # type: ignore[attr-defined]
        await settle(pilot)
        assert "612 points" in text_of(app, "#member-details")
        assert "Balance 612 pts" in balance_on_screen(app)


async def test_a_stamp_keeps_a_receipt_that_still_agrees(
    ctx: Context, rich_member: MemberView
) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await sell(pilot, app, rich_member.card, "12")
        await pilot.press("f10")
        await settle(pilot)
        assert "512 points" in text_of(app, "#member-details")
        assert "512" in balance_on_screen(app)


@pytest.fixture
def chain(tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> tuple[Shop, Shop]:
    monkeypatch.setenv("LOYALTY_SYNC_SECRET", SECRET)
    folder = tmp_path / "central"
    folder.mkdir()
    a = make_shop(tmp_path, folder, "A", "001", clock)
    b = make_shop(tmp_path, folder, "B", "002", clock)
    yield a, b
    a.close()
    b.close()


async def test_after_sync_now_the_checkout_shows_the_other_shops_points(
    chain: tuple[Shop, Shop],
) -> None:
    a, b = chain
    anna = a.enroll("Anna", "Müller")
    adjust_points(a.ctx, anna.card, 500, "welcome")
    a.export()
    b.import_()
    app = LoyaltyApp(a.ctx)
    async with app.run_test(size=(100, 24)) as pilot:
        await sell(pilot, app, anna.card, "12")
        b.sale(anna.card, 30_00)
        b.export()
        await app.run_action("sync_now")
        await settle(pilot)
        await settle(pilot)
        assert "542 points" in text_of(app, "#member-details")
        assert "Balance 542 pts" in balance_on_screen(app)
