"""Demo data: realistic members with a year of history, so a newcomer can scan at once."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from babel.numbers import format_percent
from sqlalchemy import func, select

from app.domain.coupons import Coupon
from app.domain.profile import MemberDraft, fold
from app.domain.roles import Role, StaffView
from app.domain.rules import max_redeemable
from app.i18n import _, current_locale, format_money
from app.services.checkout import checkout
from app.services.context import Context
from app.services.coupons import create_coupon
from app.services.member_desk import member_id_for_card
from app.services.members import enroll_member
from app.services.staff import add_staff, find_staff, has_staff
from app.services.stamps import add_program, add_stamp
from app.store.tables import CARD, MEMBER

FIRST_NAMES = (
    "Anna",
    "Lukas",
    "Sophie",
    "Jonas",
    "Marie",
    "Felix",
    "Laura",
    "Paul",
    "Lea",
    "Maximilian",
    "Hannah",
    "Leon",
    "Emma",
    "Elias",
    "Mia",
    "Noah",
    "Lena",
    "Ben",
    "Clara",
    "Finn",
    "Zoë",
    "José",
    "Chloé",
    "Jürgen",
    "Günther",
    "Özlem",
    "Renée",
    "Björn",
    "Ines",
    "Karl",
)
LAST_NAMES = (
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Yılmaz",
    "García",
    "Nowak",
    "Kowalski",
    "Dubois",
)
POSTCODES = ("10115", "20095", "50667", "60311", "70173", "80331", "01067", "04109", "28195")
MOBILE_PREFIXES = ("151", "152", "157", "160", "162", "170", "171", "172", "175", "176", "178")
DEMO_MEMBERS = 24
# Salutations that fit the demo first names (the rest are addressed as "Mr").
FEMININE = {
    "Anna",
    "Sophie",
    "Marie",
    "Laura",
    "Lea",
    "Hannah",
    "Emma",
    "Mia",
    "Lena",
    "Clara",
    "Zoë",
    "Chloé",
    "Özlem",
    "Renée",
    "Ines",
}


def _salutation(first: str, addressed: bool) -> str:
    if not addressed:
        return ""
    return "ms" if first in FEMININE else "mr"


def demo_profiles(count: int, rng: random.Random) -> list[MemberDraft]:
    drafts = []
    for i in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{fold(first)}.{fold(last)}{i}@example.org" if rng.random() < 0.8 else ""
        phone = f"+49 {rng.choice(MOBILE_PREFIXES)} {rng.randint(10000000, 99999999)}"
        drafts.append(
            MemberDraft(
                first_name=first,
                last_name=last,
                salutation=_salutation(first, rng.choice((True, True, True, False))),
                email=email,
                phone=phone if rng.random() < 0.7 else "",
                birthday=f"{rng.randint(1950, 2005)}-{rng.randint(1, 12):02d}-"
                f"{rng.randint(1, 28):02d}",
                postcode=rng.choice(POSTCODES),
                marketing_consent=rng.random() < 0.6,
            )
        )
    return drafts


def demo_cards(ctx: Context, limit: int = 5) -> list[tuple[str, str]]:
    """A few demo card numbers with the member's name, for the welcome text."""
    with ctx.db.reading() as session:
        rows = (
            session.connection()
            .execute(
                select(CARD.c.number, MEMBER.c.first_name, MEMBER.c.last_name)
                .join(MEMBER, MEMBER.c.id == CARD.c.member_id)
                .where(CARD.c.status == "active")
                .order_by(CARD.c.number)
                .limit(limit)
            )
            .all()
        )
    return [(r.number, f"{r.first_name} {r.last_name}") for r in rows]


def _clock_at(moment: datetime) -> Callable[[], datetime]:
    """A clock that stands still at ``moment``: the demo's history is written in the past."""
    return lambda: moment


def seed_demo(ctx: Context, *, members: int = DEMO_MEMBERS, seed: int = 7) -> list[tuple[str, str]]:
    """Fill an empty database with demo members and a year of sales; returns demo cards.

    A database that already has members is left alone.
    """
    with ctx.db.reading() as session:
        existing = session.connection().execute(select(func.count()).select_from(MEMBER)).scalar()
    if existing:
        return demo_cards(ctx)
    rng = random.Random(seed)
    today = ctx.now()
    for draft in demo_profiles(members, rng):
        joined = today - timedelta(days=rng.randint(30, 720))
        past = replace(ctx, clock=_clock_at(joined))
        member = enroll_member(past, draft)
        visits = sorted(
            joined + timedelta(days=rng.randint(1, max((today - joined).days - 1, 1)))
            for _ in range(rng.randint(0, 8))
        )
        balance = 0
        for when in visits:
            amount = rng.choice((450, 990, 1250, 1999, 2480, 3475, 5600, 8990))
            redeem = balance if balance >= 200 and rng.random() < 0.3 else 0
            redeem = min(redeem, max_redeemable(ctx.rules(), balance, amount))
            result = checkout(
                replace(ctx, clock=_clock_at(when)), member.card, amount, redeem_points=redeem
            )
            balance = result.points_balance
    _demo_program(ctx)
    return demo_cards(ctx)


DEMO_COUPON = "WELCOME10"
DEMO_COUPON_PERCENT = 10
DEMO_COUPON_MIN_CENTS = 10_00


def demo_coupon_hint(ctx: Context) -> str:
    """The demo coupon, for the newcomer: its code and what it gives."""
    return _("Coupon to try at a checkout: {code}, {percent} off from {amount}").format(
        code=DEMO_COUPON,
        percent=format_percent(DEMO_COUPON_PERCENT / 100, locale=current_locale()),
        amount=format_money(DEMO_COUPON_MIN_CENTS, ctx.rules().currency),
    )


def _demo_program(ctx: Context) -> None:
    """A coupon every member can use and a coffee stamp card, the first member's nearly full."""
    create_coupon(ctx, Coupon(code=DEMO_COUPON, kind="percent", value=10, min_spend_cents=10_00))
    program = add_program(ctx, _("Coffee"), 10, _("a free coffee"))
    first = demo_cards(ctx, limit=1)
    if first:
        member_id = member_id_for_card(ctx, first[0][0])
        for _stamp in range(9):  # F10 at the till fills it; the reward waits at the next sale
            add_stamp(ctx, member_id, program.program_id)


DEMO_STAFF: tuple[tuple[str, Role, str], ...] = (
    ("Olivia", Role.OWNER, "1111"),
    ("Max", Role.MANAGER, "2222"),
    ("Carla", Role.CASHIER, "3333"),
)
"""The demo's owner, manager and cashier with their PINs (a demo prints them; a shop never)."""
DEMO_CASHIER = "Carla"


def seed_demo_staff(ctx: Context) -> tuple[tuple[str, Role, str], ...]:
    """The demo's three staff accounts (added once; kept as they are after that)."""
    if not has_staff(ctx):
        for name, role, pin in DEMO_STAFF:
            add_staff(ctx, name, role, pin)
    return DEMO_STAFF


def demo_cashier(ctx: Context) -> StaffView:
    """The demo's cashier, whom the counter opens signed in as: a newcomer scans at once."""
    return find_staff(ctx, DEMO_CASHIER)
