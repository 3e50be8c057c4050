"""`loyalty check`: every balance equals its ledger, and the database is sound."""

from __future__ import annotations

import argparse

from app.cli.common import EXIT_CHECK_FAILED, Subcommands, add_command, emit, open_context
from app.i18n import _


def register(subcommands: Subcommands) -> None:
    """`loyalty check`."""
    add_command(
        subcommands,
        "check",
        cmd_check,
        _("prove every balance equals its ledger and the database is sound"),
    )


def cmd_check(args: argparse.Namespace) -> int:
    from app.services.health import check_database

    # As the file is: a damaged or outdated one is examined, never migrated (written) first.
    report = check_database(open_context(args, migrate=False))
    lines = [
        _("Members: {n}, ledger entries: {e}").format(n=report.members, e=report.ledger_entries),
        _("Database integrity: {result}").format(result=report.integrity),
    ]
    lines += [
        _("Member {id}: cached balance {cached} but ledger sum {ledger}").format(
            id=m.member_id, cached=m.cached, ledger=m.ledger
        )
        for m in report.mismatches
    ]
    lines.append(_("Everything is consistent") if report.ok else _("PROBLEMS FOUND"))
    emit(args, report.to_json(), lines)
    return 0 if report.ok else EXIT_CHECK_FAILED
