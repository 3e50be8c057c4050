"""Snapshots of the counter at 80x24 (review changes like code: `pytest --snapshot-update`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.pilot import Pilot

from app.i18n import set_language
from app.services.checkout import checkout
from app.services.context import Context
from app.services.views import MemberView
from app.tui.app import LoyaltyApp
from tests.conftest import Clock
from tests.tui.conftest import confirm

SIZE = (80, 24)


@pytest.fixture
def regular(ctx: Context, clock: Clock, rich_member: MemberView) -> MemberView:
    """Anna Müller with 500 bonus points and two earlier sales (fixed dates)."""
    now = clock.now
    for days_ago, amount in ((40, 1999), (12, 3475)):
        clock.now = now - timedelta(days=days_ago)
        checkout(ctx, rich_member.card, amount)
    clock.now = now
    return rich_member


def test_the_empty_counter_with_demo_cards(snap_compare, ctx: Context, regular: MemberView) -> None:
    app = LoyaltyApp(ctx, demo_cards=[(regular.card, "Anna Müller")])
    assert snap_compare(app, terminal_size=SIZE)


def test_a_member_with_a_checkout_in_progress(
    snap_compare, ctx: Context, regular: MemberView
) -> None:
    app = LoyaltyApp(ctx)
    assert snap_compare(app, terminal_size=SIZE, press=[*regular.card, "enter", *"12,50", "f4"])


def test_the_receipt_after_confirming(snap_compare, ctx: Context, regular: MemberView) -> None:
    async def sell(pilot: Pilot[None]) -> None:
        await pilot.pause()  # the scan field takes the focus once the counter is mounted
        await pilot.press(*regular.card, "enter", *"12,50", "f4")
        await confirm(pilot, "f9")

    assert snap_compare(LoyaltyApp(ctx), terminal_size=SIZE, run_before=sell)


def test_the_pick_list_of_a_search(
    snap_compare, ctx: Context, regular: MemberView, other_member: MemberView
) -> None:
    app = LoyaltyApp(ctx)
    assert snap_compare(app, terminal_size=SIZE, press=[*"muller", "enter"])


def test_a_member_with_a_checkout_in_progress_in_german(
    snap_compare, ctx: Context, regular: MemberView
) -> None:
    set_language("de")
    try:
        app = LoyaltyApp(ctx)
        assert snap_compare(app, terminal_size=SIZE, press=[*regular.card, "enter", *"12,50", "f4"])
    finally:
        set_language("en_US")
