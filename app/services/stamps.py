"""Stamp cards: the owner's named programs, a stamp per purchase, the reward when full."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from app.domain.errors import InvalidInput, LoyaltyError
from app.domain.rules import AppliedRule
from app.domain.stamps import StampCard, check_program
from app.domain.text import quote_input
from app.i18n import _
from app.services.audit import record
from app.services.context import Context
from app.store.models import new_uuid
from app.store.tables import MEMBER
from app.store.tables import STAMP as _STAMP
from app.store.tables import STAMP_PROGRAM as _PROGRAM
from app.store.writes import inserted_id
from app.sync import events


class StampRefused(LoyaltyError):
    """A stamp or reward that cannot be given; the message says why."""


@dataclass(frozen=True)
class ProgramView:
    """One stamp program as the owner set it up."""

    program_id: int
    name: str
    stamps: int
    reward: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _programs(conn: Connection) -> list[ProgramView]:
    rows = conn.execute(
        select(_PROGRAM.c.id, _PROGRAM.c.name, _PROGRAM.c.stamps_needed, _PROGRAM.c.reward)
        .where(_PROGRAM.c.active.is_(True))
        .order_by(_PROGRAM.c.name)
    ).all()
    return [ProgramView(row.id, row.name, row.stamps_needed, row.reward) for row in rows]


def list_programs(ctx: Context) -> list[ProgramView]:
    """The active stamp programs, by name."""
    with ctx.db.reading() as session:
        return _programs(session.connection())


def _find(programs: list[ProgramView], name: str) -> ProgramView | None:
    wanted = name.strip().casefold()
    return next((p for p in programs if p.name.casefold() == wanted), None)


def add_program(ctx: Context, name: str, stamps: int, reward: str) -> ProgramView:
    """Start a stamp program ("Coffee", 10 stamps, "a free coffee")."""
    name, stamps, reward = check_program(name, stamps, reward)
    now = ctx.now()
    with ctx.db.transaction() as session:
        conn = session.connection()
        if _find(_programs(conn), name) is not None:
            raise InvalidInput(_("A stamp program {name} exists already").format(name=name))
        inserted = conn.execute(
            insert(_PROGRAM),
            {
                "uuid": new_uuid(),
                "name": name,
                "stamps_needed": stamps,
                "reward": reward,
                "active": True,
                "created_at": now,
            },
        )
        program_id = inserted_id(inserted)
        record(session, ctx, "stamps.add", "stamp_program", program_id, name=name, stamps=stamps)
        events.stamp_program_changed(session, ctx, program_id)
    return ProgramView(program_id, name, stamps, reward)


def remove_program(ctx: Context, name: str) -> ProgramView:
    """End a program: no more stamps; the stamps given stay in the history."""
    with ctx.db.transaction() as session:
        conn = session.connection()
        found = _find(_programs(conn), name)
        if found is None:
            raise InvalidInput(_("There is no stamp program {name}").format(name=quote_input(name)))
        conn.execute(
            update(_PROGRAM)
            .where(_PROGRAM.c.id == found.program_id)
            .values(active=False, removed_at=ctx.now())
        )
        record(session, ctx, "stamps.remove", "stamp_program", found.program_id, name=found.name)
        events.stamp_program_changed(session, ctx, found.program_id)
    return found


def _cards(conn: Connection, member_id: int, programs: list[ProgramView]) -> list[StampCard]:
    cards = []
    for program in programs:
        # The card restarts after each reward: count the stamps since the last one.
        last_reward = conn.execute(
            select(func.max(_STAMP.c.id)).where(
                _STAMP.c.member_id == member_id,
                _STAMP.c.program_id == program.program_id,
                _STAMP.c.kind == "reward",
            )
        ).scalar()
        count = conn.execute(
            select(func.count())
            .select_from(_STAMP)
            .where(
                _STAMP.c.member_id == member_id,
                _STAMP.c.program_id == program.program_id,
                _STAMP.c.kind == "stamp",
                _STAMP.c.id > (last_reward or 0),
            )
        ).scalar_one()
        cards.append(
            StampCard(program.program_id, program.name, program.stamps, program.reward, count)
        )
    return cards


def stamp_cards(ctx: Context, member_id: int) -> list[StampCard]:
    """The member's card in every active program (also the empty ones)."""
    with ctx.db.reading() as session:
        conn = session.connection()
        return _cards(conn, member_id, _programs(conn))


def _row(
    ctx: Context, member_id: int, program_id: int, kind: str, sale_id: int | None
) -> dict[str, Any]:
    return {
        "uuid": new_uuid(),
        "program_id": program_id,
        "member_id": member_id,
        "kind": kind,
        "sale_id": sale_id,
        "actor": ctx.actor,
        "store_code": ctx.store_code,
        "till": ctx.till,
        "created_at": ctx.now(),
    }


def add_stamp(ctx: Context, member_id: int, program_id: int | None = None) -> StampCard:
    """One stamp on the member's card; ``program_id`` is needed when there are several."""
    with ctx.db.transaction() as session:
        conn = session.connection()
        # One stamp at a time per member: two tills must not both put the 11th on a 10-card.
        conn.execute(select(MEMBER.c.id).where(MEMBER.c.id == member_id).with_for_update()).first()
        programs = _programs(conn)
        if not programs:
            raise StampRefused(
                _("There is no stamp program yet: add one with “loyalty stamps add”")
            )
        if program_id is None:
            if len(programs) > 1:
                raise StampRefused(_("Choose the stamp program"))
            program_id = programs[0].program_id
        chosen = [p for p in programs if p.program_id == program_id]
        if not chosen:
            raise StampRefused(_("That stamp program was removed"))
        (card,) = _cards(conn, member_id, chosen)
        if card.full:
            raise StampRefused(
                _("The {name} card is full: give the reward ({reward}) first").format(
                    name=card.name, reward=card.reward
                )
            )
        given = conn.execute(insert(_STAMP), _row(ctx, member_id, program_id, "stamp", None))
        record(session, ctx, "stamp.add", "member", member_id, program=card.name)
        events.stamps_given(session, ctx, [inserted_id(given)])
    return StampCard(card.program_id, card.name, card.stamps_needed, card.reward, card.stamps + 1)


def stamp_by_card(ctx: Context, card: str, program: str | None = None) -> StampCard:
    """One stamp for the member of ``card`` (away from the till: the owner, a script)."""
    from app.services.member_desk import member_id_for_card  # it imports this module's users

    member_id = member_id_for_card(ctx, card)
    program_id = None
    if program is not None:
        found = _find(list_programs(ctx), program)
        if found is None:
            raise StampRefused(_("There is no stamp program {name}").format(name=program))
        program_id = found.program_id
    return add_stamp(ctx, member_id, program_id)


def member_stamp_cards(ctx: Context, card: str) -> list[StampCard]:
    """The stamp cards of the member of ``card``, in every active program."""
    from app.services.member_desk import member_id_for_card

    return stamp_cards(ctx, member_id_for_card(ctx, card, usable=False))


def give_reward_alone(
    ctx: Context, member_id: int, program_ids: Sequence[int] | None = None
) -> list[StampCard]:
    """The rewards of full cards given without a purchase (recorded with no sale); each card
    starts again. ``program_ids`` None: the one full card (several: the cashier chooses)."""
    with ctx.db.transaction() as session:
        conn = session.connection()
        # Under the member's lock, like a stamp: two tills must not both give the reward.
        conn.execute(select(MEMBER.c.id).where(MEMBER.c.id == member_id).with_for_update()).first()
        full = [card for card in _cards(conn, member_id, _programs(conn)) if card.full]
        if program_ids is None:
            if not full:
                raise StampRefused(_("No stamp card is full yet"))
            if len(full) > 1:
                raise StampRefused(_("Choose the stamp program"))
            chosen = full
        else:
            chosen = [card for card in full if card.program_id in set(program_ids)]
            if len(chosen) != len(set(program_ids)):
                raise StampRefused(_("That stamp card is not full (or its program was removed)"))
        ids = [
            inserted_id(
                conn.execute(insert(_STAMP), _row(ctx, member_id, card.program_id, "reward", None))
            )
            for card in chosen
        ]
        for card in chosen:
            record(session, ctx, "stamp.reward", "member", member_id, program=card.name)
        events.stamps_given(session, ctx, ids)
    return chosen


def reward_by_card(ctx: Context, card: str, program: str | None = None) -> list[StampCard]:
    """The full card's reward for the member of ``card``, without a purchase (CLI, scripts)."""
    from app.services.member_desk import member_id_for_card

    member_id = member_id_for_card(ctx, card)
    if program is None:
        return give_reward_alone(ctx, member_id)
    found = _find(list_programs(ctx), program)
    if found is None:
        raise StampRefused(_("There is no stamp program {name}").format(name=program))
    return give_reward_alone(ctx, member_id, [found.program_id])


def give_rewards(
    ctx: Context, conn: Connection, member_id: int, program_ids: list[int], sale_id: int
) -> list[StampCard]:
    """In the checkout's transaction: the rewards of full cards; each card starts again."""
    if not program_ids:
        # Every sale passes here: no query when no reward is given.
        return []
    programs = [p for p in _programs(conn) if p.program_id in program_ids]
    given = []
    for card in _cards(conn, member_id, programs):
        if not card.full:
            raise StampRefused(_("The {name} card is not full yet").format(name=card.name))
        conn.execute(insert(_STAMP), _row(ctx, member_id, card.program_id, "reward", sale_id))
        given.append(card)
    if len(given) != len(set(program_ids)):
        raise StampRefused(_("That stamp program was removed"))
    return given


def reward_rule(card: StampCard) -> AppliedRule:
    """The reward as the till and the receipt list it: ``free coffee (Coffee card)``."""
    return AppliedRule(
        code="stamps",
        label=_("{reward} ({name} card)").format(reward=card.reward, name=card.name),
    )
