"""The audit screen: Ctrl+T and the palette open it; filters by person, kind, date, member."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Static

from app.domain.profile import MemberDraft
from app.services.adjustments import adjust_points
from app.services.checkout import checkout
from app.services.context import Context
from app.services.members import enroll_member
from app.services.views import MemberView
from app.tui.app import LoyaltyApp
from app.tui.counter import CounterScreen
from app.tui.screens.audit import AuditScreen
from tests.tui.conftest import settle

SIZE = (120, 30)


def kinds(screen: AuditScreen) -> list[str]:
    return [row.action for row in screen.rows]


def message(screen: AuditScreen) -> str:
    return str(screen.query_one("#audit-message", Static).render())


async def test_ctrl_t_lists_and_filters(ctx: Context, member: MemberView) -> None:
    checkout(ctx, member.card, 25_00)
    ctx.actor = "jonas"
    other = enroll_member(ctx, MemberDraft(first_name="Ben", last_name="Kurz"))
    ctx.approver = "maria"
    adjust_points(ctx, other.card, 5, "goodwill")
    ctx.actor, ctx.approver = "tester", None
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        assert kinds(screen) == ["points.adjust", "member.enroll", "sale.create", "member.enroll"]
        assert screen.query_one("#audit-table", DataTable).row_count == 4
        assert message(screen) == "4 rows"
        # Person (who did it or who allowed it), then kind, then the member's card.
        await pilot.press(*"maria", "enter")
        await settle(pilot)
        assert kinds(screen) == ["points.adjust"]
        await pilot.press("tab", *"member", "enter")
        await settle(pilot)
        assert kinds(screen) == []
        screen.query_one("#audit-staff", Input).value = ""
        screen.query_one("#audit-kind", Input).value = ""
        screen.query_one("#audit-member", Input).focus()
        await pilot.press(*member.card, "enter")
        await settle(pilot)
        assert kinds(screen) == ["sale.create", "member.enroll"]
        screen.query_one("#audit-from", Input).focus()
        await pilot.press(*"2026-13-01", "enter")
        await settle(pilot)
        assert "not a date" in message(screen)
        assert kinds(screen) == ["sale.create", "member.enroll"]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CounterScreen)


async def test_the_palette_opens_it(ctx: Context, member: MemberView) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"Audit trail")
        for _attempt in range(50):
            await pilot.press("enter")
            await settle(pilot)
            if isinstance(app.screen, AuditScreen):
                break
        assert isinstance(app.screen, AuditScreen)
        assert kinds(app.screen) == ["member.enroll"]
