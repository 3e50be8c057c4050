"""The header at the till: the shop and till, the chain sync's state, conflicts, "Sync now"."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from app.services.adjustments import adjust_points
from app.services.chain.conflicts import list_conflicts
from app.services.chain.setup import init_shop
from app.services.context import Context
from app.services.settings import write_settings
from app.tui.app import LoyaltyApp
from app.tui.screens.conflicts import ConflictsScreen, ResolveScreen
from tests.conftest import Clock
from tests.sync.shops import SECRET, Shop, make_shop
from tests.tui.conftest import scan, settle, text_of


@pytest.fixture
def chain(tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> tuple[Shop, Shop, Path]:
    monkeypatch.setenv("LOYALTY_SYNC_SECRET", SECRET)
    folder = tmp_path / "central"
    folder.mkdir()
    a = make_shop(tmp_path, folder, "A", "001", clock)
    b = make_shop(tmp_path, folder, "B", "002", clock)
    yield a, b, folder
    a.close()
    b.close()


def header_text(app: LoyaltyApp) -> str:
    """What the header shows (title and sub-title)."""
    return str(app.screen.query_one("HeaderTitle").render())


def overdrawn_in_two_shops(a: Shop, b: Shop) -> None:
    """Anna redeems 400 of her 500 points in each shop while both are offline; A hears of B's."""
    anna = a.enroll("Anna", "Müller")
    adjust_points(a.ctx, anna.card, 500, "welcome")
    a.export()
    b.import_()
    a.sale(anna.card, 10_00, redeem=400)
    b.sale(anna.card, 10_00, redeem=400)
    b.export()
    a.import_()


async def toasts(pilot: Pilot[None]) -> str:
    """The text of the notifications on screen (toasts are mounted a moment after notify)."""
    for _attempt in range(20):
        await pilot.pause(0.05)
        shown = " ".join(str(toast.render()) for toast in pilot.app.screen.query("Toast"))
        if shown:
            return shown
    return ""


async def test_the_header_names_the_store_and_the_till(ctx: Context) -> None:
    init_shop(ctx, "007", 3)
    ctx.forget_settings()
    ctx.till = 3
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.sub_title == "Store 007 · Till 3"
        assert "Store 007 · Till 3" in header_text(app)


async def test_changes_waiting_and_a_conflict_show_in_the_header(
    chain: tuple[Shop, Shop, Path],
) -> None:
    a, b, _folder = chain
    overdrawn_in_two_shops(a, b)
    a.enroll("Bert", "Bauer")  # not exported yet
    app = LoyaltyApp(a.ctx)
    # 160 columns: the whole line (at 80 the store, the till and the conflict stay, issue 15).
    async with app.run_test(size=(160, 24), notifications=True) as pilot:
        await settle(pilot)
        assert "Store 001 · Till 1 · Synced" in app.sub_title
        assert "3 changes to send" in app.sub_title  # her sale, Bert and his card
        assert "⚠ 1 sync conflict" in app.sub_title
        assert "1 sync conflict needs the owner" in await toasts(pilot)


async def test_sync_now_from_the_command_palette_brings_the_other_shops_members(
    chain: tuple[Shop, Shop, Path],
) -> None:
    a, b, _folder = chain
    bert = b.enroll("Bert", "Bauer")
    b.sale(bert.card, 42_00)
    b.export()
    app = LoyaltyApp(a.ctx)
    async with app.run_test(size=(100, 24), notifications=True) as pilot:
        await settle(pilot)
        assert "Not synced yet" in app.sub_title
        await pilot.press("ctrl+p")
        await pilot.press(*"Sync now")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        assert "Synced" in app.sub_title
        assert "received 3 changes" in await toasts(pilot)
        await scan(pilot, bert.card)
        await settle(pilot)
        assert text_of(app, "#member-name") == "Bert Bauer"
        assert "42" in text_of(app, "#member-details")  # the points earned in shop B


async def test_an_earning_rate_from_another_shop_is_used_at_the_till_after_sync_now(
    chain: tuple[Shop, Shop, Path],
) -> None:
    a, b, _folder = chain
    anna = a.enroll("Anna", "Müller")
    write_settings(b.ctx.db, {"program.earn_points_per_unit": 3}, b.ctx.now())
    b.export()
    app = LoyaltyApp(a.ctx)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        await app.run_action("sync_now")
        await settle(pilot)
        await settle(pilot)
        await scan(pilot, anna.card)
        await pilot.press("1", "0")
        await settle(pilot)
        # The live totals quote with the chain's new rate, like the checkout service.
        assert "+30" in text_of(app, "#totals")


async def test_a_failing_sync_is_a_message_not_a_crash(
    chain: tuple[Shop, Shop, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _b, _folder = chain
    monkeypatch.delenv("LOYALTY_SYNC_SECRET")
    app = LoyaltyApp(a.ctx)
    async with app.run_test(size=(100, 24), notifications=True) as pilot:
        await settle(pilot)
        await app.run_action("sync_now")
        await settle(pilot)
        await settle(pilot)
        assert "Sync failed: No chain secret" in await toasts(pilot)
        assert app.is_running


async def test_the_owner_sees_a_conflict_and_marks_it_resolved_with_a_note(
    chain: tuple[Shop, Shop, Path],
) -> None:
    a, b, _folder = chain
    overdrawn_in_two_shops(a, b)
    app = LoyaltyApp(a.ctx)
    async with app.run_test(size=(110, 30), notifications=True) as pilot:
        await settle(pilot)
        assert "⚠ 1 sync conflict" in app.sub_title
        await pilot.press("ctrl+p")
        await pilot.press(*"Sync conflicts")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 1
        what = str(table.get_row_at(0)[2])
        assert what.startswith("Anna Müller: the balance fell to -") and "two shops" in what
        assert "1 conflict needs you" in text_of(app, "#conflicts-status")

        await pilot.press("enter")  # resolve the selected one
        await settle(pilot)
        assert isinstance(app.screen, ResolveScreen)
        await pilot.press("enter")  # no note: refused, nothing changed
        await settle(pilot)
        assert "a note is required" in text_of(app, "#dialog-error")
        assert len(list_conflicts(a.ctx)) == 1
        await pilot.press(*"goodwill points given")
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        assert isinstance(app.screen, ConflictsScreen)
        assert table.row_count == 0
        assert "No open conflicts" in text_of(app, "#conflicts-status")
        assert "sync conflict" not in app.sub_title
        (done,) = list_conflicts(a.ctx, include_all=True)
        assert done.resolution == "goodwill points given"

        await pilot.press("f5")  # resolved ones too
        await settle(pilot)
        assert table.row_count == 1
        assert str(table.get_row_at(0)[3]) == "goodwill points given"
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ConflictsScreen)
