"""`loyalty sales import`: a shop that switches systems brings its sales history along.

Every row is checked first (format: :mod:`app.domain.sales_csv`); any invalid row refuses the
whole file with line-numbered reasons and nothing is stored. Then the sales are written as
ordinary sale rows — till 0, actor ``import``, the receipt number as the row's request id, so a
receipt imported before is skipped — with ledger rows for the points a row carries, the
members' balances, last visits and tiers brought up to date, and one chain-sync ``sale`` event
per sale, like a sale at a till. The write is one transaction: all or nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from app.domain.csv_formats import RowIssue
from app.domain.errors import InvalidInput, LoyaltyError
from app.domain.program import tier_for
from app.domain.sales_csv import SaleRow, check_sale_row, read_sales_file
from app.i18n import _
from app.services.audit import record
from app.services.context import Context
from app.services.member_io import chunks, read_import_file
from app.store.bulk import (
    DriverValues,
    allocate_ids,
    execute_many,
    insert_rows,
    select_in,
)
from app.store.models import new_uuids
from app.store.queries import driver_sql
from app.sync import events

IMPORT_TILL = 0
IMPORT_ACTOR = "import"
WRITE_CHUNK = 10_000

_SALE_COLUMNS = (
    "id",
    "uuid",
    "member_id",
    "card_number",
    "amount_cents",
    "discount_cents",
    "points_redeemed",
    "redeem_value_cents",
    "to_pay_cents",
    "points_earned",
    "refunded_cents",
    "store_code",
    "till",
    "actor",
    "created_at",
    "request_id",
)
_LEDGER_COLUMNS = (
    "uuid",
    "member_id",
    "points",
    "kind",
    "reason",
    "sale_id",
    "actor",
    "store_code",
    "till",
    "created_at",
)


@dataclass
class SalesImportReport:
    """What an import did (or, in a dry run or when refused, would do)."""

    file: str
    encoding: str
    delimiter: str
    rows: int = 0
    imported: int = 0
    members: int = 0
    amount_cents: int = 0
    points_earned: int = 0
    points_redeemed: int = 0
    invalid: list[RowIssue] = field(default_factory=list)
    skipped: list[RowIssue] = field(default_factory=list)
    dry_run: bool = False
    refused: bool = False
    applied: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "rows": self.rows,
            "imported": self.imported,
            "members": self.members,
            "amount_cents": self.amount_cents,
            "points_earned": self.points_earned,
            "points_redeemed": self.points_redeemed,
            "invalid": [i.to_json() for i in self.invalid],
            "skipped": [s.to_json() for s in self.skipped],
            "dry_run": self.dry_run,
            "refused": self.refused,
            "applied": self.applied,
        }


@dataclass(frozen=True, slots=True)
class _Member:
    id: int
    uuid: str
    balance: int


def _members_of(ctx: Context, cards: Iterable[str]) -> dict[str, _Member]:
    """The member behind each card (any card they ever had), by card number."""
    found: dict[str, _Member] = {}
    with ctx.db.reading() as session:
        conn = session.connection()
        for number, member_id, uuid, balance in select_in(
            conn,
            "SELECT c.number, m.id, m.uuid, m.points_balance FROM card c "
            "JOIN member m ON m.id = c.member_id WHERE c.number IN ({keys})",
            sorted(set(cards)),
        ):
            found[number] = _Member(member_id, uuid, balance)
    return found


def _imported_receipts(ctx: Context, keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (store, receipt) pairs were imported before."""
    by_store: defaultdict[str, list[str]] = defaultdict(list)
    for store, receipt in keys:
        by_store[store].append(receipt)
    found: set[tuple[str, str]] = set()
    with ctx.db.reading() as session:
        conn = session.connection()
        for store, receipts in by_store.items():
            if not store.isdigit():  # store codes are checked digits; never SQL text
                raise InvalidInput(
                    _("“{store}” is not a store code (3 digits)").format(store=store)
                )
            # With the store named the look-up runs on the request-id index, not the table.
            for (receipt,) in select_in(
                conn,
                f"SELECT request_id FROM sale WHERE store_code = '{store}' "
                f"AND till = {IMPORT_TILL} AND request_id IN ({{keys}})",
                sorted(receipts),
            ):
                found.add((store, receipt))
    return found


def _check(
    ctx: Context, report: SalesImportReport, data: bytes
) -> tuple[list[SaleRow], dict[str, _Member]]:
    """Every row checked; invalid rows and already imported receipts go to the report."""
    parsed = read_sales_file(data)
    report.encoding, report.delimiter = parsed.encoding, parsed.delimiter
    rules = ctx.rules()
    zone = ctx.program().timezone
    rows: list[SaleRow] = []
    for line, cells in parsed.rows():
        report.rows += 1
        try:
            rows.append(
                check_sale_row(
                    line,
                    cells,
                    zone=zone,
                    max_cents=rules.max_sale_cents,
                    currency=rules.currency,
                )
            )
        except LoyaltyError as exc:
            report.invalid.append(RowIssue(line, exc.message))
    members = _members_of(ctx, (r.card for r in rows))
    known: list[SaleRow] = []
    for row in rows:
        if row.card in members:
            known.append(row)
        else:
            report.invalid.append(
                RowIssue(
                    row.line,
                    _("card {card} belongs to no member: import the members first").format(
                        card=row.card
                    ),
                )
            )
    here = ctx.store_code
    keys = {(r.store or here, r.receipt) for r in known if r.receipt is not None}
    before = _imported_receipts(ctx, keys)
    seen: dict[tuple[str, str], int] = {}
    fresh: list[SaleRow] = []
    for row in known:
        if row.receipt is not None:
            key = (row.store or here, row.receipt)
            if key in before:
                report.skipped.append(
                    RowIssue(
                        row.line,
                        _("receipt {receipt} was imported before").format(receipt=row.receipt),
                    )
                )
                continue
            if key in seen:
                report.skipped.append(
                    RowIssue(
                        row.line,
                        _("receipt {receipt} is already on line {line}").format(
                            receipt=row.receipt, line=seen[key]
                        ),
                    )
                )
                continue
            seen[key] = row.line
        fresh.append(row)
    _check_balances(fresh, members, report)
    report.invalid.sort(key=lambda issue: issue.line)
    return fresh, members


def _check_balances(
    rows: list[SaleRow], members: dict[str, _Member], report: SalesImportReport
) -> None:
    """A member's points may not go below 0 (rows in date order, as they happened)."""
    balance: dict[int, int] = {}
    moving = [r for r in rows if r.points_earned or r.points_redeemed]
    for row in sorted(moving, key=lambda r: (r.at, r.line)):
        member = members[row.card]
        now = balance.get(member.id, member.balance) + row.points_earned - row.points_redeemed
        if now < 0:
            report.invalid.append(
                RowIssue(
                    row.line,
                    _("points_redeemed would take card {card} below 0 points").format(
                        card=row.card
                    ),
                )
            )
        balance[member.id] = now


def import_sales_csv(ctx: Context, path: str | Path, *, dry_run: bool = False) -> SalesImportReport:
    """Import a sales history file; refused whole (nothing stored) when a row is invalid."""
    path = Path(path)
    report = SalesImportReport(file=str(path), encoding="", delimiter="", dry_run=dry_run)
    rows, members = _check(ctx, report, read_import_file(path))
    if report.invalid:
        report.refused = True
        return report
    report.imported = len(rows)
    report.members = len({members[r.card].id for r in rows})
    report.amount_cents = sum(r.amount_cents for r in rows)
    report.points_earned = sum(r.points_earned for r in rows)
    report.points_redeemed = sum(r.points_redeemed for r in rows)
    if dry_run or not rows:
        return report
    _write(ctx, rows, members, path.name, report)
    report.applied = True
    return report


def _write(
    ctx: Context,
    rows: list[SaleRow],
    members: dict[str, _Member],
    file_name: str,
    report: SalesImportReport,
) -> None:
    program = ctx.program()
    uuids = new_uuids()
    with ctx.db.transaction() as session:
        conn = session.connection()
        v = DriverValues(conn.dialect.name == "sqlite")
        deltas: defaultdict[int, int] = defaultdict(int)
        visits: dict[int, Any] = {}
        # Built and written a chunk at a time: the memory of a 1,000,000-row file is its
        # checked rows, not its rows three times over (sales, ledger, events).
        for chunk in chunks(rows, WRITE_CHUNK):
            _write_chunk(ctx, conn, v, chunk, members, uuids, deltas, visits)
        execute_many(
            conn,
            "UPDATE member SET points_balance = points_balance + ? WHERE id = ?",
            [(delta, member_id) for member_id, delta in deltas.items() if delta],
        )
        execute_many(
            conn,
            "UPDATE member SET last_visit_at = ? WHERE id = ? "
            "AND (last_visit_at IS NULL OR last_visit_at < ?)",
            [(at, member_id, at) for member_id, at in visits.items()],
        )
        if program.tiers:
            _update_tiers(conn, ctx, list(visits))
        record(
            session,
            ctx,
            "sales.import",
            "file",
            file_name,
            imported=report.imported,
            members=report.members,
            skipped=len(report.skipped),
            points_earned=report.points_earned,
            points_redeemed=report.points_redeemed,
        )


def _write_chunk(
    ctx: Context,
    conn: Connection,
    v: DriverValues,
    rows: list[SaleRow],
    members: dict[str, _Member],
    uuids: Iterator[str],
    deltas: defaultdict[int, int],
    visits: dict[int, Any],
) -> None:
    """One chunk's sales, ledger rows and sync events; balances and visits add up."""
    rules = ctx.rules()
    here = ctx.store_code
    sales: list[tuple[Any, ...]] = []
    ledger: list[tuple[Any, ...]] = []
    outbox: list[tuple[str, dict[str, Any]]] = []
    ids = allocate_ids(conn, "sale", len(rows))
    for row, sale_id in zip(rows, ids, strict=True):
        member = members[row.card]
        at_utc = row.at.astimezone(UTC)
        at, iso = v.time(at_utc), at_utc.isoformat()
        store = row.store or here
        redeem_value = min(rules.points_value_cents(row.points_redeemed), row.amount_cents)
        sale = {
            "uuid": next(uuids),
            "card_number": row.card,
            "amount_cents": row.amount_cents,
            "discount_cents": 0,
            "coupon_code": None,
            "points_redeemed": row.points_redeemed,
            "redeem_value_cents": redeem_value,
            "to_pay_cents": row.amount_cents - redeem_value,
            "points_earned": row.points_earned,
            "store_code": store,
            "till": IMPORT_TILL,
            "actor": IMPORT_ACTOR,
            "created_at": iso,
            "request_id": row.receipt,
        }
        sales.append(
            (
                sale_id,
                sale["uuid"],
                member.id,
                row.card,
                row.amount_cents,
                0,
                row.points_redeemed,
                redeem_value,
                sale["to_pay_cents"],
                row.points_earned,
                0,
                store,
                IMPORT_TILL,
                IMPORT_ACTOR,
                at,
                row.receipt,
            )
        )
        entries = []
        for points, kind in ((row.points_earned, "earn"), (-row.points_redeemed, "redeem")):
            if points:
                entry = {
                    "uuid": next(uuids),
                    "points": points,
                    "kind": kind,
                    "reason": IMPORT_ACTOR,
                    "actor": IMPORT_ACTOR,
                    "store_code": store,
                    "till": IMPORT_TILL,
                    "created_at": iso,
                }
                entries.append(entry)
                ledger.append(
                    (
                        entry["uuid"],
                        member.id,
                        points,
                        kind,
                        IMPORT_ACTOR,
                        sale_id,
                        IMPORT_ACTOR,
                        store,
                        IMPORT_TILL,
                        at,
                    )
                )
                deltas[member.id] += points
        if member.id not in visits or visits[member.id] < at:
            visits[member.id] = at
        outbox.append(
            (
                "sale",
                {
                    "sale": {**sale, "member": member.uuid},
                    "ledger": [
                        {**e, "member": member.uuid, "sale": sale["uuid"], "refund": None}
                        for e in entries
                    ],
                },
            )
        )
    insert_rows(conn, "sale", _SALE_COLUMNS, sales)
    insert_rows(conn, "ledger_entry", _LEDGER_COLUMNS, ledger)
    insert_rows(
        conn,
        "sync_event",
        events.EVENT_COLUMNS,
        events.event_rows(ctx, outbox, v.time(ctx.now()), uuids=uuids),
    )


def _update_tiers(conn: Connection, ctx: Context, member_ids: list[int]) -> None:
    """Each member's tier from their qualifying spend now, imported sales included."""
    program = ctx.program()
    since = program.spend_since(ctx.now())
    v = DriverValues(conn.dialect.name == "sqlite")
    condition = "" if since is None else " AND created_at >= ?"
    spend: dict[int, int] = {}
    for part in chunks(member_ids):
        marks = ", ".join("?" * len(part))
        params: list[Any] = list(part)
        if since is not None:
            params.append(v.time(since))
        sql = (
            "SELECT member_id, COALESCE(SUM(to_pay_cents - "
            "(CAST(to_pay_cents AS BIGINT) * refunded_cents) / amount_cents), 0) "
            f"FROM sale WHERE member_id IN ({marks}){condition} GROUP BY member_id"
        )
        if conn.dialect.name != "sqlite":
            sql = driver_sql(sql)
        for member_id, total in conn.exec_driver_sql(sql, tuple(params)):
            spend[member_id] = int(total)
    updates = []
    for member_id in member_ids:
        tier = tier_for(program.tiers, spend.get(member_id, 0))
        updates.append((tier.name if tier is not None else None, member_id))
    execute_many(conn, "UPDATE member SET tier = ? WHERE id = ?", updates)
