"""What every command module shares: the parser class, registering a command, the output,
opening the database, the card and amount arguments, and the exit codes."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TypeAlias

from app.domain.errors import LoyaltyError
from app.i18n import _

if TYPE_CHECKING:
    from app.services.context import Context

EXIT_ERROR = 1
EXIT_CHECK_FAILED = 2

Handler: TypeAlias = Callable[[argparse.Namespace], int]
"""A command: takes the parsed arguments, returns the exit code."""


class CliError(LoyaltyError):
    """A usage problem found by the CLI itself."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, like every other error."""

    def error(self, message: str) -> NoReturn:
        # One line, like every other error: scripts read stderr line by line.
        message = _quote_argparse_input(message)
        print(
            _("{prog}: {message} (see {prog} --help)").format(prog=self.prog, message=message),
            file=sys.stderr,
        )
        raise SystemExit(EXIT_ERROR)


def _quote_argparse_input(message: str) -> str:
    """Argparse's message with the input it quotes ('…') cut like every other message's."""
    import re

    from app.domain.text import QUOTE_MAX, quote_input

    message = re.sub(r"'([^']*)'", lambda m: f"'{quote_input(m.group(1))}'", message)
    # "unrecognized arguments: a b c …" quotes nothing: the whole list is cut instead.
    return message if len(message) <= 4 * QUOTE_MAX else message[: 4 * QUOTE_MAX] + "…"


Subcommands: TypeAlias = "argparse._SubParsersAction[Parser]"
"""Where a command group adds its commands (the result of ``add_subparsers``)."""


def database_options(*, suppress: bool) -> Parser:
    """``--db`` and ``--json``, as a parent parser for the top level and every command.

    Commands repeat them so they may come before or after the command name; their copies
    (``suppress``) default to SUPPRESS so they never overwrite a value given earlier.
    """
    opts = Parser(add_help=False)
    opts.add_argument(
        "--db",
        default=argparse.SUPPRESS if suppress else None,
        help=_("database file or URL (default: $LOYALTY_DB or the user data folder)"),
    )
    opts.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help=_("print one JSON object"),
    )
    return opts


def add_command(subcommands: Subcommands, name: str, handler: Handler, help_text: str) -> Parser:
    """A command that runs ``handler``, with ``--db`` and ``--json``; returns its parser."""
    parser = subcommands.add_parser(
        name, parents=[database_options(suppress=True)], help=help_text, description=help_text
    )
    parser.set_defaults(func=handler)
    return parser


def add_group(subcommands: Subcommands, name: str, help_text: str) -> Subcommands:
    """A command made of sub-commands (``loyalty member add``); one of them is required."""
    group = subcommands.add_parser(name, help=help_text)
    return group.add_subparsers(dest=f"{name}_command", required=True, parser_class=Parser)


def card_arg(parser: argparse.ArgumentParser, flag: str | None = None) -> None:
    """The card number: the argument CARD, or a required option such as ``--card``."""
    if flag is None:
        parser.add_argument("card", metavar="CARD", help=_("13-digit card number"))
    else:
        parser.add_argument(
            flag, dest="card", required=True, metavar="CARD", help=_("13-digit card number")
        )


def emit(args: argparse.Namespace, data: dict[str, Any], lines: Sequence[str]) -> None:
    """Print the result: one JSON object with ``--json``, else the lines for a person."""
    if args.json:
        print(json.dumps(data, ensure_ascii=False, default=str))
    else:
        for line in lines:
            print(line)


def open_context(
    args: argparse.Namespace,
    *,
    demo: bool = False,
    create: bool = False,
    migrate: bool = True,
    ask_to_create: Callable[[str], bool] | None = None,
) -> Context:
    """The use-case context for ``--db`` (or the configured database) and this till.

    Only ``init`` and ``demo`` pass ``create``: every other command refuses a path where no
    database exists (also the default one in the user data folder), so a typo in ``--db``
    never leaves a new empty database behind. The counter passes ``ask_to_create``: asked
    with the path, it decides. ``migrate=False`` (``loyalty check``) opens the file as it is.
    """
    # Imported here: `loyalty --help` and usage errors need no database code.
    from app.config import load_config
    from app.services.context import Context
    from app.store.database import Database
    from app.store.errors import DatabaseMissing

    if args.db is not None and not args.db.strip():
        # `--db "$UNSET"` in a script must not quietly open the shop's default database.
        raise CliError(_("Give the database a file path"))
    config = load_config(args.db, demo=demo)
    try:
        database = Database(config.db, migrate=migrate, create=create)
    except DatabaseMissing:
        if ask_to_create is None or not ask_to_create(_missing_path(config.db)):
            raise
        database = Database(config.db, migrate=migrate, create=True)
    ctx = Context(database, actor=config.actor)
    if config.till is not None:
        ctx.till = config.till
    elif migrate:
        # Not for `check`: a damaged settings table must not stop it from saying so.
        ctx.till = int(str(ctx.settings()["shop.till"]))
    if migrate:
        from app.cli.permissions import authorize

        authorize(ctx, args)
    return ctx


def _missing_path(db: str) -> str:
    """The file path of a SQLite database named by a path or URL (for the question)."""
    from sqlalchemy.engine import make_url

    from app.store.database import normalize_url

    return str(make_url(normalize_url(db)).database)


def shop_currency(ctx: Context) -> str:
    """The shop's currency setting: amounts are shown in it, not always in euros."""
    return ctx.rules().currency


def sale_amount(ctx: Context, text: str, *, allow_zero: bool = False) -> int:
    """An amount typed by a person, in cents, at most the largest sale the shop allows."""
    from app.domain.money import parse_amount

    rules = ctx.rules()
    return parse_amount(
        text, max_cents=rules.max_sale_cents, allow_zero=allow_zero, currency=rules.currency
    )


def whole_number(
    low: int, high: int, too_large: Callable[[str], str] | None = None
) -> Callable[[str], int]:
    """An argument type: a whole number from ``low`` to ``high`` (bounds from the domain).

    Options whose number reaches the database or a formatted message are bounded here, so a
    27-digit value gets one line (``too_large(text)`` when given), not a driver's overflow.
    """

    def parse(text: str) -> int:
        from app.domain.errors import InvalidInput
        from app.domain.numbers import parse_whole_number

        try:
            return parse_whole_number(
                text, low=low, high=high, too_large=too_large(text) if too_large else None
            )
        except InvalidInput as exc:
            raise argparse.ArgumentTypeError(exc.message) from None

    return parse


def points_number(text: str) -> int:
    """An argument type: points to redeem, 0 or more, bounded like points typed at the till."""
    from app.domain.errors import InvalidInput
    from app.domain.money import parse_points

    try:
        return parse_points(text)
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def record_number(message: Callable[[], str]) -> Callable[[str], int]:
    """An argument type: a sale's or a conflict's number, 1 up to what a database holds.

    ``message()`` is the "There is no … number {id}" sentence for a larger one: no record has
    it, and a database driver would refuse to even look it up.
    """
    from app.domain.numbers import MAX_RECORD_ID
    from app.domain.text import quote_input

    return whole_number(
        1, MAX_RECORD_ID, lambda text: message().format(id=quote_input(text.strip()))
    )
