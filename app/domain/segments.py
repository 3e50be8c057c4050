"""Member segments for newsletters and the desk: what ``--segment`` accepts, and RFM (pure).

A segment is written ``kind:value``:

- ``lapsed:DAYS``: no purchase in the last DAYS days (members who never bought count from
  their enrolment);
- ``new:DAYS``: enrolled in the last DAYS days;
- ``birthday:next-month``: birthday in the coming calendar month;
- ``tier:NAME``: in that tier now;
- ``top:N``: the N members with the highest spend of the last 12 months;
- ``rfm:champions|loyal|at-risk|lost``: by recency, frequency and money (see :func:`rfm_class`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.domain.errors import InvalidInput
from app.domain.text import quote_input
from app.i18n import _

KINDS = ("lapsed", "new", "birthday", "tier", "top", "rfm")
RFM_CLASSES = ("champions", "loyal", "at-risk", "lost")
MAX_DAYS = 36_600
MAX_TOP = 1_000_000


@dataclass(frozen=True)
class Segment:
    """A parsed segment: its kind and its value (days, a count, a tier or an RFM class)."""

    kind: str
    value: str
    number: int = 0

    @property
    def label(self) -> str:
        """As written: ``lapsed:90``; the newsletter layouts' tag."""
        return f"{self.kind}:{self.value}"


def looks_like_segment(text: str) -> bool:
    """True for ``kind:…`` with a known kind (the desk's filter field takes both)."""
    kind, colon, _rest = text.strip().partition(":")
    return bool(colon) and kind.strip().lower() in KINDS


def _whole(text: str, high: int, label: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= high:
        raise InvalidInput(
            _("{segment}: give a whole number from 1 to {high}").format(
                segment=quote_input(label), high=f"{high:,}"
            )
        )
    return int(text)


def parse_segment(text: str, tiers: tuple[str, ...] = ()) -> Segment:
    """``lapsed:90`` and the others as a :class:`Segment`, or InvalidInput saying what fits."""
    raw = text.strip()
    kind, colon, value = raw.partition(":")
    kind, value = kind.strip().lower(), value.strip()
    if not colon or kind not in KINDS:
        raise InvalidInput(
            _(
                "“{text}” is no segment: use lapsed:DAYS, new:DAYS, birthday:next-month, "
                "tier:NAME, top:N or rfm:champions|loyal|at-risk|lost"
            ).format(text=quote_input(raw))
        )
    if kind in ("lapsed", "new"):
        return Segment(kind, value, _whole(value, MAX_DAYS, raw))
    if kind == "top":
        return Segment(kind, value, _whole(value, MAX_TOP, raw))
    if kind == "birthday":
        if value.lower() != "next-month":
            raise InvalidInput(_("The birthday segment is birthday:next-month"))
        return Segment(kind, "next-month")
    if kind == "tier":
        for name in tiers:
            if name.casefold() == value.casefold():
                return Segment(kind, name)
        known = ", ".join(tiers) if tiers else _("none")
        raise InvalidInput(
            _("There is no tier “{name}” (tiers: {tiers})").format(
                name=quote_input(value), tiers=known
            )
        )
    if value.lower() not in RFM_CLASSES:
        raise InvalidInput(
            _("An RFM segment is one of rfm:champions, rfm:loyal, rfm:at-risk, rfm:lost")
        )
    return Segment(kind, value.lower())


@dataclass(frozen=True)
class Shopper:
    """A member's purchases for RFM: days since the last, how many and how much in 12 months."""

    member_id: int
    recency_days: int
    frequency: int
    money_cents: int


def quintiles(values: Mapping[int, int], *, higher_is_better: bool = True) -> dict[int, int]:
    """Scores 1–5 by percent rank: the worst value gets 1, the best 5, the rest in fifths
    between; equal values get the same score (so does a population of one: 1)."""
    ordered = sorted(values.values(), reverse=not higher_is_better)
    total = len(ordered)
    score_of: dict[int, int] = {}
    for position, value in enumerate(ordered):
        if value not in score_of:
            # ``position`` members have a worse value than this one.
            rank = position / (total - 1) if total > 1 else 0.0
            score_of[value] = 1 + min(4, int(5 * rank))
    return {key: score_of[value] for key, value in values.items()}


def rfm_class(recency: int, frequency: int, money: int) -> str | None:
    """The class of a member's R, F and M scores (1–5, 5 best), or None (in between).

    champions: R ≥ 4, F ≥ 4 and M ≥ 4; loyal: F ≥ 4 and R ≥ 3 (not champions);
    at-risk: R ≤ 2 and F ≥ 3 (bought often, not lately); lost: R = 1 and F ≤ 2.
    """
    if recency >= 4 and frequency >= 4 and money >= 4:
        return "champions"
    if frequency >= 4 and recency >= 3:
        return "loyal"
    if recency <= 2 and frequency >= 3:
        return "at-risk"
    if recency == 1 and frequency <= 2:
        return "lost"
    return None


def rfm_members(shoppers: list[Shopper], wanted: str) -> list[int]:
    """The ids of the shoppers in RFM class ``wanted``, scored among all of them."""
    r = quintiles({s.member_id: s.recency_days for s in shoppers}, higher_is_better=False)
    f = quintiles({s.member_id: s.frequency for s in shoppers})
    m = quintiles({s.member_id: s.money_cents for s in shoppers})
    return [
        s.member_id
        for s in shoppers
        if rfm_class(r[s.member_id], f[s.member_id], m[s.member_id]) == wanted
    ]
