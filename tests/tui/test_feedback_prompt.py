"""Feedback at the till: the question after every n-th sale, a score and a comment typed in the
scan field, Esc skips, and the next customer's scan closes it and is never held up."""

from __future__ import annotations

from sqlalchemy import select

from app.services.context import Context
from app.services.settings import write_setting
from app.services.views import MemberView
from app.store.tables import FEEDBACK
from app.tui.app import LoyaltyApp
from app.tui.widgets.feedback_prompt import FeedbackPrompt
from tests.tui.conftest import burst, confirm, scan, settle, text_of, type_text

SIZE = (80, 24)


def every(ctx: Context, n: int) -> None:
    write_setting(ctx.db, "feedback.every_n_sales", str(n), ctx.now())
    ctx.forget_settings()


def answers(ctx: Context) -> list[tuple[int | None, int, str]]:
    with ctx.db.reading() as session:
        rows = session.connection().execute(
            select(FEEDBACK.c.member_id, FEEDBACK.c.score, FEEDBACK.c.comment).order_by(
                FEEDBACK.c.id
            )
        )
        return [(r.member_id, r.score, r.comment) for r in rows]


def prompt(app: LoyaltyApp) -> FeedbackPrompt:
    return app.screen.query_one(FeedbackPrompt)


async def sell(pilot, card: str, amount: str = "12") -> None:  # type: ignore[no-untyped-def]
    await scan(pilot, card)
    await type_text(pilot, amount)
    await confirm(pilot)


async def test_a_score_and_a_comment_are_recorded_and_shown_on_the_member_panel(
    ctx: Context, member: MemberView
) -> None:
    every(ctx, 1)
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await sell(pilot, member.card)
        assert prompt(app).display
        assert "Anna, how likely are you to recommend us? 0–10" in str(prompt(app).content)
        assert app.screen.query_one("#scan").has_focus
        await burst(pilot, "4", "enter")
        assert "Thank you (4/10)! A comment?" in str(prompt(app).content)
        await burst(pilot, *"Zu lange gewartet", "enter")
        assert not prompt(app).display
        assert "Thank you for the feedback" in text_of(app, "#message")
        assert answers(ctx) == [(member.member_id, 4, "Zu lange gewartet")]
        # Scanned again: the member panel shows the last score.
        await scan(pilot, member.card)
        await settle(pilot)
        assert "Last feedback: 4/10" in text_of(app, "#member-coupons")


async def test_the_next_customers_scan_closes_the_question_and_loads_at_once(
    ctx: Context, member: MemberView, other_member: MemberView
) -> None:
    every(ctx, 1)
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await sell(pilot, member.card)
        assert prompt(app).stage == "score"
        await burst(pilot, *other_member.card, "enter")
        assert not prompt(app).display
        assert app.screen.member is not None and app.screen.member.first_name == "Jonas"
        assert answers(ctx) == []
        # During the comment question too: the score stays, the card loads.
        await type_text(pilot, "20")
        await confirm(pilot)
        await burst(pilot, "1", "0", "enter")
        assert prompt(app).stage == "comment"
        await burst(pilot, *member.card, "enter")
        assert app.screen.member is not None and app.screen.member.first_name == "Anna"
        assert answers(ctx) == [(other_member.member_id, 10, "")]


async def test_esc_skips_and_every_second_sale_asks(ctx: Context, member: MemberView) -> None:
    every(ctx, 2)
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await sell(pilot, member.card)
        assert not prompt(app).display
        await sell(pilot, member.card)
        assert prompt(app).display
        await pilot.press("escape")
        await settle(pilot)
        assert not prompt(app).display
        assert app.screen.member is not None  # Esc skipped the question only
        assert answers(ctx) == []


async def test_off_by_default(ctx: Context, member: MemberView) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await sell(pilot, member.card)
        assert not prompt(app).display
