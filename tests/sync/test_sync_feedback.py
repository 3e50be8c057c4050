"""Feedback travels through chain sync; an erasure at one shop anonymises it at the others."""

from __future__ import annotations

from collections.abc import Callable

from app.services.feedback import add_comment, record_feedback
from app.services.privacy import erase_member
from tests.sync.shops import Shop


def answers(shop: Shop) -> list[tuple[object, ...]]:
    return shop.query(
        "SELECT m.uuid, f.score, f.comment, f.store_code FROM feedback f "
        "LEFT JOIN member m ON m.id = f.member_id ORDER BY f.uuid"
    )


def test_a_score_and_its_comment_reach_the_other_shop(shops: Callable[[int], list[Shop]]) -> None:
    a, b = shops(2)
    anna = a.enroll("Anna", "Berg")
    sale = a.sale(anna.card, 20_00)
    view = record_feedback(a.ctx, anna.card, 5, sale_id=sale.sale_id)
    a.sync()
    b.sync()
    [(uuid, score, comment, store)] = answers(b)
    assert (score, comment, store) == (5, "", "001")
    assert uuid == a.query("SELECT uuid FROM member")[0][0]
    assert b.query("SELECT s.uuid FROM feedback f JOIN sale s ON s.id = f.sale_id") == a.query(
        "SELECT uuid FROM sale"
    )
    add_comment(a.ctx, view, "Zu voll")
    a.sync()
    b.sync()
    assert answers(b)[0][2] == "Zu voll"
    b.sync()  # again: nothing twice
    assert len(answers(b)) == 1


def test_erasure_at_one_shop_leaves_an_anonymous_score_everywhere(
    shops: Callable[[int], list[Shop]],
) -> None:
    a, b = shops(2)
    anna = a.enroll("Anna", "Berg")
    view = record_feedback(a.ctx, anna.card, 2)
    add_comment(a.ctx, view, "Unfreundlich, bitte Rückruf")
    a.sync()
    b.sync()
    assert answers(b)[0][1:3] == (2, "Unfreundlich, bitte Rückruf")
    b.tick()
    erase_member(b.ctx, anna.card)
    b.sync()
    a.sync()
    for shop in (a, b):
        assert answers(shop) == [(None, 2, "", "001")]
        payloads = shop.query("SELECT payload FROM sync_event WHERE kind LIKE 'feedback%'")
        assert all("Rückruf" not in p for (p,) in payloads)
