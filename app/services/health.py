"""The consistency check: every cached balance equals its ledger sum, and the file is sound."""

from __future__ import annotations

from sqlalchemy import func, select, text

from app.services.context import Context
from app.services.views import BalanceMismatch, CheckReport
from app.store.tables import LEDGER, MEMBER


def check_database(ctx: Context) -> CheckReport:
    """Compare every cached balance with its ledger sum and check the database's integrity."""
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
        if ctx.db.is_sqlite:
            rows = conn.execute(text("PRAGMA integrity_check")).all()
            integrity = "; ".join(str(r.integrity_check) for r in rows)
            # A sync import writes without row-by-row foreign-key checks (its ids are ones it
            # read or wrote): this is where a reference to a missing row would show.
            dangling = conn.execute(text("PRAGMA foreign_key_check")).all()
            if dangling:
                found = "; ".join(
                    f"{r.table} row {r.rowid} refers to a missing {r.parent}" for r in dangling[:10]
                )
                more = f" (+{len(dangling) - 10} more)" if len(dangling) > 10 else ""
                integrity = found + more if integrity == "ok" else f"{integrity}; {found}{more}"
        else:
            # PostgreSQL checks its pages itself; what it can leave behind is an index that a
            # failed build marked invalid (the planner then ignores it).
            invalid = conn.execute(
                text(
                    "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                    "WHERE NOT i.indisvalid AND c.relnamespace = current_schema()::regnamespace"
                )
            ).all()
            integrity = "; ".join(f"invalid index {r.relname}" for r in invalid) or "ok"
    return CheckReport(
        members=members, ledger_entries=entries, mismatches=mismatches, integrity=integrity
    )
