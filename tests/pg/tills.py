"""What one till process does in the concurrency tests (importable by a spawned process)."""

from __future__ import annotations

from typing import Any

EARN_AMOUNT = 1000  # a sale of 10.00 earns 10 points
REDEEM_POINTS = 200  # a sale of exactly their value, paid with points: earns nothing


def checkout_till(url: str, card: str, till: int, rounds: int, barrier: Any, results: Any) -> None:
    """Alternately a sale that earns and one paid with points; reports what went through."""
    from app.domain.errors import NotEnoughPoints
    from app.i18n import set_language
    from app.services.checkout import checkout
    from app.services.context import Context
    from app.store.database import Database

    set_language("en_US")
    earned = redeemed = refused = 0
    error = ""
    db = Database(url)
    try:
        ctx = Context(db, actor=f"till-{till}", till=till)
        barrier.wait(timeout=60)
        for i in range(rounds):
            if i % 3 == 0:
                checkout(ctx, card, EARN_AMOUNT)
                earned += 1
            else:
                try:
                    checkout(ctx, card, REDEEM_POINTS, redeem_points=REDEEM_POINTS)
                    redeemed += 1
                except NotEnoughPoints:
                    refused += 1
    except Exception as exc:  # reported to the test, which fails with it
        error = f"{type(exc).__name__}: {exc}"
    finally:
        db.dispose()
        results.put((till, earned, redeemed, refused, error))


def enroll_till(url: str, till: int, count: int, barrier: Any, results: Any) -> None:
    """Enrolls ``count`` members as fast as it can; reports their card numbers."""
    from app.domain.profile import MemberDraft
    from app.i18n import set_language
    from app.services.context import Context
    from app.services.members import enroll_member
    from app.store.database import Database

    set_language("en_US")
    cards: list[str] = []
    error = ""
    db = Database(url)
    try:
        ctx = Context(db, actor=f"till-{till}", till=till)
        barrier.wait(timeout=60)
        for i in range(count):
            draft = MemberDraft(
                first_name="Till", last_name=f"Member {chr(65 + till)}{chr(97 + i)}"
            )
            cards.append(enroll_member(ctx, draft).card)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    finally:
        db.dispose()
        results.put((till, cards, error))


def replace_till(url: str, card: str, till: int, barrier: Any, results: Any) -> None:
    """Replaces ``card`` (a lost card reported at two tills at once); reports the outcome."""
    from app.domain.errors import CardBlocked
    from app.i18n import set_language
    from app.services.cards import replace_card
    from app.services.context import Context
    from app.store.database import Database

    set_language("en_US")
    outcome = ""
    db = Database(url)
    try:
        ctx = Context(db, actor=f"till-{till}", till=till)
        barrier.wait(timeout=60)
        outcome = "new " + replace_card(ctx, card).new_card
    except CardBlocked as exc:
        outcome = "refused " + exc.message
    except Exception as exc:
        outcome = f"error {type(exc).__name__}: {exc}"
    finally:
        db.dispose()
        results.put((till, outcome))
