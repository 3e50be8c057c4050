"""`loyalty bench`: measure the till's paths on a large generated database."""

from __future__ import annotations

import argparse

from app.cli.common import CliError, Subcommands, add_command, emit, whole_number
from app.i18n import _

MEMBERS = 100_000
# --db is for a chain's server: the benchmark of the chain's size.
MEMBERS_ON_SERVER = 1_000_000


def register(subcommands: Subcommands) -> None:
    """`loyalty bench`."""
    p = add_command(
        subcommands, "bench", cmd_bench, _("measure lookup, search, checkout and start-up speed")
    )
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = _(
        "With --tills N, N processes check out at once instead: each a till with its own\n"
        "till number, random members' cards and amounts, a quarter redeeming points. It\n"
        "reports checkout_p50_ms, checkout_p99_ms, sales_per_s, errors (each exception\n"
        "named in error_kinds) and balances_match_ledger (every balance equals its ledger).\n"
        "Without --db on a new SQLite file; with --db URL on that PostgreSQL database, built\n"
        "there once (1,000,000 members unless --members says otherwise) and reused by later\n"
        "runs with the same member count (its table bench_dataset records the build).\n"
        "\n"
        "  loyalty bench --db postgresql+psycopg://user@host/loyalty_bench --tills 8\n"
        "  loyalty bench --members 1000000 --tills 2"
    )
    p.add_argument(
        "--members",
        type=whole_number(1, 100_000_000),
        default=None,
        help=_("members in the database (default: 100,000; 1,000,000 with --db)"),
    )
    p.add_argument("--keep", metavar="PATH", help=_("keep the benchmark database at PATH"))
    p.add_argument(
        "--tills",
        type=int,
        metavar="N",
        help=_("measure N tills checking out at once instead (one process each)"),
    )
    p.add_argument(
        "--duration",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help=_("with --tills: how long the tills check out (default: 30)"),
    )
    p.add_argument(
        "--sales",
        type=int,
        metavar="N",
        help=_("with --tills: each till rings up N sales instead of a fixed time"),
    )


def cmd_bench(args: argparse.Namespace) -> int:
    if args.tills is None:
        if args.db is not None:
            raise CliError(_("--db is for the tills benchmark: add --tills N"))
        from app.bench import run_bench

        members = MEMBERS if args.members is None else args.members
        results = run_bench(members=members, keep=args.keep, progress=not args.json)
    else:
        from app.bench.tills import run_till_bench

        if args.db is not None and args.keep is not None:
            raise CliError(_("--keep is for a SQLite file: the database at --db stays anyway"))
        default = MEMBERS if args.db is None else MEMBERS_ON_SERVER
        results = run_till_bench(
            default if args.members is None else args.members,
            args.tills,
            db=args.db,
            keep=args.keep,
            duration_s=args.duration,
            sales=args.sales,
            progress=not args.json,
        )
    emit(args, results, [f"{k}: {v}" for k, v in results.items()])
    return 0
