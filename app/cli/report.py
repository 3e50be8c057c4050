"""`loyalty report`: how the loyalty program is doing (README "Reports")."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from typing import TYPE_CHECKING, Any

from app.cli.common import CliError, Subcommands, add_command, add_group, open_context
from app.i18n import _

if TYPE_CHECKING:
    from app.services.reports import Report


def register(subcommands: Subcommands) -> None:
    """`loyalty report summary`."""
    rsub = add_group(subcommands, "report", _("how the loyalty program is doing"))
    p = add_command(
        rsub,
        "summary",
        cmd_report_summary,
        _("retention, churn, baskets, points and liability for a period (default: last month)"),
    )
    p.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help=_("first day"))
    p.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help=_("last day"))
    p.add_argument("--store", metavar="CODE", help=_("only this shop's sales and points"))
    p.add_argument(
        "--by", choices=("store", "till", "staff"), help=_("one row per shop, till or staff")
    )
    p.add_argument("--csv", action="store_true", help=_("print CSV, one row per group"))


def cmd_report_summary(args: argparse.Namespace) -> int:
    from app.domain.cards import CardLayout
    from app.domain.report import parse_day
    from app.services.reports import report_summary, resolve_period

    if args.json and args.csv:
        raise CliError(_("Choose --json or --csv, not both"))
    # Typed dates are checked before the database is opened: a typo changes nothing anywhere.
    for text in (args.start, args.end):
        if text is not None:
            parse_day(text)
    if args.store is not None:
        CardLayout(store_code=args.store)
    ctx = open_context(args)
    period = resolve_period(ctx, args.start, args.end)
    report = report_summary(ctx, period, store=args.store, by=args.by)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    elif args.csv:
        sys.stdout.write(report_csv(report))
    else:
        from app.services.report_text import report_lines

        for line in report_lines(report):
            print(line)
    return 0


def report_csv(report: Report) -> str:
    """One row per group (or one row for the whole period): the scalar figures."""
    data = report.to_json()
    scalars = [k for k, v in data.items() if not isinstance(v, list | dict) and k != "by"]
    figures = [k for k in scalars if k not in ("from", "to", "store", "currency")]
    head = ["from", "to", "store", "currency", "group", *figures]
    rows: list[dict[str, Any]] = []
    if report.by is None:
        rows.append({**data, "group": ""})
    else:
        for group in data["groups"]:
            rows.append({**{k: data[k] for k in ("from", "to", "store", "currency")}, **group})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(head)
    for row in rows:
        writer.writerow(["" if row.get(k) is None else row.get(k) for k in head])
    return out.getvalue()
