"""The member view at the desk: profile editing, ledger/sales/cards tabs, merge, export, erase."""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label, TabbedContent

import app.tui.screens.merge as merge_module
from app.domain.errors import CardBlocked
from app.services.adjustments import adjust_points
from app.services.checkout import checkout
from app.services.context import Context
from app.services.lookup import lookup_card
from app.services.member_history import member_profile
from app.services.views import MemberView
from app.store.errors import translate
from app.store.models import Card, Sale
from app.tui.app import LoyaltyApp
from app.tui.screens.confirm import ConfirmScreen
from app.tui.screens.member_export import ExportScreen
from app.tui.screens.member_view import MemberViewScreen
from app.tui.screens.merge import MergeScreen
from tests.tui.conftest import scan, settle

SIZE = (80, 24)


async def open_view(pilot: Pilot[None], card: str) -> MemberViewScreen:
    """From the counter: scan the card, F8 opens the member's view at the desk."""
    await pilot.pause()
    await scan(pilot, card)
    await pilot.press("f8")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, MemberViewScreen)
    return screen


def message(screen: MemberViewScreen) -> str:
    return str(screen.query_one("#desk-view-message").render())


async def replace_text(pilot: Pilot[None], selector: str, text: str) -> None:
    """Click into a field, clear it and type like a person."""
    pilot.app.screen.query_one(selector).focus()
    await pilot.press("end", "ctrl+u", *[c if c != " " else "space" for c in text])
    await settle(pilot)


def rows(screen: MemberViewScreen, selector: str) -> list[list[str]]:
    table = screen.query_one(selector, DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A folder with a short path: the export tests type the whole path key by key, and each
    key costs the Pilot ~40 ms of waiting (tmp_path is ~90 characters under xdist)."""
    folder = Path(tempfile.mkdtemp(prefix="lx"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


async def test_editing_the_profile_saves_it(ctx: Context, member: MemberView) -> None:
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        screen = await open_view(pilot, member.card)
        assert screen.query_one("#desk-email", Input).value == "anna.mueller@example.org"
        await replace_text(pilot, "#desk-email", "anna@example.com")
        await replace_text(pilot, "#desk-phone", "0171 9876543")
        await replace_text(pilot, "#desk-postcode", "80331")
        screen.query_one("#desk-consent").focus()
        await pilot.press("space", "f9")
        await settle(pilot)
        assert message(screen) == "Profile saved"
        assert "given" in str(screen.query_one("#desk-consent-at").render())
    stored = member_profile(ctx, member.member_id)
    assert stored.email == "anna@example.com"
    assert stored.phone == "+491719876543"
    assert stored.postcode == "80331"
    assert stored.marketing_consent and stored.consent_at is not None
    assert stored.birthday is not None and stored.birthday.isoformat() == "1985-04-12"


async def test_a_bad_email_is_shown_next_to_the_field_and_nothing_is_saved(
    ctx: Context, member: MemberView
) -> None:
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        screen = await open_view(pilot, member.card)
        await replace_text(pilot, "#desk-email", "anna-at-example")
        await replace_text(pilot, "#desk-postcode", "99999")
        await pilot.press("f9")
        await settle(pilot)
        error = screen.query_one("#desk-error-email", Label)
        assert "is not an email address" in str(error.render())
        assert error.has_class("-shown")
        assert "Not saved" in message(screen)
        assert screen.focused is screen.query_one("#desk-email")
    stored = member_profile(ctx, member.member_id)
    assert stored.email == "anna.mueller@example.org"
    assert stored.postcode == "10115"


async def test_ledger_sales_and_cards_tabs_show_the_history(
    ctx: Context, member: MemberView
) -> None:
    adjust_points(ctx, member.card, 250, "welcome bonus")
    checkout(ctx, member.card, 4200, redeem_points=100)
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        screen = await open_view(pilot, member.card)
        tabs = screen.query_one("#desk-tabs", TabbedContent)
        await pilot.press("f2")
        await settle(pilot)
        assert tabs.active == "desk-tab-ledger"
        ledger = rows(screen, "#desk-ledger")
        kinds = [row[2] for row in ledger]
        assert kinds == ["earned", "redeemed", "adjustment"]
        assert ledger[1][1] == "-100"
        assert ledger[2][1] == "+250" and ledger[2][3] == "welcome bonus"
        assert ledger[0][4] == ledger[1][4] != ""  # both rows name the sale
        assert all(row[5] == "tester" for row in ledger)
        await pilot.press("f2")
        await settle(pilot)
        sales = rows(screen, "#desk-sales")
        assert len(sales) == 1 and sales[0][2] == "€42.00"
        await pilot.press("f2")
        await settle(pilot)
        assert rows(screen, "#desk-cards") == [[member.card, "active", "Nov 20, 2026", "", ""]]


async def test_merge_through_the_desk_moves_the_balance_and_blocks_the_other_card(
    ctx: Context, member: MemberView, other_member: MemberView
) -> None:
    adjust_points(ctx, member.card, 100, "start")
    adjust_points(ctx, other_member.card, 40, "start")
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        screen = await open_view(pilot, member.card)
        await pilot.press("f5")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, MergeScreen)
        await pilot.press(*other_member.card, "enter")
        await settle(pilot)
        preview = str(dialog.query_one("#desk-merge-preview").render())
        assert "Jonas Müller" in preview and "40 points" in preview
        # Nothing happens until the owner confirms what they saw.
        assert member_profile(ctx, other_member.member_id).status == "active"
        await pilot.press("f9")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert "40 points moved, balance 140" in message(screen)
        assert "140 points" in str(screen.query_one("#desk-who").render())
    assert member_profile(ctx, member.member_id).points == 140
    with pytest.raises(CardBlocked):
        lookup_card(ctx, other_member.card)


async def test_merge_refuses_the_members_own_card(ctx: Context, member: MemberView) -> None:
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        await open_view(pilot, member.card)
        await pilot.press("f5")
        await settle(pilot)
        dialog = pilot.app.screen
        await pilot.press(*member.card, "enter", "f9")
        await settle(pilot)
        assert "same member" in str(dialog.query_one("#dialog-error").render())
        assert pilot.app.screen is dialog


async def test_merge_on_a_busy_database_keeps_the_preview_for_another_f9(
    ctx: Context, member: MemberView, other_member: MemberView, monkeypatch: pytest.MonkeyPatch
) -> None:
    busy = translate(sqlite3.OperationalError("database is locked"))
    real_merge = merge_module.merge_members
    answers: list[Exception | None] = [busy, None]

    def once_busy(*args: Any) -> Any:
        failure = answers.pop(0)
        if failure is not None:
            raise failure
        return real_merge(*args)

    monkeypatch.setattr(merge_module, "merge_members", once_busy)
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        screen = await open_view(pilot, member.card)
        await pilot.press("f5")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, MergeScreen)
        await pilot.press(*other_member.card, "enter", "f9")
        await settle(pilot)
        assert pilot.app.screen is dialog
        assert str(dialog.query_one("#dialog-error").render()) == busy.message
        assert "Jonas Müller" in str(dialog.query_one("#desk-merge-preview").render())
        await pilot.press("f9")
        await settle(pilot)
        assert pilot.app.screen is screen
    assert member_profile(ctx, other_member.member_id).status == "merged"


async def test_export_writes_the_members_data_as_json(
    ctx: Context, member: MemberView, short_dir: Path
) -> None:
    checkout(ctx, member.card, 1000)
    target = short_dir / "anna.json"
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        screen = await open_view(pilot, member.card)
        await pilot.press("f6")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, ExportScreen)
        default = dialog.query_one("#desk-export-path", Input).value
        assert default.endswith(f"member-{member.member_id}.json")
        await pilot.press("end", "ctrl+u", *str(target), "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert pilot.app.screen is screen
        assert f"Wrote the member's data to {target}" in message(screen)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["member"]["email"] == "anna.mueller@example.org"
    assert [c["number"] for c in data["cards"]] == [member.card]
    assert len(data["sales"]) == 1


async def test_erase_needs_the_word_typed_then_anonymises(ctx: Context, member: MemberView) -> None:
    checkout(ctx, member.card, 1000)
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        screen = await open_view(pilot, member.card)
        await pilot.press("f7")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, ConfirmScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert "Type ERASE exactly" in str(dialog.query_one("#dialog-error").render())
        assert member_profile(ctx, member.member_id).status == "active"
        await pilot.press(*"ERASE", "enter")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert "Member erased" in message(screen)
        assert "(erased member" in str(screen.query_one("#desk-who").render())
        # An erased member can no longer be edited.
        assert screen.query_one("#desk-form").disabled
    stored = member_profile(ctx, member.member_id)
    assert stored.status == "erased"
    assert (stored.first_name, stored.last_name, stored.email, stored.phone) == ("", "", None, None)
    with ctx.db.reading() as session:
        card = session.exec(select(Card).where(Card.number == member.card)).one()
        assert card.status == "blocked"
        # The sale stays for the accounts.
        assert len(session.exec(select(Sale).where(Sale.member_id == member.member_id)).all()) == 1


async def test_erase_cancelled_changes_nothing(ctx: Context, member: MemberView) -> None:
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        screen = await open_view(pilot, member.card)
        await pilot.press("f7")
        await settle(pilot)
        await pilot.press(*"ERASE", "escape")
        await settle(pilot)
        assert pilot.app.screen is screen
    assert member_profile(ctx, member.member_id).status == "active"


async def test_esc_with_unsaved_edits_warns_first(ctx: Context, member: MemberView) -> None:
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        screen = await open_view(pilot, member.card)
        await pilot.press("escape")
        await settle(pilot)
        # Nothing edited: Esc goes straight back.
        assert not isinstance(pilot.app.screen, MemberViewScreen)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("down", "enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, MemberViewScreen)
        await replace_text(pilot, "#desk-postcode", "80331")
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert "Unsaved changes" in message(screen)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, MemberViewScreen)
    assert member_profile(ctx, member.member_id).postcode == "10115"


def test_snapshot_of_the_member_view(snap_compare, ctx: Context, member: MemberView) -> None:
    adjust_points(ctx, member.card, 250, "welcome bonus")
    checkout(ctx, member.card, 4200, redeem_points=100)

    async def open_it(pilot: Pilot[None]) -> None:
        await open_view(pilot, member.card)
        await pilot.press("f2")  # the ledger tab

    assert snap_compare(LoyaltyApp(ctx), terminal_size=SIZE, run_before=open_it)


async def test_an_export_that_cannot_be_written_says_why(
    ctx: Context, member: MemberView, short_dir: Path
) -> None:
    target = short_dir / "no-such-folder" / "anna.json"
    async with LoyaltyApp(ctx).run_test(size=SIZE) as pilot:
        screen = await open_view(pilot, member.card)
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("end", "ctrl+u", *str(target), "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        assert f"Cannot write {target}" in message(screen)
    assert not target.exists()
