"""`loyalty report`: how the loyalty program is doing (README "Reports")."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from app.cli.common import (
    CliError,
    Subcommands,
    add_command,
    add_group,
    open_context,
    whole_number,
)
from app.domain.spreadsheet import escape_row
from app.files import protect_stream
from app.i18n import _, ngettext

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
    f = add_command(
        rsub,
        "feedback",
        cmd_report_feedback,
        _("NPS of a period and its detractors (0–6) to call back (default: last month)"),
    )
    f.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help=_("first day"))
    f.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help=_("last day"))
    d = add_command(
        rsub,
        "day",
        cmd_report_day,
        _("the day's close: sales, points, coupons, refunds per till and cashier"),
    )
    d.add_argument("--date", metavar="YYYY-MM-DD", help=_("the day (default: today)"))
    d.add_argument("--till", type=whole_number(1, 999), metavar="N", help=_("only this till"))
    d.add_argument("--csv", action="store_true", help=_("print CSV, one row per group"))
    d.add_argument("--print", action="store_true", help=_("print it on the receipt printer"))


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
        protect_stream(sys.stdout)  # redirected to a file: its owner's only
        sys.stdout.write(report_csv(report))
    else:
        from app.services.report_text import report_lines

        for line in report_lines(report):
            print(line)
    return 0


def cmd_report_feedback(args: argparse.Namespace) -> int:
    from app.domain.report import day_start, parse_day
    from app.i18n import format_day
    from app.services.feedback import detractors, nps_figures
    from app.services.reports import resolve_period

    for text in (args.start, args.end):
        if text is not None:
            parse_day(text)
    ctx = open_context(args)
    period = resolve_period(ctx, args.start, args.end)
    zone = ctx.program().timezone
    with ctx.db.reading() as session:
        figures = nps_figures(
            session.connection(),
            day_start(period.start, zone),
            day_start(period.end + timedelta(days=1), zone),
        )
    found = detractors(ctx, period)
    data = {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        **figures,
        "detractors": [d.to_json() for d in found],
    }
    nps = figures["nps"]
    lines = [
        ngettext(
            "Feedback {start} – {end}: NPS {nps} from {count} answer",
            "Feedback {start} – {end}: NPS {nps} from {count} answers",
            figures["nps_responses"] or 0,
        ).format(
            start=period.start.isoformat(),
            end=period.end.isoformat(),
            nps="—" if nps is None else f"{nps:+d}",
            count=figures["nps_responses"],
        )
    ]
    if found:
        lines += ["", _("To call back (score 0–6):")]
        for d in found:
            line = f"  {format_day(d.created_at)}  {d.score:>2}  {d.card}  {d.name}  {d.phone}"
            lines.append(line.rstrip())
            if d.comment:
                lines.append(f"      “{d.comment}”")
    else:
        lines.append(_("No detractors in this period."))
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        for line in lines:
            print(line)
    return 0


def cmd_report_day(args: argparse.Namespace) -> int:
    from app.domain.report import parse_day
    from app.services.day_close import day_close
    from app.services.day_close_text import day_close_csv, day_close_lines, print_day_close

    if sum((args.json, args.csv, args.print)) > 1:
        raise CliError(_("Choose one of --json, --csv and --print"))
    day = parse_day(args.date) if args.date is not None else None
    ctx = open_context(args)
    close = day_close(ctx, day, args.till)
    if args.json:
        print(json.dumps(close.to_json(), ensure_ascii=False))
    elif args.csv:
        protect_stream(sys.stdout)  # redirected to a file: its owner's only
        sys.stdout.write(day_close_csv(close))
    elif args.print:
        where = print_day_close(ctx, close)
        print(_("Printed the day's close on {printer}").format(printer=where))
    else:
        for line in day_close_lines(close):
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
    writer.writerow(escape_row(head))
    for row in rows:
        writer.writerow(escape_row("" if row.get(k) is None else row.get(k) for k in head))
    return out.getvalue()
