"""Messages fit or wrap with their end in view, Ctrl+N shows them in full, the header keeps
the store, the till and a conflict, and 60x20 still shows the totals (issue 15, item 2)."""

from __future__ import annotations

from textual.widgets import Static

from app.i18n import set_language
from app.services.chain.status import SyncStatus
from app.services.context import Context
from app.services.views import MemberView
from app.tui.app import LoyaltyApp, header_line
from app.tui.screens.help import HelpScreen
from app.tui.screens.message_log import MessageLogScreen
from app.tui.widgets.figure_rows import figure_rows
from app.tui.widgets.key_bar import KeyBar
from tests.tui.conftest import confirm, scan, settle, text_of


def status(**changes: object) -> SyncStatus:
    """A till's sync state: 12 changes waiting, one conflict, synced this morning."""
    values: dict[str, object] = {
        "node": "n1",
        "store": "001",
        "till": 1,
        "sync_dir": "/srv/central",
        "secret": True,
        "pending": 12,
        "last_export": None,
        "last_import": "2026-12-05T10:15:00+00:00",
        "files_applied": 3,
        "deferred": 0,
        "open_conflicts": 1,
        "interval_minutes": 0,
    }
    values.update(changes)
    return SyncStatus(**values)  # type: ignore[arg-type]


def test_the_header_line_keeps_the_store_the_till_and_the_conflict_when_short() -> None:
    whole = header_line(status())
    assert "12 changes to send" in whole and "Synced" in whole
    short = header_line(status(), room=44)
    assert short == "Store 001 · Till 1 · ⚠ 1 sync conflict"
    assert header_line(status(open_conflicts=0), room=44).startswith("Store 001 · Till 1")


async def test_the_header_at_80_columns_shows_the_conflict(ctx: Context) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app._show_sync_status(status())
        await settle(pilot)
        shown = str(app.screen.query_one("HeaderTitle").render())
        assert "⚠ 1 sync conflict" in shown
        assert "Store 001 · Till 1" in shown
        await pilot.resize_terminal(200, 24)
        await settle(pilot)
        assert "12 changes to send" in app.sub_title


async def test_ctrl_n_shows_the_last_messages_in_full(app: LoyaltyApp, member: MemberView) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, "4006381333931")
        await scan(pilot, "2900100000018")  # a wrong check digit: a long message
        await pilot.press("ctrl+n")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MessageLogScreen)
        shown = [str(s.render()) for s in screen.query(".logged").results(Static)]
        assert "Wrong check digit in 2900100000018" in shown[0]
        assert shown[0].endswith("scan again or type the number carefully")
        assert shown[1].endswith("4006381333931 is a product barcode, not a member card")
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, MessageLogScreen)


async def test_a_message_that_needs_two_lines_ends_in_view(
    ctx: Context, member: MemberView
) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        long = "Wrote the member's data to /home/shop/.local/share/loyalty/exports/member-1.json"
        app.screen.say(long, "success")  # type: ignore[attr-defined]
        await settle(pilot)
        message = app.screen.query_one("#message", Static)
        assert message.size.height == 2
        assert "member-1.json" in "".join(
            strip.text for strip in message.render_lines(message.region.reset_offset)
        )


async def test_without_a_member_the_key_bar_offers_no_checkout_keys(
    app: LoyaltyApp, member: MemberView
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        bar = str(app.screen.query_one(KeyBar).render())
        for key in ("F4", "F5", "F6", "F9"):
            assert key not in bar
        assert "F2 Enroll" in bar
        await scan(pilot, member.card)
        await settle(pilot)
        bar = str(app.screen.query_one(KeyBar).render())
        for key in ("F4", "F5", "F6", "F9"):
            assert key in bar


async def test_60x20_shows_every_total_and_no_zero_points_line(
    ctx: Context, rich_member: MemberView
) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(60, 20)) as pilot:
        await scan(pilot, rich_member.card)
        await pilot.press("2", "5")
        await settle(pilot)
        totals = app.screen.query_one("#totals", Static)
        text = text_of(app, "#totals")
        assert "Paid with points" not in text  # nothing paid with points: no −€0.00 line
        assert "New balance" in text and "525" in text
        panel = app.screen.query_one("#checkout-panel")
        assert totals.region.bottom <= panel.region.bottom - 1  # inside the border
        await pilot.press("f4")
        await settle(pilot)
        assert "Paid with points  −€5.00" in text_of(app, "#totals")
        assert "New balance" in text_of(app, "#totals")
        await confirm(pilot)
        receipt = app.screen.query_one("#receipt", Static)
        assert "New balance" in text_of(app, "#receipt")
        assert receipt.region.bottom <= panel.region.bottom - 1


async def test_the_receipt_leaves_out_points_not_used(ctx: Context, member: MemberView) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, member.card)
        await pilot.press("9")
        await confirm(pilot)
        receipt = text_of(app, "#receipt")
        assert "Paid with points" not in receipt and "Points redeemed" not in receipt
        assert "New balance" in receipt


async def test_help_fits_80x24_with_the_new_keys(app: LoyaltyApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        dialog = app.screen.query_one("#dialog")
        last = list(app.screen.query(".key"))[-1]
        assert str(last.render()) == "Ctrl+Q"
        assert last.region.bottom <= dialog.region.bottom - 1


def test_figure_rows_shorten_labels_never_figures() -> None:
    rows = [("Mit Punkten bezahlt", "−0,47 €", ""), ("Neuer Stand", "24", "bold")]
    wide = [line.plain for line in figure_rows(rows)]
    assert wide == ["Mit Punkten bezahlt  −0,47 €", "Neuer Stand          24"]
    narrow = [line.plain for line in figure_rows(rows, 26)]
    assert narrow == ["Mit Punkten bezah… −0,47 €", "Neuer Stand        24"]
    assert all(len(line) <= 26 for line in narrow)


async def test_60x20_in_german_keeps_every_figure_whole(
    ctx: Context, rich_member: MemberView
) -> None:
    set_language("de")
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(60, 20)) as pilot:
        await scan(pilot, rich_member.card)
        await pilot.press("2", "5", "f4")
        await settle(pilot)
        lines = text_of(app, "#totals").splitlines()
        assert lines[1].endswith("−5,00\xa0€")  # paid with points: the figure on its line
        assert lines[-1].startswith("Neuer Stand") and lines[-1].rstrip().endswith(" 20")
        await confirm(pilot)
        receipt = text_of(app, "#receipt").splitlines()
        assert receipt[-1].startswith("Neuer Stand") and receipt[-1].rstrip().endswith(" 20")
