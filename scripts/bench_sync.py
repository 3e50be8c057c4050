"""Measure chain sync: export and import of N events between two shops.

Run from the repository root: ``python scripts/bench_sync.py 1000000 [--json]``.

Shop A's event log is filled with N realistic events (a tenth of them members with their
cards, the rest sales with their ledger rows, named with the program's own time-ordered UUIDs),
written straight into its table so that the benchmark measures sync, not checkouts. Then A
exports them to a folder and shop B, a second SQLite file, imports them; the figures are events
per second for each step, and B is checked afterwards (every balance equals its ledger, as many
members and points as A sent).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.services.chain.exchange import export_events, import_events
from app.services.chain.setup import init_shop
from app.services.context import Context
from app.services.health import check_database
from app.store.database import Database
from app.store.models import new_uuid

BATCH = 50_000
FIRST = ["Anna", "Ben", "Clara", "Deniz", "Emil", "Frieda", "Jürgen", "Zoë"]
LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Öztürk", "Wagner", "Becker"]


def _events(
    node: str, count: int, rng: random.Random, totals: dict[str, int]
) -> Iterator[list[tuple]]:
    """The event rows in batches (a million at once would take gigabytes); sums in ``totals``."""
    start = datetime(2026, 1, 1, 8, tzinfo=UTC)
    members = max(1, count // 10 // 2)
    uuids = [new_uuid() for _ in range(members)]
    cards = [f"29001{n:07d}" for n in range(1, members + 1)]
    rows: list[tuple] = []
    totals.update(members=members, points=0)

    def add(kind: str, data: dict, at: datetime) -> None:
        rows.append(
            (
                new_uuid(),
                node,
                0,
                "001",
                1,
                kind,
                json.dumps(data, separators=(",", ":"), ensure_ascii=False),
                at.strftime("%Y-%m-%d %H:%M:%S.%f"),
                at.strftime("%Y-%m-%d %H:%M:%S.%f"),
            )
        )

    for index, member_uuid in enumerate(uuids):
        at = start + timedelta(seconds=index)
        iso = at.isoformat()
        add(
            "member",
            {
                "uuid": member_uuid,
                "salutation": "",
                "first_name": rng.choice(FIRST),
                "last_name": rng.choice(LAST),
                "email": f"m{index}@example.org",
                "phone": None,
                "birthday": None,
                "postcode": "10115",
                "marketing_consent": False,
                "consent_at": None,
                "notes": "",
                "status": "active",
                "home_store": "001",
                "tier": None,
                "created_at": iso,
                "updated_at": iso,
                "updated_store": "001",
                "merged_into": None,
                "base": None,
            },
            at,
        )
        add(
            "card",
            {
                "number": _with_check_digit(cards[index]),
                "member": member_uuid,
                "status": "active",
                "issued_at": iso,
                "printed_at": None,
                "blocked_at": None,
                "replaced_by": None,
            },
            at,
        )
        if len(rows) >= BATCH:
            yield rows
            rows = []
    sales = count - 2 * members
    for index in range(sales):
        at = start + timedelta(days=1, seconds=index * 7)
        iso = at.isoformat()
        who = rng.randrange(members)
        cents = rng.randrange(1_00, 120_00)
        points = cents // 100
        totals["points"] += points
        sale_uuid = new_uuid()
        add(
            "sale",
            {
                "sale": {
                    "uuid": sale_uuid,
                    "card_number": _with_check_digit(cards[who]),
                    "amount_cents": cents,
                    "discount_cents": 0,
                    "coupon_code": None,
                    "points_redeemed": 0,
                    "redeem_value_cents": 0,
                    "to_pay_cents": cents,
                    "points_earned": points,
                    "store_code": "001",
                    "till": 1,
                    "actor": "bench",
                    "created_at": iso,
                    "member": uuids[who],
                },
                "ledger": [
                    {
                        "uuid": new_uuid(),
                        "points": points,
                        "kind": "earn",
                        "reason": "",
                        "actor": "bench",
                        "store_code": "001",
                        "till": 1,
                        "created_at": iso,
                        "member": uuids[who],
                        "sale": sale_uuid,
                        "refund": None,
                    }
                ],
            },
            at,
        )
        if len(rows) >= BATCH:
            yield rows
            rows = []
    if rows:
        yield rows


def _with_check_digit(twelve: str) -> str:
    from stdnum import ean

    return twelve + ean.calc_check_digit(twelve)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("events", type=int, nargs="?", default=100_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("LOYALTY_SYNC_SECRET", "bench-secret-0123456789abcdef")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "central"
        folder.mkdir()
        a = Context(Database(str(root / "a.db")), actor="bench")
        b = Context(Database(str(root / "b.db")), actor="bench")
        init_shop(a, "001", 1, str(folder))
        init_shop(b, "002", 1, str(folder))
        totals: dict[str, int] = {}
        con = sqlite3.connect(root / "a.db")
        for rows in _events(a.node(), args.events, random.Random(7), totals):
            con.executemany(
                "INSERT INTO sync_event (uuid, node, seq, store_code, till, kind, payload, "
                "created_at, applied_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        con.commit()
        con.close()
        members, points = totals["members"], totals["points"]

        started = time.perf_counter()
        exported = export_events(a, folder)
        export_s = time.perf_counter() - started
        size = sum(p.stat().st_size for p in folder.iterdir())

        started = time.perf_counter()
        imported = import_events(b, folder)
        import_s = time.perf_counter() - started

        report = check_database(b)
        got = (
            sqlite3.connect(root / "b.db")
            .execute("SELECT COUNT(*), COALESCE(SUM(points_balance), 0) FROM member")
            .fetchone()
        )
        results = {
            "events": args.events,
            "files": len(exported.files),
            "file_mb": round(size / 1e6, 1),
            "export_s": round(export_s, 1),
            "export_events_per_s": round(exported.events / export_s),
            "import_s": round(import_s, 1),
            "import_events_per_s": round(imported.events_applied / import_s),
            "applied": imported.events_applied,
            "deferred": imported.still_deferred,
            "check_ok": report.ok,
            "members_match": got[0] == members,
            "points_match": got[1] == points,
            "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "load_avg": round(os.getloadavg()[0], 2),
        }
        a.db.dispose()
        b.db.dispose()
    if args.json:
        print(json.dumps(results))
    else:
        for key, value in results.items():
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
