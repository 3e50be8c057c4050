"""The members list: keyset paging in every sort order, filtering, and a member's history."""

from __future__ import annotations

import pytest

from app.domain.errors import InvalidInput
from app.domain.profile import MemberDraft
from app.services.adjustments import adjust_points
from app.services.checkout import checkout
from app.services.context import Context
from app.services.member_history import member_cards, member_ledger, member_sales
from app.services.member_list import list_members
from app.services.members import enroll_member

PEOPLE = [
    ("Anna", "Müller", "anna@example.org", "+49 171 1111111"),
    ("Ben", "Mueller", "ben@example.org", ""),
    ("Clara", "Schmidt", "clara@shop.de", "+49 151 22222222"),
    ("David", "Öztürk", "", "+49 160 33333333"),
    ("Eva", "Adler", "eva.mueller@example.org", ""),
    ("Frank", "Zander", "", ""),
    ("Greta", "Müller", "", ""),
]


@pytest.fixture
def people(ctx: Context) -> list[str]:
    cards = []
    for first, last, email, phone in PEOPLE:
        view = enroll_member(
            ctx, MemberDraft(first_name=first, last_name=last, email=email, phone=phone)
        )
        cards.append(view.card)
    return cards


def _all_pages(ctx: Context, **kwargs) -> list[list[str]]:
    pages, key = [], None
    while True:
        page = list_members(ctx, after_key=key, limit=3, **kwargs)
        pages.append([f"{m.first_name} {m.last_name}" for m in page.members])
        key = page.next_key
        if key is None:
            return pages


def test_pages_by_name_cover_everyone_once(ctx: Context, people: list[str]) -> None:
    pages = _all_pages(ctx)
    assert pages == [
        ["Eva Adler", "Ben Mueller", "Anna Müller"],
        ["Greta Müller", "David Öztürk", "Clara Schmidt"],
        ["Frank Zander"],
    ]


def test_pages_by_points_and_newest(ctx: Context, people: list[str]) -> None:
    adjust_points(ctx, people[2], 300, "welcome")
    adjust_points(ctx, people[5], 100, "welcome")
    by_points = [n for page in _all_pages(ctx, sort="points") for n in page]
    assert by_points[:2] == ["Clara Schmidt", "Frank Zander"]
    assert len(by_points) == len(PEOPLE)
    newest = [n for page in _all_pages(ctx, sort="newest") for n in page]
    assert newest[0] == "Greta Müller" and newest[-1] == "Anna Müller"


def test_filter_matches_name_email_and_phone_prefixes(ctx: Context, people: list[str]) -> None:
    names = [m.first_name for m in list_members(ctx, "mu").members]
    assert names == ["Ben", "Anna", "Greta"]  # by last name; "Eva" has mueller in the email
    assert [m.first_name for m in list_members(ctx, "eva.mu").members] == ["Eva"]
    assert [m.first_name for m in list_members(ctx, "oz").members] == ["David"]
    assert [m.first_name for m in list_members(ctx, "0151 22").members] == ["Clara"]
    assert [m.first_name for m in list_members(ctx, "+49160").members] == ["David"]
    assert [m.first_name for m in list_members(ctx, "anna mü").members] == ["Anna"]
    assert list_members(ctx, "xyz").members == ()


def test_filter_takes_the_lists_own_last_comma_first(ctx: Context, people: list[str]) -> None:
    assert [m.first_name for m in list_members(ctx, "Müller, Greta").members] == ["Greta"]
    assert [m.first_name for m in list_members(ctx, "schmidt,clara").members] == ["Clara"]


def test_filtered_pages(ctx: Context, people: list[str]) -> None:
    first = list_members(ctx, "m", limit=2)
    assert [m.first_name for m in first.members] == ["Ben", "Anna"]
    rest = list_members(ctx, "m", limit=2, after_key=first.next_key)
    assert [m.first_name for m in rest.members] == ["Greta"]
    assert rest.next_key is None


def test_bad_sort_and_key(ctx: Context, people: list[str]) -> None:
    with pytest.raises(InvalidInput):
        list_members(ctx, sort="shoe size")
    with pytest.raises(InvalidInput):
        list_members(ctx, sort="points", after_key=("a", "b", 1))


def test_history_views(ctx: Context, people: list[str]) -> None:
    checkout(ctx, people[0], 2500)
    checkout(ctx, people[0], 1000, redeem_points=10)
    adjust_points(ctx, people[0], 5, "apology")
    member_id = list_members(ctx, "anna").members[0].member_id
    ledger = member_ledger(ctx, member_id)
    assert [(e.kind, e.points) for e in ledger] == [
        ("adjustment", 5),
        ("earn", 9),
        ("redeem", -10),
        ("earn", 25),
    ]
    assert ledger[0].reason == "apology" and ledger[0].actor == "tester"
    assert ledger[1].sale_id is not None
    assert len(member_ledger(ctx, member_id, before_id=ledger[1].entry_id)) == 2
    sales = member_sales(ctx, member_id)
    assert [s.amount_cents for s in sales] == [1000, 2500]
    assert sales[0].card == people[0]
    [card] = member_cards(ctx, member_id)
    assert (card.number, card.status) == (people[0], "active")


def test_dense_filters_walk_the_sort_index_with_the_same_result(
    ctx: Context, people: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.services import member_list

    expected = {
        (text, sort): [m.member_id for m in list_members(ctx, text, sort=sort).members]
        for text in ("mu", "anna mu", "0151")
        for sort in ("name", "points", "newest")
    }
    monkeypatch.setattr(member_list, "DENSE", 1)
    for (text, sort), ids in expected.items():
        assert [m.member_id for m in list_members(ctx, text, sort=sort).members] == ids
    first = list_members(ctx, "m", limit=2)
    rest = list_members(ctx, "m", limit=2, after_key=first.next_key)
    assert [m.first_name for m in (*first.members, *rest.members)] == ["Ben", "Anna", "Greta"]


def test_filter_takes_other_spellings_a_phone_end_and_a_domain(
    ctx: Context, people: list[str]
) -> None:
    assert [m.first_name for m in list_members(ctx, "mueller").members] == ["Ben", "Anna", "Greta"]
    assert [m.first_name for m in list_members(ctx, "oeztuerk").members] == ["David"]
    assert [m.first_name for m in list_members(ctx, "33333333").members] == ["David"]
    by_domain = [m.first_name for m in list_members(ctx, "@example.org").members]
    assert by_domain == ["Eva", "Ben", "Anna"]
