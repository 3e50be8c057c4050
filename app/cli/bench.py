"""`loyalty bench`: measure the till's paths on a large generated database."""

from __future__ import annotations

import argparse

from app.cli.common import Subcommands, add_command, emit, whole_number
from app.i18n import _


def register(subcommands: Subcommands) -> None:
    """`loyalty bench`."""
    p = add_command(
        subcommands, "bench", cmd_bench, _("measure lookup, search, checkout and start-up speed")
    )
    p.add_argument("--members", type=whole_number(1, 100_000_000), default=100_000)
    p.add_argument("--keep", metavar="PATH", help=_("keep the benchmark database at PATH"))


def cmd_bench(args: argparse.Namespace) -> int:
    from app.bench import run_bench

    results = run_bench(members=args.members, keep=args.keep, progress=not args.json)
    emit(args, results, [f"{k}: {v}" for k, v in results.items()])
    return 0
