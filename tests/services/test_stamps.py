"""Stamp cards through the services: programs, stamps as rows, the reward given with a sale."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.services.checkout import checkout
from app.services.context import Context
from app.services.stamps import (
    StampRefused,
    add_program,
    add_stamp,
    list_programs,
    remove_program,
    stamp_cards,
)
from app.services.views import MemberView
from tests.services.dbstate import connect


def rows(path: Path | str, sql: str) -> list[tuple[object, ...]]:
    conn = connect(path)
    try:
        return list(conn.execute(sql).fetchall())
    finally:
        conn.close()


def test_stamps_are_rows_with_member_program_actor_and_till(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    coffee = add_program(ctx, "Coffee", 3, "a free coffee")
    card = add_stamp(ctx, member.member_id)
    assert (card.name, card.stamps, card.full, card.label) == ("Coffee", 1, False, "Coffee 1/3")
    assert rows(
        db_path, "SELECT program_id, member_id, kind, sale_id, actor, store_code, till FROM stamp"
    ) == [(coffee.program_id, member.member_id, "stamp", None, "tester", "001", 1)]


def test_a_full_card_is_refused_more_stamps_and_its_reward_restarts_it(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    coffee = add_program(ctx, "Coffee", 2, "a free coffee")
    add_stamp(ctx, member.member_id)
    full = add_stamp(ctx, member.member_id)
    assert full.full and full.label == "Coffee 2/2: reward due (a free coffee)"
    with pytest.raises(StampRefused, match="full: give the reward"):
        add_stamp(ctx, member.member_id)
    sale = checkout(ctx, member.card, 500, stamp_rewards=[coffee.program_id])
    assert [a.label for a in sale.applied] == ["base", "a free coffee (Coffee card)"]
    assert [c.stamps for c in stamp_cards(ctx, member.member_id)] == [0]
    assert rows(db_path, "SELECT kind, sale_id FROM stamp ORDER BY id")[-1] == (
        "reward",
        sale.sale_id,
    )
    add_stamp(ctx, member.member_id)
    assert [c.stamps for c in stamp_cards(ctx, member.member_id)] == [1]


def test_the_reward_of_a_card_not_full_refuses_the_sale(
    ctx: Context, member: MemberView, db_path: Path
) -> None:
    coffee = add_program(ctx, "Coffee", 2, "a free coffee")
    add_stamp(ctx, member.member_id)
    with pytest.raises(StampRefused, match="not full yet"):
        checkout(ctx, member.card, 500, stamp_rewards=[coffee.program_id])
    assert rows(db_path, "SELECT COUNT(*) FROM sale") == [(0,)]


def test_several_programs_need_a_choice_removed_ones_take_no_stamps(
    ctx: Context, member: MemberView
) -> None:
    with pytest.raises(StampRefused, match="no stamp program yet"):
        add_stamp(ctx, member.member_id)
    coffee = add_program(ctx, "Coffee", 10, "a free coffee")
    bread = add_program(ctx, "Bread", 5, "a free loaf")
    with pytest.raises(StampRefused, match="Choose the stamp program"):
        add_stamp(ctx, member.member_id)
    assert add_stamp(ctx, member.member_id, bread.program_id).stamps == 1
    remove_program(ctx, "coffee")
    assert [p.name for p in list_programs(ctx)] == ["Bread"]
    with pytest.raises(StampRefused, match="removed"):
        add_stamp(ctx, member.member_id, coffee.program_id)
    assert [(c.name, c.stamps) for c in stamp_cards(ctx, member.member_id)] == [("Bread", 1)]
    # With one program left, no choice is needed.
    assert add_stamp(ctx, member.member_id).stamps == 2
