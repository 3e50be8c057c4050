"""The consistency check: every cached balance equals its ledger sum, and the file is sound."""

from __future__ import annotations

from sqlalchemy import func, text
from sqlmodel import select

from app.services.context import Context
from app.services.views import BalanceMismatch, CheckReport
from app.store.models import LedgerEntry, Member


def check_database(ctx: Context) -> CheckReport:
    with ctx.db.reading() as session:
        sums = (
            select(LedgerEntry.member_id, func.sum(LedgerEntry.points).label("total"))
            .group_by(LedgerEntry.member_id)
            .subquery()
        )
        ledger_total = func.coalesce(sums.c.total, 0)
        mismatches = tuple(
            BalanceMismatch(member_id=row[0], cached=row[1], ledger=row[2])
            for row in session.exec(
                select(Member.id, Member.points_balance, ledger_total)
                .outerjoin(sums, sums.c.member_id == Member.id)
                .where(Member.points_balance != ledger_total)
            )
        )
        members = session.exec(select(func.count()).select_from(Member)).one()
        entries = session.exec(select(func.count()).select_from(LedgerEntry)).one()
        if ctx.db.is_sqlite:
            rows = session.exec(text("PRAGMA integrity_check")).all()  # type: ignore[call-overload]
            integrity = "; ".join(str(r[0]) for r in rows)
            # A sync import writes without row-by-row foreign-key checks (its ids are ones it
            # read or wrote): this is where a reference to a missing row would show.
            dangling = session.exec(text("PRAGMA foreign_key_check")).all()  # type: ignore[call-overload]
            if dangling:
                found = "; ".join(
                    f"{table} row {rowid} refers to a missing {parent}"
                    for table, rowid, parent, _key in dangling[:10]
                )
                more = f" (+{len(dangling) - 10} more)" if len(dangling) > 10 else ""
                integrity = found + more if integrity == "ok" else f"{integrity}; {found}{more}"
        else:
            # PostgreSQL checks its pages itself; what it can leave behind is an index that a
            # failed build marked invalid (the planner then ignores it).
            invalid = session.exec(
                text(  # type: ignore[call-overload]
                    "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                    "WHERE NOT i.indisvalid AND c.relnamespace = current_schema()::regnamespace"
                )
            ).all()
            integrity = "; ".join(f"invalid index {r[0]}" for r in invalid) or "ok"
    return CheckReport(
        members=members, ledger_entries=entries, mismatches=mismatches, integrity=integrity
    )
