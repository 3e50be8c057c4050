"""The consistency check: every cached balance equals its ledger sum, and the file is sound."""

from __future__ import annotations

from sqlalchemy import func, select, text

from app.i18n import _
from app.services.context import Context
from app.services.views import AuditCheck, BalanceMismatch, CheckReport
from app.store.errors import DatabaseError
from app.store.integrity import sqlite_integrity
from app.store.tables import LEDGER, MEMBER


def check_database(ctx: Context) -> CheckReport:
    """Compare every cached balance with its ledger sum and check the database's integrity.

    Works on a damaged file too: the file's own check runs first, read-only, and when the
    balances cannot be read because of the damage, that is part of what is reported.
    """
    integrity = sqlite_integrity(ctx.db.path) if ctx.db.path is not None else None
    try:
        members, entries, mismatches, server = _balances(ctx)
    except DatabaseError as exc:
        if integrity is None or integrity == "ok":
            raise
        return CheckReport(
            members=0,
            ledger_entries=0,
            mismatches=(),
            integrity=f"{integrity}; "
            + _("the balances could not be read: {reason}").format(reason=exc.message),
        )
    return CheckReport(
        members=members,
        ledger_entries=entries,
        mismatches=mismatches,
        integrity=integrity if integrity is not None else server,
        audit=_audit(ctx),
    )


def _audit(ctx: Context) -> AuditCheck | None:
    """Every audit chain verified; None on a file older than the chain (check never migrates)."""
    from app.services.audit_trail import verify_audit

    try:
        return verify_audit(ctx)
    except DatabaseError:
        return None


def _balances(ctx: Context) -> tuple[int, int, tuple[BalanceMismatch, ...], str]:
    """Members, ledger rows, the balances that differ from their ledger, and on PostgreSQL
    the server's integrity (indexes a failed build left invalid)."""
    with ctx.db.reading() as session:
        conn = session.connection()
        sums = (
            select(LEDGER.c.member_id, func.sum(LEDGER.c.points).label("total"))
            .group_by(LEDGER.c.member_id)
            .subquery()
        )
        ledger_total = func.coalesce(sums.c.total, 0)
        mismatches = tuple(
            BalanceMismatch(member_id=row.id, cached=row.points_balance, ledger=row.ledger)
            for row in conn.execute(
                select(MEMBER.c.id, MEMBER.c.points_balance, ledger_total.label("ledger"))
                .outerjoin(sums, sums.c.member_id == MEMBER.c.id)
                .where(MEMBER.c.points_balance != ledger_total)
            )
        )
        members = conn.execute(select(func.count()).select_from(MEMBER)).scalar_one()
        entries = conn.execute(select(func.count()).select_from(LEDGER)).scalar_one()
        integrity = "ok"
        if not ctx.db.is_sqlite:
            # PostgreSQL checks its pages itself; what it can leave behind is an index that a
            # failed build marked invalid (the planner then ignores it).
            invalid = conn.execute(
                text(
                    "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                    "WHERE NOT i.indisvalid AND c.relnamespace = current_schema()::regnamespace"
                )
            ).all()
            integrity = "; ".join(f"invalid index {r.relname}" for r in invalid) or "ok"
    return members, entries, mismatches, integrity
