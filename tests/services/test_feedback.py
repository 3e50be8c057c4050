"""Feedback: scores and comments, NPS, the detractors to call back, sync and erasure."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.domain.errors import CardNotFound, InvalidInput
from app.domain.feedback import nps, parse_comment, parse_score
from app.domain.profile import MemberDraft
from app.domain.report import Period
from app.services.checkout import checkout
from app.services.context import Context
from app.services.feedback import add_comment, detractors, record_feedback
from app.services.member_offers import member_offers
from app.services.members import enroll_member
from app.services.privacy import erase_member
from app.services.reports import report_summary
from app.services.views import MemberView
from app.store.tables import FEEDBACK, SYNC_EVENT
from tests.conftest import Clock

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


@pytest.mark.parametrize(
    ("promoters", "detractors_", "responses", "expected"),
    [
        (0, 0, 0, None),
        (1, 0, 1, 100),
        (0, 1, 1, -100),
        (3, 1, 6, 33),  # 33.3
        (1, 0, 8, 13),  # 12.5 rounds half away from zero
        (0, 1, 8, -13),
        (5, 5, 10, 0),
    ],
)
def test_nps_is_promoters_minus_detractors_in_whole_percent(
    promoters: int, detractors_: int, responses: int, expected: int | None
) -> None:
    assert nps(promoters, detractors_, responses) == expected


@pytest.mark.parametrize("text", ["11", "-1", "", "4.5", "ten", "007"])
def test_a_score_is_0_to_10(text: str) -> None:
    with pytest.raises(InvalidInput, match="no score"):
        parse_score(text)


def test_scores_and_comments() -> None:
    assert [parse_score(t) for t in ("0", " 7 ", "10")] == [0, 7, 10]
    assert parse_comment("  ok  ") == "ok"
    with pytest.raises(InvalidInput, match="at most 500"):
        parse_comment("x" * 501)
    with pytest.raises(InvalidInput, match="control character"):
        parse_comment("bad\x1b[31m")


def people(ctx: Context, count: int) -> list[MemberView]:
    return [
        enroll_member(
            ctx,
            MemberDraft(
                first_name="Person" + "ABCDEFGH"[i], last_name="Test", phone=f"0171 555 {i:04}"
            ),
        )
        for i in range(count)
    ]


def test_the_summarys_nps_and_the_detractors_of_the_period(ctx: Context, clock: Clock) -> None:
    clock.now = datetime(2026, 11, 10, 12, tzinfo=UTC)
    members = people(ctx, 6)
    sale = checkout(ctx, members[0].card, 10_00)
    scores = [10, 9, 8, 6, 0, 10]
    for member, score in zip(members, scores, strict=True):
        clock.now = clock.now.replace(minute=clock.now.minute + 1)
        record_feedback(
            ctx,
            member.card,
            score,
            "Warten zu lang" if score == 0 else None,
            sale_id=sale.sale_id if member is members[0] else None,
        )
    clock.now = datetime(2026, 12, 2, 12, tzinfo=UTC)  # not November's
    record_feedback(ctx, members[1].card, 0)
    summary = report_summary(ctx, NOVEMBER).summary
    # 3 promoters, 2 detractors of 6: 16.7 -> 17
    assert (summary.nps, summary.nps_responses) == (17, 6)
    found = detractors(ctx, NOVEMBER)
    assert [(d.card, d.score, d.comment) for d in found] == [
        (members[4].card, 0, "Warten zu lang"),
        (members[3].card, 6, ""),
    ]
    assert found[0].name == "PersonE Test" and found[0].phone
    assert report_summary(ctx, Period(date(2026, 10, 1), date(2026, 10, 31))).summary.nps is None


def test_a_sale_of_another_member_or_an_unknown_card_changes_nothing(
    ctx: Context, member: MemberView
) -> None:
    other = enroll_member(ctx, MemberDraft(first_name="Max", last_name="Roth"))
    sale = checkout(ctx, other.card, 5_00)
    with pytest.raises(InvalidInput, match="not this member's"):
        record_feedback(ctx, member.card, 9, sale_id=sale.sale_id)
    with pytest.raises(CardNotFound):
        record_feedback(ctx, "2900100000000", 9)
    with ctx.db.reading() as session:
        assert session.connection().execute(FEEDBACK.select()).all() == []


def test_erasure_keeps_the_score_and_drops_the_comment_and_the_link(
    ctx: Context, member: MemberView
) -> None:
    view = record_feedback(ctx, member.card, 3)
    add_comment(ctx, view, "Der Kaffee war kalt, ruft mich an: 0171 9999")
    assert member_offers(ctx, member.member_id).feedback is not None
    erase_member(ctx, member.card)
    with ctx.db.reading() as session:
        conn = session.connection()
        rows = conn.execute(
            FEEDBACK.select().with_only_columns(
                FEEDBACK.c.member_id, FEEDBACK.c.score, FEEDBACK.c.comment
            )
        ).all()
        payloads = (
            conn.execute(
                SYNC_EVENT.select()
                .with_only_columns(SYNC_EVENT.c.payload)
                .where(SYNC_EVENT.c.kind.in_(("feedback", "feedback_comment")))
            )
            .scalars()
            .all()
        )
    assert [tuple(r) for r in rows] == [(None, 3, "")]
    assert len(payloads) == 2
    assert all("Kaffee" not in p and '"member":null' in p for p in payloads)
