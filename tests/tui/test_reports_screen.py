"""The Reports screen (Ctrl+O) at 80x24: figures of last month, a period change, charts, Esc."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static, Tab, TabbedContent, Tabs
from textual_plotext import PlotextPlot

from app.i18n import set_language
from app.services.checkout import checkout
from app.services.context import Context
from app.services.views import MemberView
from app.tui.app import LoyaltyApp
from app.tui.counter import CounterScreen
from app.tui.screens.reports import ReportsScreen
from tests.conftest import Clock
from tests.tui.conftest import settle

SIZE = (80, 24)


async def open_reports(pilot: Pilot[None]) -> ReportsScreen:
    await pilot.press("ctrl+o")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReportsScreen)
    return screen


def message(screen: ReportsScreen) -> str:
    return str(screen.query_one("#report-message", Static).render())


async def pick(pilot: Pilot[None], screen: ReportsScreen, downs: int) -> None:
    """Choose the period ``downs`` places below the current one, by keys."""
    screen.query_one("#report-period", Select).focus()
    await pilot.press("enter", *["down"] * downs, "enter")
    await settle(pilot)


def sales(ctx: Context, clock: Clock, card: str) -> None:
    """Two purchases in October 2026 (last month for the test clock), one in November."""
    now = clock.now
    for when, amount in (
        (datetime(2026, 10, 5, 12, tzinfo=UTC), 2_000),
        (datetime(2026, 10, 19, 12, tzinfo=UTC), 4_000),
        (datetime(2026, 11, 3, 12, tzinfo=UTC), 7_000),
    ):
        clock.now = when
        checkout(ctx, card, amount)
    clock.now = now


async def test_ctrl_o_shows_last_month_and_a_period_change_recomputes(
    ctx: Context, clock: Clock, member: MemberView
) -> None:
    sales(ctx, clock, member.card)
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_reports(pilot)
        assert "Oct 1, 2026 – Oct 31, 2026" in message(screen)
        text = screen.figure_text()
        assert "Revenue" in text and "€60.00" in text  # 20 + 40 in October
        assert "Average basket" in text and "€30.00" in text
        assert screen.report is not None and screen.report.summary.purchases == 2
        # The purchases chart is in front and drawn, 80x24 leaving it room.
        chart = screen.query_one("#plot-purchases", PlotextPlot)
        assert chart.size.width >= 30 and chart.size.height >= 8
        assert screen.query_one(TabbedContent).active == "chart-purchases"

        await pick(pilot, screen, 1)  # this month
        assert "Nov 1, 2026 – Nov 20, 2026" in message(screen)
        assert "€70.00" in screen.figure_text()
        assert screen.report is not None and screen.report.summary.purchases == 1

        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CounterScreen)


async def test_a_custom_period_and_a_wrong_date_is_a_message(
    ctx: Context, clock: Clock, member: MemberView
) -> None:
    sales(ctx, clock, member.card)
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_reports(pilot)
        await pick(pilot, screen, 5)  # custom
        assert screen.query_one("#report-from", Input).has_focus
        await pilot.press(*"2026-10-31", "enter", *"2026-10-01", "enter")
        await settle(pilot)
        assert "starts (2026-10-31) after it ends (2026-10-01)" in message(screen)
        assert screen.query_one("#report-message", Static).has_class("-error")
        # Corrected: from the 15th to the 31st holds the purchase of the 19th only.
        screen.query_one("#report-from", Input).value = "2026-10-15"
        screen.query_one("#report-to", Input).value = ""
        screen.query_one("#report-to", Input).focus()
        await pilot.press(*"2026-10-31", "enter")
        await settle(pilot)
        assert "Oct 15, 2026 – Oct 31, 2026 (17 days)" in message(screen)
        assert screen.report is not None and screen.report.summary.purchases == 1


async def test_the_screen_is_in_the_command_palette(ctx: Context) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        counter = app.screen
        assert isinstance(counter, CounterScreen)
        titles = [title for title, _help, _callback in counter.palette_commands()]
        assert "Reports" in titles


async def test_the_call_back_tab_lists_the_periods_detractors(
    ctx: Context, clock: Clock, member: MemberView
) -> None:
    from app.services.feedback import add_comment, record_feedback

    now = clock.now
    clock.now = datetime(2026, 10, 7, 12, tzinfo=UTC)
    view = record_feedback(ctx, member.card, 2)
    add_comment(ctx, view, "Zu lange gewartet")
    record_feedback(ctx, member.card, 10)
    clock.now = now
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_reports(pilot)
        screen.query_one(TabbedContent).active = "chart-feedback"
        await settle(pilot)
        text = screen.feedback_text()
        assert "NPS +0 from 2 answers" in text
        assert f"2/10  {member.card}" in text and "Anna Müller" in text
        assert "“Zu lange gewartet”" in text


@pytest.mark.parametrize("language", ["en_US", "de"])
async def test_every_chart_tab_fits_at_80_columns(
    ctx: Context, language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOYALTY_LANG", language)
    set_language()
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        screen = await open_reports(pilot)
        tabs = screen.query_one("#report-charts Tabs", Tabs)
        labels = list(screen.query("#report-charts Tab").results(Tab))
        assert len(labels) == 4
        for tab in labels:
            assert tab.region.right <= tabs.region.right, str(tab.label)
