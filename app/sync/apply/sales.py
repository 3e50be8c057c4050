"""Sales, refunds and points from other shops, and the ledger rows they carry.

Points are ledger rows; the cached balance moves by their sum, so shops that exchanged all
files end with the same balances whatever the order of the files. A balance below zero after
offline redemptions in two shops, and a sale refunded beyond its amount, are for the owner.

Bulk statements (executemany, ids handed out up front) keep imports fast: a busy shop's day is
tens of thousands of sales.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, insert, select, update

from app.store.bulk import allocate_ids, execute_many, insert_rows, select_in
from app.store.tables import COUPON_REDEMPTION, MEMBER, REFUND, SALE
from app.sync.apply.coupons import insert_redemptions
from app.sync.apply.stamps import insert_stamps
from app.sync.apply.state import ApplyState, Event, chunks, time_of
from app.sync.events import SALE_FIELDS

# Sale columns a sale event carries as they are (member and time are converted).
_SALE_COLUMNS = tuple(f for f in SALE_FIELDS if f != "created_at")
_SALE_VALUES = itemgetter(*_SALE_COLUMNS)
# Where a sale row (member_id, created_at, refunded_cents, *_SALE_COLUMNS) holds these.
_STORE_AT, _TILL_AT, _REQUEST_AT = (
    3 + _SALE_COLUMNS.index(f) for f in ("store_code", "till", "request_id")
)
R = TypeVar("R")


def _sale_request(row: tuple[Any, ...]) -> tuple[str, int, str] | None:
    request = row[_REQUEST_AT]
    return None if request is None else (row[_STORE_AT], row[_TILL_AT], request)


def _sale_without_request(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return (*row[:_REQUEST_AT], None, *row[_REQUEST_AT + 1 :])


_LEDGER_COLUMNS = (
    "uuid",
    "member_id",
    "points",
    "kind",
    "reason",
    "sale_id",
    "refund_id",
    "actor",
    "store_code",
    "till",
    "created_at",
)


def apply_sales(state: ApplyState, events: list[Event]) -> None:
    """Insert new sales (with their coupon uses and stamps); their ledger rows come later."""
    rows, visits, new, extras = [], state.visits, [], []
    # Driver values (ISO text in SQLite, datetimes elsewhere) order like the times they hold.
    stamp, member_id_of, known = state.values.iso_time, state.member_id, state.sales
    applied, deferred, ledger = state.out.applied, state.out.deferred, state.fresh_ledger
    for event in events:
        data = event["data"]
        sale = data["sale"]
        member_id = member_id_of(sale["member"])
        if member_id is None or not _offers_known(state, data):
            deferred.append(event)
            continue
        applied.append(event)
        if sale["uuid"] not in known:
            at = stamp(sale["created_at"])
            rows.append((member_id, at, 0, *_sale_values(sale)))
            new.append(sale["uuid"])
            if member_id not in visits or visits[member_id] < at:
                visits[member_id] = at
            ledger.extend(data["ledger"])
            if data.get("coupons") or data.get("stamps"):
                extras.append(event)
    if not rows:
        return
    rows = _without_taken_requests(state, SALE, rows, _sale_request, _sale_without_request)
    # Ids handed out here: no look-up of the new rows' ids afterwards.
    ids = allocate_ids(state.conn, "sale", len(rows))
    insert_rows(
        state.conn,
        "sale",
        ("member_id", "created_at", "refunded_cents", *_SALE_COLUMNS, "id"),
        [(*row, id_) for row, id_ in zip(rows, ids, strict=True)],
    )
    known.update(zip(new, ids, strict=True))
    # Coupons used and stamps given with the new sales (most sales have neither).
    insert_redemptions(state, extras)
    insert_stamps(
        state,
        [
            (row, known[e["data"]["sale"]["uuid"]])
            for e in extras
            for row in e["data"].get("stamps", ())
        ],
    )


RequestKey = tuple[str, int, str]


def _without_taken_requests(
    state: ApplyState,
    table: Table,
    rows: list[R],
    key: Callable[[R], RequestKey | None],
    without: Callable[[R], R],
) -> list[R]:
    """The rows, those whose request id (``key``: store, till, id) is taken here already
    ``without`` it.

    A request id is unique per shop and till (``ux_sale_request``, ``ux_refund_request``) and
    serves only that till's retries. A shop that went back to an old backup and booked again
    under receipt numbers it had sent before must not make the other shops' imports fail on
    the index: the sale or refund arrives, without the repeated id.
    """
    keys = [k for k in map(key, rows) if k is not None]
    if not keys:
        return rows  # most sales: no request id, no look-up
    asked: defaultdict[tuple[str, int], list[str]] = defaultdict(list)
    for store, till, request in keys:
        asked[(store, till)].append(request)
    c = table.c
    taken: set[RequestKey] = set()
    for (store, till), requests in asked.items():
        for part in chunks(requests):
            found = state.conn.execute(
                select(c.request_id).where(
                    c.store_code == store, c.till == till, c.request_id.in_(part)
                )
            ).scalars()
            taken.update((store, till, request) for request in found)
    kept = []
    for row in rows:
        k = key(row)
        if k is not None:
            if k in taken:
                row = without(row)
            taken.add(k)  # twice in one file: the first keeps it
        kept.append(row)
    return kept


def _offers_known(state: ApplyState, data: dict[str, Any]) -> bool:
    """Whether the coupons and stamp programs a sale names are here (else it waits)."""
    coupons, stamps = data.get("coupons"), data.get("stamps")
    # Most sales have neither: no generator to run for them.
    return (not coupons or all(r["coupon"] in state.coupons for r in coupons)) and (
        not stamps or all(r["program"] in state.programs for r in stamps)
    )


def _sale_values(sale: dict[str, Any]) -> tuple[Any, ...]:
    """The sale's columns in ``_SALE_COLUMNS`` order (None for one a file leaves out)."""
    try:
        return _SALE_VALUES(sale)
    except KeyError:
        return tuple(sale.get(k) for k in _SALE_COLUMNS)


def apply_refunds(state: ApplyState, events: list[Event]) -> None:
    """Insert new refunds of sales that are here; give back the coupon uses they undid."""
    rows = []
    refunded: dict[int, int] = defaultdict(int)
    for event in events:
        refund = event["data"]["refund"]
        sale_id = state.sales.get(refund["sale"])
        if sale_id is None:
            state.defer(event)
            continue
        state.take(event)
        if refund["uuid"] not in state.refunds:
            row = {k: v for k, v in refund.items() if k != "sale"}
            row.setdefault("request_id", None)  # files written before request ids lack it
            row.update(sale_id=sale_id, created_at=time_of(refund["created_at"]))
            rows.append(row)
            refunded[sale_id] += refund["amount_cents"]
            state.fresh_ledger.extend(event["data"]["ledger"])
    if not rows:
        return
    conn = state.conn
    rows = _without_taken_requests(
        state,
        REFUND,
        rows,
        lambda r: (r["store_code"], r["till"], r["request_id"]) if r["request_id"] else None,
        lambda r: {**r, "request_id": None},
    )
    conn.execute(insert(REFUND), rows)
    state.load_ids(REFUND, state.refunds, [r["uuid"] for r in rows])
    used = COUPON_REDEMPTION.c
    for event in events:
        refund = event["data"]["refund"]
        undone = event["data"].get("coupons_undone")
        if undone and refund["uuid"] in state.refunds:
            conn.execute(
                update(COUPON_REDEMPTION)
                .where(used.uuid.in_(undone), used.undone_at.is_(None))
                .values(
                    undone_at=time_of(refund["created_at"]),
                    undone_refund_id=state.refunds[refund["uuid"]],
                )
            )
    s = SALE.c
    conn.execute(
        update(SALE)
        .where(s.id == bindparam("sid"))
        .values(refunded_cents=s.refunded_cents + bindparam("amount")),
        [{"sid": k, "amount": v} for k, v in refunded.items()],
    )
    for part in chunks(sorted(refunded)):
        over = conn.execute(
            select(
                s.uuid.label("sale"),
                s.amount_cents,
                s.refunded_cents,
                MEMBER.c.uuid.label("member"),
            )
            .join(MEMBER, MEMBER.c.id == s.member_id)
            .where(s.id.in_(part), s.refunded_cents > s.amount_cents)
        )
        for found in over:
            state.conflict(
                "over_refund",
                None,
                found.member,
                True,
                sale=found.sale,
                amount_cents=found.amount_cents,
                refunded_cents=found.refunded_cents,
            )


def take_points(state: ApplyState, events: list[Event]) -> None:
    """Points events whose members (and sales) are here; their rows may be here already."""
    for event in events:
        entries = event["data"]["ledger"]
        if any(
            state.member_id(e["member"]) is None or (e.get("sale") and e["sale"] not in state.sales)
            for e in entries
        ):
            state.defer(event)
            continue
        state.take(event)
        state.other_ledger.extend(entries)


def write_ledger(state: ApplyState, _events: list[Event]) -> None:
    """Insert the ledger rows of the events taken (once each) and move the balances."""
    entries = list(state.fresh_ledger)
    ledger = state.other_ledger
    if ledger:
        seen = {
            r[0]
            for r in select_in(
                state.conn,
                "SELECT uuid FROM ledger_entry WHERE uuid IN ({keys})",
                [entry["uuid"] for entry in ledger],
            )
        }
        for entry in ledger:
            if entry["uuid"] not in seen:  # not here, nor twice in the list
                seen.add(entry["uuid"])
                entries.append(entry)
    rows: list[tuple[Any, ...]] = []
    deltas: defaultdict[int, int] = defaultdict(int)
    iso_time, member_id_of, sales, refunds = (
        state.values.iso_time,
        state.member_id,
        state.sales,
        state.refunds,
    )
    for entry in entries:
        member_id = member_id_of(entry["member"])
        assert member_id is not None  # checked when the event was taken
        sale, refund = entry.get("sale"), entry.get("refund")
        rows.append(
            (
                entry["uuid"],
                member_id,
                entry["points"],
                entry["kind"],
                entry.get("reason") or "",
                sales.get(sale) if sale else None,
                refunds.get(refund) if refund else None,
                entry.get("actor") or "",
                entry["store_code"],
                entry["till"],
                iso_time(entry["created_at"]),
            )
        )
        deltas[member_id] += entry["points"]
    insert_rows(state.conn, "ledger_entry", _LEDGER_COLUMNS, rows)
    _update_members(state, deltas)


def _update_members(state: ApplyState, deltas: dict[int, int]) -> None:
    """Move balances by ``deltas`` and last visits to the new sales, one update a member."""
    visits = state.visits
    execute_many(
        state.conn,
        "UPDATE member SET points_balance = points_balance + ?, last_visit_at = CASE "
        "WHEN last_visit_at IS NULL OR last_visit_at < ? THEN ? ELSE last_visit_at END "
        "WHERE id = ?",
        [(deltas.get(mid, 0), at, at, mid) for mid, at in visits.items()],
    )
    execute_many(
        state.conn,
        "UPDATE member SET points_balance = points_balance + ? WHERE id = ?",
        [(delta, mid) for mid, delta in deltas.items() if delta and mid not in visits],
    )
    # Only a member whose points went down can have fallen below zero.
    rows = select_in(
        state.conn,
        "SELECT uuid, first_name, last_name, points_balance FROM member "
        "WHERE points_balance < 0 AND id IN ({keys})",
        sorted(mid for mid, delta in deltas.items() if delta < 0),
    )
    for uuid, first, last, balance in rows:
        state.conflict(
            "negative_balance",
            None,
            uuid,
            True,
            name=f"{first} {last}".strip(),
            balance=balance,
        )
