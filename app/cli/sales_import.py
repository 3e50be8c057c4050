"""`loyalty sales import`: the sales history of the system a shop switches from."""

from __future__ import annotations

import argparse

from app.cli.common import CliError, Subcommands, add_command, add_group, emit, open_context
from app.i18n import _, format_money, format_points, ngettext


def register(subcommands: Subcommands) -> None:
    """`loyalty sales import FILE.csv [--dry-run]`."""
    ssub = add_group(subcommands, "sales", _("sales history from another system"))
    p = add_command(
        ssub,
        "import",
        cmd_sales_import,
        _("import past sales (card,date,amount[,receipt,store,points_earned,points_redeemed])"),
    )
    p.add_argument("file", metavar="FILE.csv")
    p.add_argument("--dry-run", action="store_true", help=_("check the file, store nothing"))


def cmd_sales_import(args: argparse.Namespace) -> int:
    from app.services.sales_import import import_sales_csv

    ctx = open_context(args)
    report = import_sales_csv(ctx, args.file, dry_run=args.dry_run)
    delimiter = {"\t": "tab"}.get(report.delimiter, report.delimiter)
    lines = [
        ngettext(
            "File: {path} ({encoding}, separator “{sep}”), {rows} row",
            "File: {path} ({encoding}, separator “{sep}”), {rows} rows",
            report.rows,
        ).format(path=report.file, encoding=report.encoding, sep=delimiter, rows=report.rows)
    ]
    lines += [
        _("Line {line}: invalid: {reason}").format(line=i.line, reason=i.reason)
        for i in report.invalid
    ]
    lines += [
        _("Line {line}: skipped: {reason}").format(line=s.line, reason=s.reason)
        for s in report.skipped
    ]
    if not report.refused:
        template = (
            ngettext(
                "Dry run: would import {count} sale of {members} members ({amount}; "
                "points +{earned} / -{redeemed})",
                "Dry run: would import {count} sales of {members} members ({amount}; "
                "points +{earned} / -{redeemed})",
                report.imported,
            )
            if report.dry_run
            else ngettext(
                "Imported {count} sale of {members} members ({amount}; "
                "points +{earned} / -{redeemed})",
                "Imported {count} sales of {members} members ({amount}; "
                "points +{earned} / -{redeemed})",
                report.imported,
            )
        )
        lines.append(
            template.format(
                count=format_points(report.imported),
                members=format_points(report.members),
                amount=format_money(report.amount_cents, ctx.rules().currency),
                earned=format_points(report.points_earned),
                redeemed=format_points(report.points_redeemed),
            )
        )
    emit(args, report.to_json(), lines)
    if report.refused:
        raise CliError(
            ngettext(
                "{count} invalid row: nothing imported (fix it and import the file again)",
                "{count} invalid rows: nothing imported (fix them and import the file again)",
                len(report.invalid),
            ).format(count=len(report.invalid))
        )
    return 0
