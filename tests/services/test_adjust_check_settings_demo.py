"""Manual adjustments, the consistency check, settings and the demo data, on a real SQLite file."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from app.domain.errors import CardNotFound, InvalidCardNumber, InvalidInput, NotEnoughPoints
from app.services.adjustments import adjust_points
from app.services.checkout import checkout
from app.services.context import Context
from app.services.demo import seed_demo
from app.services.health import check_database
from app.services.lookup import lookup_card
from app.services.settings import write_setting
from app.services.views import MemberView
from app.store.settings import DEFAULTS, load_settings
from tests.services.dbstate import (
    cached_balance,
    connect,
    execute,
    ledger_sum,
    scalar,
    snapshot,
    with_check_digit,
    wrong_check_digit,
)

# --- adjust -------------------------------------------------------------------------------


def test_adjust_adds_and_removes_with_a_ledger_row_and_an_audit_row(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    added = adjust_points(ctx, member.card, 250, "  lost   receipt, see note ")
    assert (added.points, added.reason, added.points_balance) == (
        250,
        "lost receipt, see note",
        250,
    )
    removed = adjust_points(ctx, member.card, -100, "double booking")
    assert removed.points_balance == 150
    conn = connect(db_path)
    try:
        ledger = conn.execute(
            "SELECT points, kind, reason, actor, sale_id FROM ledger_entry ORDER BY id"
        ).fetchall()
        audit = conn.execute(
            "SELECT actor, action, entity, entity_id, detail FROM audit_entry "
            "WHERE action = 'points.adjust' ORDER BY id"
        ).fetchall()
    finally:
        conn.close()
    assert ledger == [
        (250, "adjustment", "lost receipt, see note", "tester", None),
        (-100, "adjustment", "double booking", "tester", None),
    ]
    assert [row[:4] for row in audit] == [
        ("tester", "points.adjust", "member", str(member.member_id)),
        ("tester", "points.adjust", "member", str(member.member_id)),
    ]
    assert json.loads(audit[1][4]) == {"points": -100, "reason": "double booking"}
    assert cached_balance(db_path, member.member_id) == 150 == ledger_sum(db_path, member.member_id)
    assert lookup_card(ctx, member.card).points == 150


@pytest.mark.parametrize(
    ("points", "reason", "error", "message"),
    [
        (50, "", InvalidInput, "reason is required"),
        (50, "   ", InvalidInput, "reason is required"),
        (50, "x" * 201, InvalidInput, "too long"),
        (0, "nothing", InvalidInput, "number of points"),
        (-101, "too much", NotEnoughPoints, "Cannot remove 101 points: the balance is 100"),
        (100_000_001, "typo", InvalidInput, "far too many points"),
        (10**20, "beyond 64 bits", InvalidInput, "far too many points"),
        (-(10**20), "beyond 64 bits", InvalidInput, "far too many points"),
    ],
)
def test_adjust_refusals_change_nothing(
    ctx: Context,
    member: MemberView,
    db_path: Path,
    points: int,
    reason: str,
    error: type[Exception],
    message: str,
) -> None:
    adjust_points(ctx, member.card, 100, "start")
    before = snapshot(db_path)
    with pytest.raises(error, match=message):
        adjust_points(ctx, member.card, points, reason)
    assert snapshot(db_path) == before


def test_adjust_down_to_exactly_zero_is_allowed(ctx: Context, member: MemberView) -> None:
    adjust_points(ctx, member.card, 100, "start")
    assert adjust_points(ctx, member.card, -100, "closing").points_balance == 0


def test_adjust_refuses_bad_cards(ctx: Context, member: MemberView, db_path: Path) -> None:
    before = snapshot(db_path)
    with pytest.raises(InvalidCardNumber):
        adjust_points(ctx, wrong_check_digit(member.card), 10, "x")
    with pytest.raises(CardNotFound):
        adjust_points(ctx, with_check_digit("290010000500"), 10, "x")
    assert snapshot(db_path) == before


# --- check --------------------------------------------------------------------------------


def test_check_passes_on_a_consistent_database(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    adjust_points(ctx, member.card, 300, "start")
    checkout(ctx, member.card, 2000, redeem_points=200)
    report = check_database(ctx)
    assert report.ok
    assert report.integrity == "ok"
    assert report.members == 1
    assert report.ledger_entries == 3
    assert report.mismatches == ()
    assert report.to_json() == {
        "ok": True,
        "members": 1,
        "ledger_entries": 3,
        "integrity": "ok",
        "mismatches": [],
        "audit": {"ok": True, "rows": 3, "chains": 1, "broken": None},
    }


def test_check_reports_a_corrupted_cached_balance(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    adjust_points(ctx, member.card, 300, "start")
    execute(db_path, "UPDATE member SET points_balance = 999 WHERE id = ?", (member.member_id,))
    report = check_database(ctx)
    assert not report.ok
    assert [(m.member_id, m.cached, m.ledger) for m in report.mismatches] == [
        (member.member_id, 999, 300)
    ]
    assert report.to_json()["mismatches"] == [
        {"member_id": member.member_id, "cached": 999, "ledger": 300}
    ]


def test_check_sees_a_member_without_ledger_rows_but_a_balance(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    execute(db_path, "UPDATE member SET points_balance = 5 WHERE id = ?", (member.member_id,))
    (mismatch,) = check_database(ctx).mismatches
    assert (mismatch.cached, mismatch.ledger) == (5, 0)


@pytest.mark.sqlite_only
def test_check_reports_a_damaged_index(ctx: Context, member: MemberView, db_path: Path) -> None:
    # Rewrite an index's definition without rebuilding it: its entries no longer match the rows,
    # which is what SQLite's integrity check exists to find.
    ctx.db.dispose()
    conn = sqlite3.connect(db_path)
    try:
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute(
            "UPDATE sqlite_master SET sql = replace(sql, '(member_id)', '(status)') "
            "WHERE name = 'ix_card_member_id'"
        )
        conn.commit()
    finally:
        conn.close()
    report = check_database(ctx)
    assert not report.ok
    assert report.mismatches == ()
    assert "ix_card_member_id" in report.integrity
    assert report.to_json()["ok"] is False


@pytest.mark.sqlite_only
def test_check_reports_a_row_that_refers_to_a_missing_one(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    # What a faulty write without foreign-key checks (a sync import's) could leave behind; a
    # plain sqlite3 connection does not check them either.
    execute(
        db_path,
        "INSERT INTO card (number, member_id, status, issued_at) "
        "VALUES ('2900100009990', 4242, 'active', '2026-01-01 00:00:00')",
    )
    report = check_database(ctx)
    assert not report.ok
    assert "card row" in report.integrity and "refers to a missing member" in report.integrity


# --- settings -----------------------------------------------------------------------------


def test_settings_defaults_and_stored_values(ctx: Context, db_path: Path) -> None:
    values = load_settings(ctx.db)
    assert values == {key: default for key, (default, _parse) in DEFAULTS.items()}
    assert write_setting(ctx.db, "program.earn_points_per_unit", "5") == 5
    assert write_setting(ctx.db, "program.earn_points_per_unit", 4.0) == 4
    assert write_setting(ctx.db, "program.earn_points_per_unit", 5) == 5
    assert write_setting(ctx.db, "shop.currency", " chf ") == "CHF"
    assert write_setting(ctx.db, "shop.currency", "usd") == "USD"
    stored = load_settings(ctx.db)
    assert stored["program.earn_points_per_unit"] == 5
    assert stored["shop.currency"] == "USD"
    # Besides the node id that migration 0005 gives every database.
    assert scalar(db_path, "SELECT COUNT(*) FROM setting WHERE key != 'sync.node_id'") == 2


def test_unknown_setting(ctx: Context, db_path: Path) -> None:
    before = snapshot(db_path)
    with pytest.raises(InvalidInput, match=re.escape("Unknown setting “program.magic”")):
        write_setting(ctx.db, "program.magic", 1)
    assert snapshot(db_path) == before


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("program.earn_points_per_unit", 0),
        ("program.earn_points_per_unit", -3),
        ("program.earn_points_per_unit", "many"),
        ("program.redeem_points_per_unit", None),
        # Once silently truncated to 2 / 1, or stored so large that a sale overflowed SQLite.
        ("program.earn_points_per_unit", 2.5),
        ("program.earn_points_per_unit", True),
        ("program.earn_points_per_unit", 1_001),
        ("program.redeem_points_per_unit", 10**30),
        ("program.max_sale_cents", 1e30),
        ("program.max_sale_cents", 10_000_000_001),
        ("program.max_sale_cents", "1e3x"),
        ("shop.name", "   "),
        ("shop.currency", "EURO"),
        ("shop.currency", "E1R"),
        ("shop.currency", "QQQ"),  # three letters, but no currency Babel knows (ISO 4217)
        ("shop.timezone", "Europe/Atlantis"),
        ("shop.phone_region", "XX"),
        ("shop.store_code", "12"),
        ("shop.store_code", "abc"),
        ("card.prefix", "19"),
        ("card.prefix", "30"),
    ],
)
def test_bad_setting_values(ctx: Context, db_path: Path, key: str, value: object) -> None:
    before = snapshot(db_path)
    with pytest.raises(InvalidInput) as caught:
        write_setting(ctx.db, key, value)
    # Either "not a valid value for <key>", what the setting takes, or the layout's sentence.
    expected = {
        "shop.store_code": "store code must be",
        "card.prefix": "prefix must be",
        "shop.currency": "give an ISO 4217 currency code like EUR",
        "shop.timezone": "give a time zone like Europe/Berlin",
    }
    assert expected.get(key, f"not a valid value for {key}") in caught.value.message
    assert snapshot(db_path) == before


def test_store_code_and_prefix_settings_shape_new_card_numbers(ctx: Context) -> None:
    from app.domain.profile import MemberDraft
    from app.services.members import enroll_member

    write_setting(ctx.db, "card.prefix", "24")
    write_setting(ctx.db, "shop.store_code", "042")
    ctx.forget_settings()
    view = enroll_member(ctx, MemberDraft(first_name="Ines", last_name="Koch"))
    assert view.card == with_check_digit("24" + "042" + "0000001")


# --- demo ---------------------------------------------------------------------------------


def test_seed_demo_fills_a_consistent_database_once(ctx: Context, db_path: Path) -> None:
    cards = seed_demo(ctx, members=12)
    assert 1 <= len(cards) <= 5
    assert scalar(db_path, "SELECT COUNT(*) FROM member") == 12
    assert scalar(db_path, "SELECT COUNT(*) FROM card WHERE status = 'active'") == 12
    assert scalar(db_path, "SELECT COUNT(*) FROM sale") > 0
    for number, name in cards:
        view = lookup_card(ctx, number)
        assert f"{view.first_name} {view.last_name}" == name
    report = check_database(ctx)
    assert report.ok, report.mismatches
    assert report.members == 12
    before = snapshot(db_path)
    assert seed_demo(ctx, members=12) == cards
    assert snapshot(db_path) == before


def test_seed_demo_leaves_a_shop_with_members_alone(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    before = snapshot(db_path)
    assert seed_demo(ctx) == [(member.card, "Anna Müller")]
    assert snapshot(db_path) == before


def test_seed_demo_follows_the_shops_redeem_rules(ctx: Context, db_path: Path) -> None:
    # A shop that set its rules first: 10 points per euro, 50 points worth 1.00. The demo's
    # redemptions must stay within what these rules allow (they once assumed 100 points = 1.00).
    write_setting(ctx.db, "program.earn_points_per_unit", 10)
    write_setting(ctx.db, "program.redeem_points_per_unit", 50)
    ctx.forget_settings()
    assert seed_demo(ctx, members=24)
    assert scalar(db_path, "SELECT COUNT(*) FROM ledger_entry WHERE kind = 'redeem'") > 0
    assert check_database(ctx).ok


def test_the_demo_coupon_is_once_per_member(ctx: Context) -> None:
    from app.domain.coupons import CouponRefused

    cards = seed_demo(ctx, members=6)
    first, second = cards[0][0], cards[1][0]
    assert checkout(ctx, first, 20_00, coupon="WELCOME10").discount_cents == 2_00
    with pytest.raises(CouponRefused):
        checkout(ctx, first, 20_00, coupon="WELCOME10")
    assert checkout(ctx, second, 20_00, coupon="WELCOME10").discount_cents == 2_00


def test_a_currency_babel_does_not_know_is_refused(ctx: Context) -> None:
    with pytest.raises(InvalidInput, match="ISO 4217"):
        write_setting(ctx.db, "shop.currency", "QQQ")
    assert load_settings(ctx.db)["shop.currency"] == "EUR"
