"""Finding the rows that a file's events name, before any of them is applied.

Events name rows by UUID; looking them all up at once (a few statements for a whole file)
costs far less than a look-up for every event.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from app.store.tables import COUPON, REFUND, SALE, STAMP_PROGRAM
from app.sync.apply.state import ApplyState, Event


def load_named_rows(state: ApplyState, events: list[Event]) -> None:
    """The members, sales and refunds the events name, where this database has them."""
    state.load_members(_member_uuids(events))
    sales: list[str | None] = []
    refunds: list[str | None] = []
    for event in events:
        kind, data = event["kind"], event["data"]
        if kind == "sale":
            sales.append(data["sale"]["uuid"])
        elif kind == "refund":
            sales.append(data["refund"]["sale"])
            refunds.append(data["refund"]["uuid"])
        elif kind == "points":
            sales.extend(row.get("sale") for row in data["ledger"])
    state.load_ids(SALE, state.sales, sales)
    state.load_ids(REFUND, state.refunds, refunds)


def load_offers(state: ApplyState, events: list[Event]) -> None:
    """The coupons and stamp programs that sales and stamps name (new ones of the file too)."""
    state.load_ids(COUPON, state.coupons, _refs(events, "coupons", "coupon"))
    state.load_ids(STAMP_PROGRAM, state.programs, _refs(events, "stamps", "program"))


def _refs(events: Iterable[Event], key: str, field_name: str) -> list[str]:
    """The UUIDs that the ``key`` rows of sale and stamp events name in ``field_name``."""
    return [row[field_name] for e in events for row in e["data"].get(key, ()) if field_name in row]


def _member_uuids(events: Iterable[Event]) -> Iterator[str]:
    for event in events:
        data, kind = event["data"], event["kind"]
        if kind == "member":
            yield data["uuid"]
            if data.get("referred_by"):
                yield data["referred_by"]
        elif kind == "card":
            yield data["member"]
        elif kind == "sale":
            yield data["sale"]["member"]
            yield from (row["member"] for row in data["ledger"])
        elif kind in ("refund", "points"):
            yield from (row["member"] for row in data["ledger"])
        elif kind == "merge":
            yield data["keep"]
            yield data["other"]
        elif kind == "coupon":
            yield from (row["member"] for row in data["coupons"] if row.get("member"))
        elif kind == "stamp":
            yield from (row["member"] for row in data["stamps"])
