"""Enrolling, looking up by card and searching members, on a real SQLite file."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from app.domain.cards import CardLayout, make_card_number
from app.domain.errors import (
    CardBlocked,
    CardNotFound,
    InvalidCardNumber,
    InvalidInput,
    MemberNotFound,
    ValidationFailed,
)
from app.domain.profile import MemberDraft
from app.services.checkout import checkout
from app.services.context import Context
from app.services.lookup import get_member, lookup_card
from app.services.members import enroll_member
from app.services.search import find_members
from app.services.views import MemberView
from tests.services.dbstate import connect

from ..conftest import FIXED_NOW


def _count(db_path: Path, table: str) -> int:
    con = connect(db_path)
    try:
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        con.close()


def _enroll(ctx: Context, first: str, last: str, **fields: str | bool) -> MemberView:
    return enroll_member(ctx, MemberDraft(first_name=first, last_name=last, **fields))  # type: ignore[arg-type]


# --- enroll -------------------------------------------------------------------------------


def test_enroll_stores_a_normalised_profile_and_issues_the_first_card(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    assert member.card == make_card_number(CardLayout("29", "001"), 1) == "2900100000017"
    assert (member.salutation, member.first_name, member.last_name) == ("ms", "Anna", "Müller")
    assert member.email == "anna.mueller@example.org"
    assert member.phone == "+491712345678"  # E.164
    assert member.birthday == date(1985, 4, 12)
    assert member.postcode == "10115"
    assert (member.points, member.points_value_cents) == (0, 0)
    assert member.member_since == FIXED_NOW
    assert member.last_visit is None
    assert member.recent_sales == ()
    con = connect(db_path)
    row = con.execute(
        "SELECT m.marketing_consent, m.consent_at, m.home_store, c.status "
        "FROM member m JOIN card c ON c.member_id = m.id"
    ).fetchone()
    con.close()
    assert row == (0, None, "001", "active")


def test_consent_is_stamped_with_the_time_it_was_given(ctx: Context, db_path: Path) -> None:
    _enroll(ctx, "Lukas", "Weber", marketing_consent=True)
    _enroll(ctx, "Lea", "Koch", marketing_consent=False)
    con = connect(db_path)
    rows = con.execute(
        "SELECT first_name, marketing_consent, consent_at FROM member ORDER BY id"
    ).fetchall()
    con.close()
    assert rows[0][:2] == ("Lukas", 1)
    stamp = rows[0][2]  # SQLite: naive UTC text; PostgreSQL: an aware timestamp
    if isinstance(stamp, str):
        stamp = datetime.fromisoformat(stamp).replace(tzinfo=UTC)
    assert stamp == FIXED_NOW
    assert rows[1] == ("Lea", 0, None)


def test_each_new_member_gets_the_next_serial(ctx: Context) -> None:
    cards = [_enroll(ctx, "Max", f"Mann{chr(97 + i)}").card for i in range(3)]
    layout = CardLayout("29", "001")
    assert cards == [make_card_number(layout, n) for n in (1, 2, 3)]


def test_a_changed_prefix_and_store_code_number_new_cards(ctx: Context) -> None:
    from app.services.settings import write_setting

    write_setting(ctx.db, "card.prefix", "27")
    write_setting(ctx.db, "shop.store_code", "042")
    ctx.forget_settings()
    view = _enroll(ctx, "Ines", "Lange")
    assert view.card.startswith("27042")
    assert view.card == make_card_number(CardLayout("27", "042"), 1)


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"first_name": "", "last_name": "Müller"}, {"first_name"}),
        ({"first_name": "Anna", "last_name": "   "}, {"last_name"}),
        ({"first_name": "", "last_name": ""}, {"first_name", "last_name"}),
        ({"first_name": "R2D2", "last_name": "Droid"}, {"first_name"}),
        ({"first_name": "A" * 81, "last_name": "B"}, {"first_name"}),
        ({"email": "anna@"}, {"email"}),
        ({"email": "not an email"}, {"email"}),
        ({"phone": "12"}, {"phone"}),
        ({"phone": "call me"}, {"phone"}),
        ({"birthday": "1985-13-40"}, {"birthday"}),
        ({"birthday": "2030-01-01"}, {"birthday"}),
        ({"birthday": "1850-01-01"}, {"birthday"}),
        ({"postcode": "!!"}, {"postcode"}),
        ({"salutation": "dr"}, {"salutation"}),
        ({"email": "x", "phone": "1", "postcode": "#"}, {"email", "phone", "postcode"}),
    ],
)
def test_invalid_fields_are_each_reported_and_nothing_is_stored(
    ctx: Context, db_path: Path, fields: dict[str, str], bad: set[str]
) -> None:
    draft = {"first_name": "Anna", "last_name": "Müller", **fields}
    with pytest.raises(ValidationFailed) as caught:
        enroll_member(ctx, MemberDraft(**draft))
    assert set(caught.value.errors) == bad
    assert all(caught.value.errors.values())
    assert _count(db_path, "member") == 0
    assert _count(db_path, "card") == 0
    assert _count(db_path, "audit_entry") == 0


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0171 2345678", "+491712345678"),
        ("+49 (171) 234-5678", "+491712345678"),
        ("0049 171 2345678", "+491712345678"),
        ("030 1234567", "+49301234567"),
    ],
)
def test_phone_numbers_are_stored_in_one_form(ctx: Context, typed: str, stored: str) -> None:
    assert _enroll(ctx, "Paul", "Klein", phone=typed).phone == stored


def test_optional_fields_are_normalised(ctx: Context) -> None:
    view = _enroll(
        ctx,
        "  Marie  ",
        " Schäfer ",
        email="Marie.S@Example.ORG ",
        birthday="17.05.1980",
        postcode="sw1a 1aa",
        salutation="MS",
    )
    assert (view.first_name, view.last_name) == ("Marie", "Schäfer")
    assert view.email == "Marie.S@example.org"
    assert view.birthday == date(1980, 5, 17)
    assert view.postcode == "SW1A 1AA"
    assert view.salutation == "ms"


def test_enroll_writes_an_audit_row(ctx: Context, member: MemberView, db_path: Path) -> None:
    con = connect(db_path)
    rows = con.execute(
        "SELECT actor, action, entity, entity_id, detail FROM audit_entry"
    ).fetchall()
    con.close()
    assert len(rows) == 1
    actor, action, entity, entity_id, detail = rows[0]
    assert (actor, action, entity, entity_id) == ("tester", "member.enroll", "member", "1")
    assert json.loads(detail) == {"card": member.card}


# --- lookup -------------------------------------------------------------------------------


def test_lookup_by_card_shows_the_member_with_recent_sales(
    ctx: Context, member: MemberView
) -> None:
    for amount in (1000, 2000, 3000, 4000, 5000, 6000):
        checkout(ctx, member.card, amount)
    view = lookup_card(ctx, member.card)
    assert view.member_id == member.member_id
    assert view.points == 210
    assert view.points_value_cents == 210
    assert view.last_visit == FIXED_NOW
    # The five newest, newest first.
    assert [s.amount_cents for s in view.recent_sales] == [6000, 5000, 4000, 3000, 2000]
    assert lookup_card(ctx, member.card, recent=0).recent_sales == ()


def test_lookup_accepts_spaces_and_dashes_a_person_types(ctx: Context, member: MemberView) -> None:
    spaced = f"{member.card[:1]} {member.card[1:7]}-{member.card[7:]}"
    assert lookup_card(ctx, spaced).member_id == member.member_id


def test_a_wrong_check_digit_is_refused_before_any_lookup(ctx: Context, member: MemberView) -> None:
    wrong = member.card[:-1] + str((int(member.card[-1]) + 1) % 10)
    with pytest.raises(InvalidCardNumber, match="Wrong check digit"):
        lookup_card(ctx, wrong)


@pytest.mark.parametrize(
    ("typed", "message"),
    [("", "Scan a card"), ("29001", "13 digits"), ("29001abc00017", "only digits")],
)
def test_malformed_card_numbers(ctx: Context, typed: str, message: str) -> None:
    with pytest.raises(InvalidCardNumber, match=message):
        lookup_card(ctx, typed)


def test_an_unknown_card_says_so(ctx: Context, member: MemberView) -> None:
    unknown = make_card_number(CardLayout("29", "001"), 99)
    with pytest.raises(CardNotFound, match=f"Unknown card {unknown}"):
        lookup_card(ctx, unknown)


def test_blocked_and_replaced_cards_are_refused_with_their_reason(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    other = _enroll(ctx, "Jonas", "Fischer")
    con = connect(db_path)
    con.execute("UPDATE card SET status = 'blocked' WHERE number = ?", (member.card,))
    con.execute(
        "UPDATE card SET status = 'replaced', replaced_by = '2900100000994' WHERE number = ?",
        (other.card,),
    )
    con.commit()
    con.close()
    with pytest.raises(CardBlocked, match=f"Card {member.card} is blocked"):
        lookup_card(ctx, member.card)
    with pytest.raises(CardBlocked, match="Card replaced"):
        lookup_card(ctx, other.card)
    with pytest.raises(CardBlocked):
        checkout(ctx, member.card, 1000)


def test_a_blocked_member_cannot_use_an_active_card(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    con = connect(db_path)
    con.execute("UPDATE member SET status = 'blocked'")
    con.commit()
    con.close()
    with pytest.raises(CardBlocked):
        lookup_card(ctx, member.card)


def test_get_member_by_id(ctx: Context, member: MemberView) -> None:
    assert get_member(ctx, member.member_id).card == member.card
    with pytest.raises(MemberNotFound):
        get_member(ctx, 4242)


# --- search -------------------------------------------------------------------------------


@pytest.fixture
def crowd(ctx: Context, member: MemberView) -> dict[str, MemberView]:
    people = {
        "anna": member,
        "jurgen": _enroll(ctx, "Jürgen", "Müllerschön", email="j.m@shop.example"),
        "hans": _enroll(ctx, "Hans", "Mueller", phone="0151 11122233"),
        "chloe": _enroll(ctx, "Chloé", "Dubois", email="chloe.dubois@example.fr"),
        "lena": _enroll(ctx, "Lena", "Schmidt", phone="+49 30 1234567"),
    }
    return people


def _ids(found: list) -> list[int]:  # type: ignore[type-arg]
    return [m.member_id for m in found]


def test_search_ignores_case_and_accents(ctx: Context, crowd: dict[str, MemberView]) -> None:
    found = find_members(ctx, "muller")
    assert _ids(found) == [crowd["anna"].member_id, crowd["jurgen"].member_id]
    assert _ids(find_members(ctx, "chloe")) == [crowd["chloe"].member_id]
    assert _ids(find_members(ctx, "jurg")) == [crowd["jurgen"].member_id]
    # Both German spellings find both: Mueller (last key "mueller") sorts first.
    both = [crowd["hans"].member_id, *_ids(found)]
    assert _ids(find_members(ctx, "MÜLLER")) == both
    assert _ids(find_members(ctx, "mueller")) == both


def test_search_by_several_words_needs_all_of_them(
    ctx: Context, crowd: dict[str, MemberView]
) -> None:
    assert _ids(find_members(ctx, "anna müller")) == [crowd["anna"].member_id]
    assert _ids(find_members(ctx, "Müller Anna")) == [crowd["anna"].member_id]
    assert find_members(ctx, "anna schmidt") == []


def test_search_by_phone_typed_any_way(ctx: Context, crowd: dict[str, MemberView]) -> None:
    anna = [crowd["anna"].member_id]
    assert _ids(find_members(ctx, "0171 23")) == anna
    assert _ids(find_members(ctx, "+49 171 234")) == anna
    assert _ids(find_members(ctx, "0049171")) == anna
    assert _ids(find_members(ctx, "030 123")) == [crowd["lena"].member_id]
    assert find_members(ctx, "0172") == []


def test_search_by_partial_email(ctx: Context, crowd: dict[str, MemberView]) -> None:
    assert _ids(find_members(ctx, "anna.mue")) == [crowd["anna"].member_id]
    assert _ids(find_members(ctx, "chloe.dub")) == [crowd["chloe"].member_id]
    assert _ids(find_members(ctx, "j.m@shop")) == [crowd["jurgen"].member_id]


def test_search_result_lines_carry_card_and_points(
    ctx: Context, crowd: dict[str, MemberView]
) -> None:
    checkout(ctx, crowd["chloe"].card, 4200)
    (line,) = find_members(ctx, "dubois")
    assert line.card == crowd["chloe"].card
    assert (line.first_name, line.last_name, line.points) == ("Chloé", "Dubois", 42)
    assert line.to_json()["email"] == "chloe.dubois@example.fr"


def test_search_respects_the_limit_and_sorts_by_name(ctx: Context) -> None:
    for first in ("Zoe", "Ben", "Mia", "Emma", "Karl"):
        _enroll(ctx, first, "Wagner")
    assert [m.first_name for m in find_members(ctx, "wagner")] == [
        "Ben",
        "Emma",
        "Karl",
        "Mia",
        "Zoe",
    ]
    assert [m.first_name for m in find_members(ctx, "wagner", limit=2)] == ["Ben", "Emma"]


def test_search_treats_like_wildcards_literally(ctx: Context, crowd: dict[str, MemberView]) -> None:
    assert find_members(ctx, "an%") == []
    assert find_members(ctx, "anna m_ller") == []


def test_too_short_searches_are_refused(ctx: Context) -> None:
    for text in ("", "a", "  ", "12"):
        with pytest.raises(InvalidInput):
            find_members(ctx, text)


def test_blocked_members_are_not_found(
    ctx: Context, crowd: dict[str, MemberView], db_path: Path
) -> None:
    con = connect(db_path)
    con.execute("UPDATE member SET status = 'blocked' WHERE id = ?", (crowd["anna"].member_id,))
    con.commit()
    con.close()
    assert _ids(find_members(ctx, "muller")) == [crowd["jurgen"].member_id]
