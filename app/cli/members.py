"""`loyalty members`: list every member page by page; import and export them as CSV."""

from __future__ import annotations

import argparse
import json

from app.cli.common import CliError, Subcommands, add_command, add_group, emit, open_context
from app.i18n import _, format_points, ngettext


def register(subcommands: Subcommands) -> None:
    """`loyalty members list|export|import`."""
    mssub = add_group(subcommands, "members", _("list all members; import and export them as CSV"))
    p = add_command(
        mssub, "list", cmd_members_list, _("list members page by page, optionally filtered")
    )
    p.add_argument("text", nargs="?", help=_("filter: start of a name, an email or a phone"))
    p.add_argument("--sort", choices=["name", "points", "newest"], default="name")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--after", metavar="KEY", help=_("next_key of the previous page (JSON)"))
    p = add_command(
        mssub, "export", cmd_members_export, _("write all members, or a segment, to a CSV file")
    )
    p.add_argument("file", metavar="FILE.csv")
    p.add_argument(
        "--segment",
        metavar="SEG",
        help=_(
            "only these members: lapsed:DAYS, new:DAYS, birthday:next-month, tier:NAME, top:N, "
            "rfm:champions|loyal|at-risk|lost"
        ),
    )
    p.add_argument(
        "--format",
        dest="layout",
        choices=["generic", "mailchimp", "brevo"],
        default="generic",
        help=_("generic (every column) or a newsletter layout (consenting members with email)"),
    )
    p = add_command(
        mssub,
        "import",
        cmd_members_import,
        _("import members from a CSV file (generic, OSPOS, Square)"),
    )
    p.add_argument("file", metavar="FILE.csv")
    p.add_argument(
        "--dry-run", action="store_true", help=_("report what would happen, change nothing")
    )
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help=_("import the valid rows even if some are invalid"),
    )


def cmd_members_list(args: argparse.Namespace) -> int:
    from app.services.member_list import list_members

    after = None
    if args.after:
        try:
            after = json.loads(args.after)
        except json.JSONDecodeError:
            after = None
        if not isinstance(after, list):
            raise CliError(_("--after takes the next_key of the previous page, as JSON"))
    page = list_members(
        open_context(args), args.text or "", sort=args.sort, after_key=after, limit=args.limit
    )
    lines = [
        f"{m.card or '—':13}  {m.last_name}, {m.first_name}  {format_points(m.points)}"
        for m in page.members
    ] or [_("No member found")]
    if page.next_key is not None:
        lines.append(
            _("More: --after '{key}'").format(
                key=json.dumps(list(page.next_key), ensure_ascii=False)
            )
        )
    emit(args, page.to_json(), lines)
    return 0


def cmd_members_export(args: argparse.Namespace) -> int:
    from app.services.newsletter import export_members
    from app.services.segments import read_segment, segment_member_ids

    ctx = open_context(args)
    segment = read_segment(ctx, args.segment) if args.segment else None
    ids = segment_member_ids(ctx, segment) if segment is not None else None
    result = export_members(ctx, args.file, layout=args.layout, member_ids=ids, segment=segment)
    lines = [
        ngettext(
            "Exported {count} member to {path}",
            "Exported {count} members to {path}",
            result.written,
        ).format(count=format_points(result.written), path=args.file)
    ]
    if args.layout != "generic":
        lines.append(
            ngettext(
                "{count} member left out: no marketing consent or no email",
                "{count} members left out: no marketing consent or no email",
                result.left_out,
            ).format(count=format_points(result.left_out))
        )
    data = {
        "file": args.file,
        "members": result.written,
        "left_out": result.left_out,
        "segment": segment.label if segment else None,
        "format": args.layout,
    }
    emit(args, data, lines)
    return 0


def cmd_members_import(args: argparse.Namespace) -> int:
    from app.services.member_io import import_members_csv

    report = import_members_csv(
        open_context(args), args.file, dry_run=args.dry_run, skip_invalid=args.skip_invalid
    )
    delimiter = {"\t": "tab"}.get(report.delimiter, report.delimiter)
    lines = [
        ngettext(
            "File: {path} ({format}, {encoding}, separator “{sep}”), {rows} row",
            "File: {path} ({format}, {encoding}, separator “{sep}”), {rows} rows",
            report.rows,
        ).format(
            path=report.file,
            format=report.format,
            encoding=report.encoding,
            sep=delimiter,
            rows=report.rows,
        )
    ]
    lines += [
        _("Line {line}: invalid: {reason}").format(line=i.line, reason=i.reason)
        for i in report.invalid
    ]
    lines += [
        _("Line {line}: duplicate, skipped: {reason}").format(line=d.line, reason=d.reason)
        for d in report.duplicates
    ]
    if not report.refused:
        template = (
            ngettext(
                "Dry run: would import {count} member ({cards} new cards, {points} points)",
                "Dry run: would import {count} members ({cards} new cards, {points} points)",
                report.imported,
            )
            if report.dry_run
            else ngettext(
                "Imported {count} member ({cards} new cards, {points} points)",
                "Imported {count} members ({cards} new cards, {points} points)",
                report.imported,
            )
        )
        lines.append(
            template.format(
                count=report.imported,
                cards=report.new_cards,
                points=format_points(report.points),
            )
        )
    emit(args, report.to_json(), lines)
    if report.refused:
        raise CliError(
            ngettext(
                "{count} invalid row: nothing imported (fix it, or use --skip-invalid to import"
                " the valid rows)",
                "{count} invalid rows: nothing imported (fix them, or use --skip-invalid to"
                " import the valid rows)",
                len(report.invalid),
            ).format(count=len(report.invalid))
        )
    return 0
