"""`loyalty points`: points housekeeping."""

from __future__ import annotations

import argparse

from app.cli.common import Subcommands, add_command, add_group, emit, open_context
from app.i18n import _, format_points, ngettext


def register(subcommands: Subcommands) -> None:
    """`loyalty points expire`."""
    psub = add_group(subcommands, "points", _("points housekeeping"))
    add_command(psub, "expire", cmd_points_expire, _("write off the points that expired"))


def cmd_points_expire(args: argparse.Namespace) -> int:
    from app.services.expiry import expire_points

    report = expire_points(open_context(args))
    lines = [
        ngettext(
            "{points} points expired for {members} member",
            "{points} points expired for {members} members",
            report.members,
        ).format(points=format_points(report.points), members=report.members)
    ]
    emit(args, report.to_json(), lines)
    return 0
