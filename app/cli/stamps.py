"""`loyalty stamps`: stamp card programs (buy 9, the 10th is free) and members' stamp cards."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from app.cli.common import Subcommands, add_command, add_group, emit, open_context
from app.i18n import _

if TYPE_CHECKING:
    from app.domain.stamps import StampCard
    from app.services.stamps import ProgramView


def register(subcommands: Subcommands) -> None:
    """`loyalty stamps add|list|remove|give|reward|card`."""
    stsub = add_group(subcommands, "stamps", _("stamp card programs (buy 9, the 10th is free)"))
    p = add_command(stsub, "add", cmd_stamps_add, _("start a stamp program"))
    p.add_argument("name", metavar="NAME", help=_("e.g. Coffee"))
    p.add_argument("--stamps", type=int, required=True, help=_("stamps for a full card"))
    p.add_argument("--reward", required=True, help=_("what a full card gives"))
    add_command(stsub, "list", cmd_stamps_list, _("list the stamp programs"))
    p = add_command(stsub, "remove", cmd_stamps_remove, _("end a stamp program"))
    p.add_argument("name", metavar="NAME")
    p = add_command(stsub, "give", cmd_stamps_give, _("one stamp on a member's card"))
    p.add_argument("card", metavar="CARD")
    p.add_argument("--program", metavar="NAME", help=_("needed when there are several programs"))
    p = add_command(
        stsub, "reward", cmd_stamps_reward, _("give a full card's reward without a purchase")
    )
    p.add_argument("card", metavar="CARD")
    p.add_argument("--program", metavar="NAME", help=_("needed when several cards are full"))
    p = add_command(stsub, "card", cmd_stamps_card, _("a member's stamp cards"))
    p.add_argument("card", metavar="CARD")


def _program_line(program: ProgramView) -> str:
    return _("{name}: {stamps} stamps give {reward}").format(
        name=program.name, stamps=program.stamps, reward=program.reward
    )


def cmd_stamps_add(args: argparse.Namespace) -> int:
    from app.services.stamps import add_program

    program = add_program(open_context(args), args.name, args.stamps, args.reward)
    line = _("Stamp program added: {line}").format(line=_program_line(program))
    emit(args, program.to_json(), [line])
    return 0


def cmd_stamps_list(args: argparse.Namespace) -> int:
    from app.services.stamps import list_programs

    programs = list_programs(open_context(args))
    lines = [_program_line(p) for p in programs] or [_("No stamp programs yet")]
    emit(args, {"programs": [p.to_json() for p in programs]}, lines)
    return 0


def cmd_stamps_remove(args: argparse.Namespace) -> int:
    from app.services.stamps import remove_program

    program = remove_program(open_context(args), args.name)
    line = _("Stamp program {name} removed; the stamps given stay in the history").format(
        name=program.name
    )
    emit(args, program.to_json(), [line])
    return 0


def cmd_stamps_give(args: argparse.Namespace) -> int:
    from app.services.stamps import stamp_by_card

    card = stamp_by_card(open_context(args), args.card, args.program)
    line = _("Stamp added: {card}").format(card=card.label)
    emit(args, _stamp_card_json(card), [line])
    return 0


def cmd_stamps_reward(args: argparse.Namespace) -> int:
    from app.services.stamps import reward_by_card

    cards = reward_by_card(open_context(args), args.card, args.program)
    rewards = [{"program": card.name, "reward": card.reward} for card in cards]
    emit(args, {"rewards": rewards}, [card.reward_given for card in cards])
    return 0


def cmd_stamps_card(args: argparse.Namespace) -> int:
    from app.services.stamps import member_stamp_cards

    cards = member_stamp_cards(open_context(args), args.card)
    lines = [c.label for c in cards] or [_("No stamp programs yet")]
    emit(args, {"cards": [_stamp_card_json(c) for c in cards]}, lines)
    return 0


def _stamp_card_json(card: StampCard) -> dict[str, Any]:
    return {
        "program": card.name,
        "stamps": min(card.stamps, card.stamps_needed),
        "needed": card.stamps_needed,
        "reward": card.reward,
        "full": card.full,
    }
