"""Enrolling a member from the counter's form, typed like a cashier."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from textual.app import App
from textual.widgets import Input, Label, Static

import app.tui.screens as screens_package
import app.tui.screens.enroll as enroll_module
from app.services.context import Context
from app.services.views import MemberView
from app.store.errors import translate
from app.store.models import Card, Member
from app.tui.screens import EnrollScreen
from tests.tui.conftest import settle

# The counter's stylesheet applies to every screen of the app, so the dialogs are tested with it.
APP_CSS = Path(screens_package.__file__).parent.parent / "app.tcss"


class Host(App[None]):
    """A bare app that opens the enroll form and keeps what it returns."""

    CSS_PATH = APP_CSS

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(EnrollScreen(self.ctx), self.results.append)


async def type_text(pilot: Any, text: str) -> None:
    await pilot.press(*[c if c != " " else "space" for c in text])


def members(ctx: Context) -> list[Member]:
    with ctx.db.reading() as session:
        return list(session.exec(select(Member)).all())


def error_text(screen: EnrollScreen, field: str) -> str:
    label = screen.query_one(f"#error-{field}", Label)
    return str(label.render()) if label.has_class("-shown") else ""


async def test_enroll_typed_like_a_cashier_saves_and_shows_the_card(ctx: Context) -> None:
    app = Host(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, EnrollScreen)
        assert app.focused is not None and app.focused.id == "first_name"
        await type_text(pilot, "Jürgen")
        await pilot.press("enter")
        await type_text(pilot, "Weiß")
        await pilot.press("enter")
        await type_text(pilot, "j.weiss@example.de")
        await pilot.press("enter")
        await type_text(pilot, "0171 9876543")
        await pilot.press("enter")
        await type_text(pilot, "1979-02-28")
        await pilot.press("enter")
        await type_text(pilot, "80331")
        await pilot.press("enter")
        await settle(pilot)
        assert screen.has_class("-enrolled")
        saved = members(ctx)
        assert len(saved) == 1
        member = saved[0]
        assert (member.first_name, member.last_name) == ("Jürgen", "Weiß")
        assert member.email == "j.weiss@example.de"
        assert member.phone == "+491719876543"
        assert str(member.birthday) == "1979-02-28"
        assert member.postcode == "80331"
        assert member.marketing_consent is False
        with ctx.db.reading() as session:
            card = session.exec(select(Card).where(Card.member_id == member.id)).one()
        shown = str(screen.query_one("#card-number", Static).render())
        assert shown == card.number
        assert "Jürgen Weiß" in str(screen.query_one("#welcome", Static).render())
        await pilot.press("enter")
        await settle(pilot)
    assert len(app.results) == 1
    view = app.results[0]
    assert isinstance(view, MemberView)
    assert view.card == card.number and view.last_name == "Weiß"


async def test_salutation_consent_and_f9(ctx: Context) -> None:
    app = Host(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await type_text(pilot, "Eva")
        await pilot.press("tab")
        await type_text(pilot, "Klein")
        # Shift+Tab twice from the last name reaches the salutation.
        await pilot.press("shift+tab", "shift+tab")
        assert app.focused is not None and app.focused.id == "salutation"
        # Space opens the dropdown (Enter moves on to the next field), Enter chooses.
        await pilot.press("space", "down", "enter")
        await settle(pilot)
        # Enter never ticks the consent box; Space does.
        screen.query_one("#consent").focus()
        await pilot.press("space")
        await pilot.press("f9")
        await settle(pilot)
        assert screen.has_class("-enrolled")
        await pilot.press("escape")
        await settle(pilot)
    member = members(ctx)[0]
    assert member.salutation == "ms"
    assert member.marketing_consent is True
    assert member.consent_at is not None
    assert isinstance(app.results[0], MemberView)


async def test_missing_names_bad_email_and_birthday_show_messages_and_save_nothing(
    ctx: Context,
) -> None:
    app = Host(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, EnrollScreen)
        await pilot.press("tab", "tab")
        assert app.focused is not None and app.focused.id == "email"
        await type_text(pilot, "not-an-email")
        await pilot.press("tab", "tab")
        await type_text(pilot, "31.02.1980")
        await pilot.press("f9")
        await settle(pilot)
        assert not screen.has_class("-enrolled")
        assert error_text(screen, "first_name") == "First name is required"
        assert error_text(screen, "last_name") == "Last name is required"
        assert error_text(screen, "email") == "“not-an-email” is not an email address"
        # The format is right; the day is not in the calendar.
        assert error_text(screen, "birthday") == (
            "31.02.1980 does not exist: check the day and the month"
        )
        assert error_text(screen, "phone") == ""
        # With every message shown the form still fits 80x24: the buttons are on screen.
        buttons = screen.query_one("#buttons").region
        assert buttons.height == 1 and buttons.bottom <= 24
        # The cursor goes to the first field that needs fixing.
        assert app.focused is not None and app.focused.id == "first_name"
        # Fixing a field clears its message.
        await type_text(pilot, "Ali")
        assert error_text(screen, "first_name") == ""
        assert error_text(screen, "email") != ""
    assert members(ctx) == []
    assert app.results == []


async def test_future_birthday_refused(ctx: Context) -> None:
    app = Host(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        for text in ("Tom", "Berg", "", "", "2030-01-01"):
            await type_text(pilot, text)
            await pilot.press("enter")
        await pilot.press("f9")
        await settle(pilot)
        assert error_text(screen, "birthday") == "The birthday cannot be in the future"
    assert members(ctx) == []


async def test_escape_cancels_without_saving(ctx: Context) -> None:
    app = Host(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_text(pilot, "Lea")
        await pilot.press("escape")
        await settle(pilot)
        # What was typed is not thrown away by one Esc: the first one warns.
        assert isinstance(app.screen, EnrollScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, EnrollScreen)
    assert app.results == [None]
    assert members(ctx) == []


async def test_a_busy_database_is_not_blamed_on_the_referral_card(
    ctx: Context, member: MemberView, monkeypatch: pytest.MonkeyPatch
) -> None:
    busy = translate(sqlite3.OperationalError("database is locked"))

    def locked(*_args: object, **_kwargs: object) -> MemberView:
        raise busy

    monkeypatch.setattr(enroll_module, "enroll_member", locked)
    # The form enrolls through the duplicate check first.
    monkeypatch.setattr(enroll_module, "enroll_unless_duplicates", locked)
    app = Host(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, EnrollScreen)
        await type_text(pilot, "Lea")
        await pilot.press("tab", "tab")
        await type_text(pilot, "Weber")
        screen.query_one("#referred_by", Input).focus()
        await type_text(pilot, member.card)
        await pilot.press("f9")
        await settle(pilot)
        assert error_text(screen, "referred_by") == ""
        assert str(screen.query_one("#dialog-error", Static).render()) == busy.message
        assert not screen.has_class("-enrolled")


async def test_text_that_looks_like_markup_is_shown_as_typed(ctx: Context) -> None:
    app = Host(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, EnrollScreen)
        await type_text(pilot, "[b]Eva")
        await pilot.press("enter")
        await type_text(pilot, "Roth")
        await pilot.press("enter")
        await type_text(pilot, "[red]x@y")
        await pilot.press("f9")
        await settle(pilot)
        assert (
            error_text(screen, "first_name") == "First name contains characters a name cannot have"
        )
        assert error_text(screen, "email") == "“[red]x@y” is not an email address"
    assert members(ctx) == []


async def test_from_the_counter_f2_enroll_then_ready_for_checkout(ctx: Context) -> None:
    from app.tui.app import LoyaltyApp

    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, EnrollScreen)
        await type_text(pilot, "Lea")
        await pilot.press("enter")
        await type_text(pilot, "Koch")
        await pilot.press("f9")
        await settle(pilot)
        card = members_card(ctx)
        assert str(app.screen.query_one("#card-number", Static).render()) == card
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, EnrollScreen)
        assert "Lea Koch" in str(app.screen.query_one("#member-name", Static).render())
        assert app.focused is not None and app.focused.id == "amount"


def members_card(ctx: Context) -> str:
    with ctx.db.reading() as session:
        return session.exec(select(Card.number)).one()


def test_snapshot_of_the_form_with_its_messages(snap_compare: Any, ctx: Context) -> None:
    async def fill_in_badly(pilot: Any) -> None:
        await pilot.press(*"Eva", "enter", "enter", "x", "f9")
        # A blinking cursor is drawn or not depending on when the picture is taken (on a busy
        # machine, later): keep it steadily on for a stable picture.
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    assert snap_compare(Host(ctx), terminal_size=(80, 24), run_before=fill_in_badly)


def test_snapshot_of_the_new_card(snap_compare: Any, ctx: Context) -> None:
    assert snap_compare(Host(ctx), terminal_size=(80, 24), press=[*"Eva", "enter", *"Roth", "f9"])
