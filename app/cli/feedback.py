"""`loyalty feedback`: a customer's answer to "How likely are you to recommend us?"."""

from __future__ import annotations

import argparse

from app.cli.common import Subcommands, add_command, card_arg, emit, open_context, record_number
from app.i18n import _


def _score(text: str) -> int:
    from app.domain.errors import InvalidInput
    from app.domain.feedback import parse_score

    try:
        return parse_score(text)
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def register(subcommands: Subcommands) -> None:
    """`loyalty feedback CARD --score N [--comment TEXT] [--sale ID]`."""
    p = add_command(
        subcommands,
        "feedback",
        cmd_feedback,
        _("record a customer's score 0–10 (would they recommend us?) and a comment"),
    )
    card_arg(p)
    p.add_argument("--score", type=_score, required=True, metavar="N", help=_("0 to 10"))
    p.add_argument("--comment", metavar="TEXT", help=_("what the customer said (optional)"))
    p.add_argument(
        "--sale",
        type=record_number(lambda: _("There is no sale number {id}")),
        metavar="ID",
        help=_("the sale the answer belongs to"),
    )


def cmd_feedback(args: argparse.Namespace) -> int:
    from app.services.feedback import record_feedback

    view = record_feedback(
        open_context(args), args.card, args.score, args.comment, sale_id=args.sale
    )
    emit(
        args,
        view.to_json(),
        [_("Feedback recorded: {score} for card {card}").format(score=view.score, card=view.card)],
    )
    return 0
