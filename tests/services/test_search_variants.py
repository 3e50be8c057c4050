"""Search finds people the way a cashier types them (issue 15, item 6): German spellings both
ways, "Last, First", the end of a phone number, an email's domain; and the keys stay right
after an edit, a merge and an erasure."""

from __future__ import annotations

import pytest

from app.domain.errors import InvalidInput
from app.domain.profile import MemberDraft
from app.services.context import Context
from app.services.member_desk import update_member
from app.services.members import enroll_member
from app.services.privacy import erase_member
from app.services.search import find_members
from app.services.views import MemberView


def _enroll(ctx: Context, first: str, last: str, **fields: str) -> MemberView:
    return enroll_member(ctx, MemberDraft(first_name=first, last_name=last, **fields))


@pytest.fixture
def people(ctx: Context) -> dict[str, int]:
    views = {
        "mueller": _enroll(ctx, "Hans", "Mueller", phone="0151 11122233"),
        "müller": _enroll(ctx, "Anna", "Müller", email="anna@example.org"),
        "muller": _enroll(ctx, "Paul", "Muller", email="paul@mail.de"),
        "hannah": _enroll(ctx, "Hannah", "Hoffmann", phone="0171 9722233"),
        "jörg": _enroll(ctx, "Jörg", "Weiß", email="joerg.weiss@example.org"),
        "michael": _enroll(ctx, "Michael", "Schäfer"),
    }
    return {key: view.member_id for key, view in views.items()}


def _found(ctx: Context, text: str) -> set[int]:
    return {m.member_id for m in find_members(ctx, text)}


@pytest.mark.parametrize("typed", ["mueller", "Mueller", "muel"])
def test_ue_finds_both_german_spellings(ctx: Context, people: dict[str, int], typed: str) -> None:
    assert _found(ctx, typed) == {people["mueller"], people["müller"]}


@pytest.mark.parametrize("typed", ["müller", "MÜLLER", "mül"])
def test_an_umlaut_finds_both_german_spellings_and_the_plain_letter(
    ctx: Context, people: dict[str, int], typed: str
) -> None:
    # Accent-insensitive as ever (ü is also u: Muller), and now Mueller too.
    assert _found(ctx, typed) == {people["mueller"], people["müller"], people["muller"]}


def test_a_name_without_umlaut_is_found_as_typed_only(ctx: Context, people: dict[str, int]) -> None:
    # "muller" is Müller without dots (as before) and Muller, but not Mueller.
    assert _found(ctx, "muller") == {people["müller"], people["muller"]}


@pytest.mark.parametrize(
    ("typed", "who"),
    [
        ("joerg", "jörg"),
        ("jörg weiss", "jörg"),
        ("joerg weiß", "jörg"),
        ("Weiss, Joerg", "jörg"),
        ("schaefer", "michael"),
        ("michael schaefer", "michael"),
        ("schäfer mich", "michael"),
    ],
)
def test_oe_ae_and_sharp_s_both_ways(
    ctx: Context, people: dict[str, int], typed: str, who: str
) -> None:
    assert _found(ctx, typed) == {people[who]}


@pytest.mark.parametrize("typed", ["Hoffmann, Hannah", "hoffmann,hannah", "Hoffmann, Han"])
def test_last_comma_first_as_the_desk_shows_it(
    ctx: Context, people: dict[str, int], typed: str
) -> None:
    assert _found(ctx, typed) == {people["hannah"]}


def test_the_other_word_must_match_too(ctx: Context, people: dict[str, int]) -> None:
    assert _found(ctx, "Mueller, Anna") == {people["müller"]}
    assert _found(ctx, "Hans müller") == {people["mueller"]}
    assert _found(ctx, "Hoffmann, Anna") == set()


@pytest.mark.parametrize("typed", ["9722233", "722233", "722 233", "0171 9722233"])
def test_the_end_of_a_phone_number(ctx: Context, people: dict[str, int], typed: str) -> None:
    assert _found(ctx, typed) == {people["hannah"]}


def test_four_digits_find_every_number_ending_so_three_none(
    ctx: Context, people: dict[str, int]
) -> None:
    assert _found(ctx, "2233") == {people["hannah"], people["mueller"]}
    assert _found(ctx, "233") == set()


@pytest.mark.parametrize("typed", ["@example.org", "example.org", "@example", "EXAMPLE.ORG"])
def test_an_emails_domain(ctx: Context, people: dict[str, int], typed: str) -> None:
    assert _found(ctx, typed) == {people["müller"], people["jörg"]}


def test_a_domain_with_a_name(ctx: Context, people: dict[str, int]) -> None:
    assert _found(ctx, "anna @example.org") == {people["müller"]}
    assert _found(ctx, "muller mail.de") == {people["muller"]}
    assert _found(ctx, "@mail.de") == {people["muller"]}


def test_a_lone_at_sign_or_comma_is_too_short(ctx: Context) -> None:
    for text in ("@", ", ,", "@e"):
        with pytest.raises(InvalidInput):
            find_members(ctx, text)


def test_keys_follow_an_edit_and_an_erasure(ctx: Context, people: dict[str, int]) -> None:
    paul = people["muller"]
    card = next(m.card for m in find_members(ctx, "paul") if m.member_id == paul)
    assert card is not None
    update_member(ctx, paul, {"last_name": "Müller", "phone": "0160 5554433"})
    assert paul in _found(ctx, "mueller")
    assert _found(ctx, "4433") == {paul}
    update_member(ctx, paul, {"email": "paul@shop.example"})
    assert paul in _found(ctx, "shop.example")
    assert paul not in _found(ctx, "mail.de")
    erase_member(ctx, card)
    assert paul not in _found(ctx, "mueller")
    assert _found(ctx, "4433") == set()
    assert _found(ctx, "shop.example") == set()
