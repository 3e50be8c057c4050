"""Refunding one of the member's recent sales from the counter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel import select
from textual.app import App
from textual.widgets import Input, Static

import app.tui.screens as screens_package
from app.services.checkout import checkout
from app.services.context import Context
from app.services.lookup import lookup_card
from app.services.refunds import refund_sale
from app.services.views import MemberView, RefundResult
from app.store.models import LedgerEntry, Refund, Sale
from app.tui.screens import RefundScreen
from tests.tui.conftest import settle

# The counter's stylesheet applies to every screen of the app, so the dialogs are tested with it.
APP_CSS = Path(screens_package.__file__).parent.parent / "app.tcss"


class Host(App[None]):
    """A bare app that opens the refund dialog for one member and keeps what it returns."""

    CSS_PATH = APP_CSS

    def __init__(self, ctx: Context, member: MemberView) -> None:
        super().__init__()
        self.ctx = ctx
        self.member = member
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(RefundScreen(self.ctx, self.member), self.results.append)


def with_sales(ctx: Context, member: MemberView, *amounts: int) -> MemberView:
    """Check out the sales (oldest first) and return the member as the counter would show them."""
    for cents in amounts:
        checkout(ctx, member.card, cents)
    return lookup_card(ctx, member.card)


def sale_row(ctx: Context, sale_id: int) -> Sale:
    with ctx.db.reading() as session:
        return session.exec(select(Sale).where(Sale.id == sale_id)).one()


def refunds(ctx: Context) -> list[Refund]:
    with ctx.db.reading() as session:
        return list(session.exec(select(Refund)).all())


def message(screen: Any) -> str:
    box = screen.query_one("#dialog-error", Static)
    return str(box.render()) if box.has_class("-shown") else ""


async def test_full_refund_of_the_newest_sale_with_two_keys(
    ctx: Context, member: MemberView
) -> None:
    member = with_sales(ctx, member, 4250, 2000)
    newest = member.recent_sales[0]
    app = Host(ctx, member)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, RefundScreen)
        assert screen.query_one("#amount", Input).value == "20.00"
        assert "Money back: €20.00" in str(screen.query_one("#preview", Static).render())
        await pilot.press("enter")  # pick the sale under the cursor
        assert app.focused is screen.query_one("#amount", Input)
        await pilot.press("enter")  # confirm the full amount
        await settle(pilot)
        assert not isinstance(app.screen, RefundScreen)
    [result] = app.results
    assert isinstance(result, RefundResult)
    assert (result.sale_id, result.amount_cents, result.points_reversed) == (
        newest.sale_id,
        2000,
        20,
    )
    assert sale_row(ctx, newest.sale_id).refunded_cents == 2000
    assert lookup_card(ctx, member.card).points == 42


async def test_partial_refund_of_an_older_sale_typed_with_a_comma(
    ctx: Context, member: MemberView
) -> None:
    member = with_sales(ctx, member, 4250, 2000)
    older = member.recent_sales[1]
    app = Host(ctx, member)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.press("down")
        assert screen.query_one("#amount", Input).value == "42.50"
        await pilot.press("enter")
        # The default amount is selected: typing replaces it.
        await pilot.press("1", "2", "comma", "5", "0")
        assert screen.query_one("#amount", Input).value == "12,50"
        await pilot.press("f9")
        await settle(pilot)
    [result] = app.results
    assert (result.sale_id, result.amount_cents, result.money_back_cents) == (
        older.sale_id,
        1250,
        1250,
    )
    assert sale_row(ctx, older.sale_id).refunded_cents == 1250
    with ctx.db.reading() as session:
        rows = session.exec(select(LedgerEntry).where(LedgerEntry.refund_id.is_not(None))).all()  # type: ignore[union-attr]
    assert [(r.kind, r.points, r.sale_id) for r in rows] == [("refund_earned", -12, older.sale_id)]


async def test_refund_beyond_the_sale_is_refused_and_nothing_changes(
    ctx: Context, member: MemberView
) -> None:
    member = with_sales(ctx, member, 2000)
    sale = member.recent_sales[0]
    app = Host(ctx, member)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.press("enter", "2", "5", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RefundScreen)
        assert message(screen) == ("At most €20.00 of this sale can still be refunded, not €25.00")
        await pilot.press("backspace", "backspace", "a", "b", "enter")
        await settle(pilot)
        assert message(screen) == "“ab” is not an amount"
        await pilot.press("escape", "escape")  # the first warns: an amount was typed
        await settle(pilot)
    assert app.results == [None]
    assert sale_row(ctx, sale.sale_id).refunded_cents == 0
    assert refunds(ctx) == []


async def test_second_partial_refund_beyond_what_is_left_is_refused(
    ctx: Context, member: MemberView
) -> None:
    member = with_sales(ctx, member, 10000)
    sale = member.recent_sales[0]
    app = Host(ctx, member)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", *"60", "enter")
        await settle(pilot)
    assert app.results[0].amount_cents == 6000
    # The counter reopens the dialog with the member as it is now.
    member = lookup_card(ctx, member.card)
    app = Host(ctx, member)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert screen.query_one("#amount", Input).value == "40.00"
        await pilot.press("enter", *"60", "enter")
        await settle(pilot)
        assert message(screen) == ("At most €40.00 of this sale can still be refunded, not €60.00")
    assert sale_row(ctx, sale.sale_id).refunded_cents == 6000
    assert len(refunds(ctx)) == 1


async def test_member_without_sales_gets_a_message(ctx: Context, member: MemberView) -> None:
    app = Host(ctx, member)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert message(screen) == "This member has no recent sales to refund"
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, RefundScreen)
        assert message(screen) == "This member has no recent sales to refund"
    assert refunds(ctx) == []


def test_snapshot_of_the_refund_dialog(snap_compare: Any, ctx: Context, member: MemberView) -> None:
    member = with_sales(ctx, member, 4250, 2000)
    assert snap_compare(Host(ctx, member), terminal_size=(80, 24), press=["down"])


async def test_a_fully_refunded_sale_is_skipped_and_refused_if_chosen(
    ctx: Context, member: MemberView
) -> None:
    member = with_sales(ctx, member, 4250, 2000)
    newest, older = member.recent_sales
    refund_sale(ctx, newest.sale_id)
    member = lookup_card(ctx, member.card)
    app = Host(ctx, member)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        # The cursor starts on the newest sale that can still be refunded.
        assert screen.query_one("#amount", Input).value == "42.50"
        await pilot.press("up")
        assert screen.query_one("#amount", Input).value == ""
        await pilot.press("f9")
        await settle(pilot)
        assert message(screen) == "This sale has already been refunded in full"
    assert app.results == []
    assert [r.sale_id for r in refunds(ctx)] == [newest.sale_id]
    assert sale_row(ctx, older.sale_id).refunded_cents == 0


async def test_a_sale_above_todays_maximum_can_still_be_refunded(
    ctx: Context, member: MemberView
) -> None:
    from app.services.settings import write_setting

    member = with_sales(ctx, member, 90000)
    # The owner lowers the maximum sale after the sale was made.
    write_setting(ctx.db, "program.max_sale_cents", 50000)
    ctx.forget_settings()
    app = Host(ctx, member)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "f9")
        await settle(pilot)
    [result] = app.results
    assert isinstance(result, RefundResult)
    assert result.amount_cents == 90000
