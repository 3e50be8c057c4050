"""Segments as typed (`--segment`, the desk's filter) and the RFM classes (pure)."""

from __future__ import annotations

import pytest

from app.domain.errors import InvalidInput
from app.domain.segments import (
    Segment,
    Shopper,
    looks_like_segment,
    parse_segment,
    quintiles,
    rfm_class,
    rfm_members,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lapsed:90", Segment("lapsed", "90", 90)),
        (" NEW:30 ", Segment("new", "30", 30)),
        ("birthday:next-month", Segment("birthday", "next-month")),
        ("tier:gold", Segment("tier", "Gold")),
        ("top:100", Segment("top", "100", 100)),
        ("rfm:At-Risk", Segment("rfm", "at-risk")),
    ],
)
def test_segments_are_read_as_typed(text: str, expected: Segment) -> None:
    assert parse_segment(text, ("Silver", "Gold")) == expected


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("vip", "no segment"),
        ("lapsed:", "whole number from 1"),
        ("lapsed:-3", "whole number from 1"),
        ("top:99999999999999999999", "whole number from 1"),
        ("birthday:today", "birthday:next-month"),
        ("tier:Platinum", "no tier “Platinum” \\(tiers: Silver, Gold\\)"),
        ("rfm:sleepy", "one of rfm:champions"),
    ],
)
def test_a_wrong_segment_says_what_fits(text: str, match: str) -> None:
    with pytest.raises(InvalidInput, match=match):
        parse_segment(text, ("Silver", "Gold"))


def test_the_desk_filter_tells_segments_from_names() -> None:
    assert looks_like_segment("lapsed:90") and looks_like_segment("rfm:lost")
    assert not looks_like_segment("Müller") and not looks_like_segment("mail:x@y.de")


def test_quintiles_rank_by_fifths_and_keep_ties_together() -> None:
    scores = quintiles({i: i for i in range(1, 11)})
    assert [scores[i] for i in range(1, 11)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert set(quintiles({1: 7, 2: 7, 3: 7}).values()) == {1}
    # Fewer days since the last purchase is better.
    assert quintiles({1: 3, 2: 300}, higher_is_better=False) == {1: 5, 2: 1}


@pytest.mark.parametrize(
    ("r", "f", "m", "expected"),
    [
        (5, 5, 5, "champions"),
        (4, 4, 3, "loyal"),
        (3, 5, 1, "loyal"),
        (2, 4, 4, "at-risk"),
        (1, 3, 5, "at-risk"),
        (1, 1, 1, "lost"),
        (1, 2, 5, "lost"),
        (3, 3, 3, None),
    ],
)
def test_rfm_classes(r: int, f: int, m: int, expected: str | None) -> None:
    assert rfm_class(r, f, m) == expected


def test_rfm_members_scores_among_all_buyers() -> None:
    shoppers = [
        Shopper(i, recency_days=i * 10, frequency=11 - i, money_cents=(11 - i) * 1000)
        for i in range(1, 11)
    ]
    # Bought most often of all, but not for almost three years.
    shoppers.append(Shopper(11, recency_days=1000, frequency=12, money_cents=500_00))
    assert rfm_members(shoppers, "champions") == [1, 2, 3, 4]
    assert rfm_members(shoppers, "at-risk") == [11]
    assert rfm_members(shoppers, "lost") == [10]
