"""`loyalty check`: every balance equals its ledger, and the database is sound."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from app.cli.common import EXIT_CHECK_FAILED, Subcommands, add_command, emit, open_context
from app.domain.errors import LoyaltyError
from app.i18n import _, ngettext

if TYPE_CHECKING:
    from app.services.bulk_jobs import TidyReport
    from app.services.context import Context
    from app.services.views import CheckReport


def register(subcommands: Subcommands) -> None:
    """`loyalty check`."""
    add_command(
        subcommands,
        "check",
        cmd_check,
        _("prove every balance equals its ledger and the database is sound"),
    )


def _tidy_jobs(ctx: Context) -> TidyReport | None:
    """Finish or remove long jobs left by a killed process, once the file is known sound."""
    from app.services.bulk_jobs import tidy_jobs

    try:
        return tidy_jobs(ctx)
    except LoyaltyError:
        return None  # an older schema (check does not migrate), or the file is busy


def _audit_lines(report: CheckReport) -> list[str]:
    audit = report.audit
    if audit is None:
        return []
    if audit.broken is None:
        return [
            ngettext(
                "Audit trail: {rows} row verified",
                "Audit trail: {rows} rows verified",
                audit.rows,
            ).format(rows=audit.rows)
        ]
    b = audit.broken
    reasons = {
        "prev_hash": _("it does not follow the row before it (a row was removed or inserted)"),
        "hash": _("its contents were changed"),
        "detail": _("its details were changed"),
    }
    return [
        _("Audit trail broken at row {id} (node {node}, till {till}): {reason}").format(
            id=b.row_id, node=b.node, till=b.till, reason=reasons.get(b.reason, b.reason)
        )
    ]


def cmd_check(args: argparse.Namespace) -> int:
    from app.services.health import check_database

    # As the file is: a damaged or outdated one is examined, never migrated (written) first.
    ctx = open_context(args, migrate=False)
    report = check_database(ctx)
    tidied = _tidy_jobs(ctx) if report.ok else None
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
    lines += _audit_lines(report)
    if tidied is not None and tidied.discarded:
        lines.append(
            ngettext(
                "Removed {n} interrupted member import (none of it was visible)",
                "Removed {n} interrupted member imports (none of them was visible)",
                tidied.discarded,
            ).format(n=tidied.discarded)
        )
    lines.append(_("Everything is consistent") if report.ok else _("PROBLEMS FOUND"))
    data = report.to_json()
    if tidied is not None:
        data.update(jobs_discarded=tidied.discarded, jobs_settled=tidied.settled)
    emit(args, data, lines)
    return 0 if report.ok else EXIT_CHECK_FAILED
