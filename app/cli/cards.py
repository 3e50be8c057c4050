"""`loyalty card`: print member cards, replace a lost card."""

from __future__ import annotations

import argparse

from app.cli.common import (
    CliError,
    Subcommands,
    add_command,
    add_group,
    card_arg,
    emit,
    open_context,
    whole_number,
)
from app.domain.numbers import MAX_COUNT
from app.i18n import _, ngettext


def register(subcommands: Subcommands) -> None:
    """`loyalty card print|replace`."""
    csub = add_group(subcommands, "card", _("print member cards, replace a lost card"))
    p = add_command(
        csub, "print", cmd_card_print, _("print a member card to a file or the receipt printer")
    )
    p.add_argument("card", nargs="?", metavar="CARD", help=_("13-digit card number"))
    p.add_argument("--all-new", action="store_true", help=_("every card that was never printed"))
    p.add_argument(
        "--limit",
        type=whole_number(1, MAX_COUNT),
        metavar="N",
        help=_("with --all-new: only the first N cards"),
    )
    # No default here: a card with neither --format nor --out goes where F7 sends it.
    p.add_argument(
        "--format",
        metavar="png|svg|pdf|escpos",
        help=_("file format, or escpos for a receipt printer (default: pdf)"),
    )
    p.add_argument(
        "--out",
        metavar="FILE",
        help=_("file to write (a folder for --all-new as png or svg); escpos without it prints"),
    )
    p = add_command(
        csub, "replace", cmd_card_replace, _("give a member a new card number (lost card)")
    )
    card_arg(p)


def cmd_card_print(args: argparse.Namespace) -> int:
    from app.services.cards import print_card, print_new_cards, print_or_save_card

    if args.all_new == bool(args.card):
        raise CliError(_("Give a card number, or --all-new for every card not printed yet"))
    ctx = open_context(args)
    fmt = args.format or "pdf"
    if args.all_new:
        result = print_new_cards(ctx, fmt, args.out, limit=args.limit)
    elif args.format is None and args.out is None:
        # Like F7 at the counter: the receipt printer, or without one a PDF in the data folder.
        result = print_or_save_card(ctx, args.card)
    else:
        result = print_card(ctx, args.card, fmt, args.out)
    if not result.cards:
        lines = [_("No cards waiting to be printed")]
    elif result.no_printer:
        lines = [
            _("No receipt printer is set up: card saved as {path}").format(path=result.destination)
        ]
    elif len(result.cards) == 1:
        lines = [
            _("Printed card {card} ({format}) to {destination}").format(
                card=result.cards[0], format=result.format, destination=result.destination
            )
        ]
    else:
        lines = [
            ngettext(
                "Printed {count} card ({format}) to {destination}",
                "Printed {count} cards ({format}) to {destination}",
                len(result.cards),
            ).format(count=len(result.cards), format=result.format, destination=result.destination)
        ]
    emit(args, result.to_json(), lines)
    return 0


def cmd_card_replace(args: argparse.Namespace) -> int:
    from app.services.cards import replace_card

    result = replace_card(open_context(args), args.card)
    lines = [
        _("Card {old} replaced by card {new}").format(old=result.old_card, new=result.new_card),
        _("The old card is blocked; points and history stay with the member."),
    ]
    emit(args, result.to_json(), lines)
    return 0
