"""`loyalty audit`: the audit trail, filtered by person, kind, dates and member."""

from __future__ import annotations

import argparse
from datetime import date

from app.cli.common import Subcommands, add_command, emit, open_context
from app.i18n import _, ngettext


def _day(text: str) -> date:
    from app.domain.errors import InvalidInput
    from app.domain.report import parse_day

    try:
        return parse_day(text)
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def register(subcommands: Subcommands) -> None:
    """`loyalty audit [--staff NAME] [--kind K] [--from D] [--to D] [--member CARD]`."""
    p = add_command(
        subcommands,
        "audit",
        cmd_audit,
        _("who did what, who allowed it, where and when (newest first)"),
    )
    p.add_argument(
        "--staff",
        default="",
        metavar="N",
        help=_("who did it or allowed it: a name, staff number or badge"),
    )
    p.add_argument(
        "--kind", default="", metavar="KIND", help=_("a kind like sale.refund, or sale for all")
    )
    p.add_argument("--from", dest="start", type=_day, metavar="YYYY-MM-DD", help=_("first day"))
    p.add_argument("--to", dest="end", type=_day, metavar="YYYY-MM-DD", help=_("last day"))
    p.add_argument("--member", default="", metavar="CARD", help=_("a card of the member"))
    p.add_argument(
        "--limit", type=int, default=1000, metavar="N", help=_("at most N rows (default: 1000)")
    )


def cmd_audit(args: argparse.Namespace) -> int:
    from app.i18n import format_timestamp
    from app.services.audit_trail import AuditFilter, detail_text, find_audit

    flt = AuditFilter(
        staff=args.staff, kind=args.kind, start=args.start, end=args.end, member=args.member
    )
    rows = find_audit(open_context(args), flt, limit=max(1, args.limit))
    lines = []
    for row in rows:
        who = row.actor
        if row.approver:
            who = _("{actor} (allowed by {approver})").format(
                actor=row.actor, approver=row.approver
            )
        lines.append(
            "  ".join(
                [
                    format_timestamp(row.at),
                    row.action,
                    who,
                    _("store {store} till {till}").format(store=row.store_code, till=row.till),
                    f"{row.entity} {row.entity_id}",
                    detail_text(row.detail),
                ]
            ).rstrip()
        )
    lines.append(ngettext("{n} row", "{n} rows", len(rows)).format(n=len(rows)))
    emit(args, {"rows": [row.to_json() for row in rows], "count": len(rows)}, lines)
    return 0
