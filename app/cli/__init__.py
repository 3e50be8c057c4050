"""The `loyalty` command: the counter (TUI) and a scriptable interface with JSON output.

Every command takes ``--db`` and ``--json``. Errors are one human line on stderr and a
non-zero exit; nothing is changed when a command fails. Each command group is a module of
this package with its handlers and a ``register`` function that adds its sub-parsers.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from app.cli import (
    bench,
    cards,
    check,
    counter,
    coupons,
    feedback,
    member,
    members,
    points,
    program,
    report,
    sales,
    sales_import,
    settings,
    staff,
    stamps,
    sync,
)
from app.cli.common import EXIT_ERROR, Parser, database_options
from app.domain.errors import LoyaltyError
from app.i18n import _, set_language

# In the order `loyalty --help` lists them.
_GROUPS = (
    counter,
    member,
    members,
    cards,
    sales,
    sales_import,
    feedback,
    check,
    coupons,
    stamps,
    settings,
    staff,
    sync,
    program,
    points,
    report,
    bench,
)


def build_parser() -> Parser:
    """The `loyalty` parser: without a command it opens the counter."""
    parser = Parser(
        prog="loyalty",
        description=_("Loyalty counter for small shops."),
        parents=[database_options(suppress=False)],
    )
    parser.set_defaults(func=counter.cmd_tui)
    subcommands = parser.add_subparsers(dest="command", parser_class=Parser)
    for group in _GROUPS:
        group.register(subcommands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `loyalty` command; returns the exit code."""
    set_language()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except LoyaltyError as exc:
        # The store turns the database's failures into LoyaltyErrors too (DatabaseError).
        print(_("Error: {message}").format(message=exc.message), file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: not an error of ours, and nothing to print.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        if os.environ.get("LOYALTY_DEBUG"):
            raise
        print(
            _("Unexpected error: {error}. Run again with LOYALTY_DEBUG=1 for details.").format(
                error=f"{type(exc).__name__}: {exc}"
            ),
            file=sys.stderr,
        )
        return EXIT_ERROR
