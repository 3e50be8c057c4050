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
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.services.chain.exchange import export_events, import_events
from app.services.chain.importing import CACHE_MB
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


FLOOR_TABLES = ("member", "card", "sale", "ledger_entry", "sync_event")


def _import_child(db: str, folder: str) -> None:
    """Run in a child process: import the folder into ``db``, print the figures as JSON."""
    b = Context(Database(db), actor="bench")
    started = time.perf_counter()
    imported = import_events(b, folder)
    seconds = time.perf_counter() - started
    b.db.dispose()
    print(
        json.dumps(
            {
                "import_s": seconds,
                "applied": imported.events_applied,
                "deferred": imported.still_deferred,
                "rss_mb": _peak_rss_mb(),
            }
        )
    )


def _peak_rss_mb() -> float:
    """This process's peak resident memory since it started (exec'd) as the program.

    Not ``getrusage``: Linux carries the parent's peak over into a child it spawned.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _floor(empty: Path, filled: Path) -> float:
    """Seconds for bare sqlite3 executemany of the rows the import wrote, into an empty copy.

    The same schema, indexes and pragmas as the import's connection (WAL, synchronous NORMAL,
    no foreign-key checks, the same page cache), one transaction; reading the rows back from
    the imported file is not timed.
    """
    source = sqlite3.connect(filled)
    target = sqlite3.connect(empty, isolation_level=None)
    target.execute("PRAGMA synchronous = NORMAL")
    target.execute("PRAGMA foreign_keys = OFF")
    target.execute(f"PRAGMA cache_size = -{CACHE_MB * 1024}")
    seconds = 0.0
    started = time.perf_counter()
    target.execute("BEGIN IMMEDIATE")
    seconds += time.perf_counter() - started
    for table in FLOOR_TABLES:
        cursor = source.execute(f"SELECT * FROM {table} ORDER BY rowid")
        marks = ", ".join("?" * len(cursor.description))
        while rows := cursor.fetchmany(BATCH):
            started = time.perf_counter()
            target.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
            seconds += time.perf_counter() - started
    started = time.perf_counter()
    target.execute("COMMIT")
    seconds += time.perf_counter() - started
    source.close()
    target.close()
    return seconds


def print_results(results: dict[str, object], *, as_json: bool) -> None:
    """The figures on stdout: one JSON object, or a "key: value" line each."""
    if as_json:
        print(json.dumps(results))
    else:
        for key, value in results.items():
            print(f"{key}: {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("events", type=int, nargs="?", default=100_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--import-child", nargs=2, metavar=("DB", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("LOYALTY_SYNC_SECRET", "bench-secret-0123456789abcdef")
    if args.import_child:
        _import_child(*args.import_child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "central"
        folder.mkdir()
        a = Context(Database(str(root / "a.db")), actor="bench")
        b = Context(Database(str(root / "b.db")), actor="bench")
        init_shop(a, "001", 1, str(folder))
        init_shop(b, "002", 1, str(folder))
        b.db.dispose()
        shutil.copyfile(root / "b.db", root / "floor.db")  # the same empty schema
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
        a.db.dispose()

        # The import in a child process: its peak memory is the import's alone.
        child = subprocess.run(
            [sys.executable, __file__, "--import-child", str(root / "b.db"), str(folder)],
            check=True,
            capture_output=True,
            text=True,
        )
        imported = json.loads(child.stdout)
        import_s = imported["import_s"]
        floor_s = _floor(root / "floor.db", root / "b.db")

        b = Context(Database(str(root / "b.db")), actor="bench")
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
            "import_events_per_s": round(imported["applied"] / import_s),
            "import_floor_s": round(floor_s, 1),
            "import_floor_events_per_s": round(imported["applied"] / floor_s),
            "import_ratio": round(import_s / floor_s, 2),
            "import_rss_mb": round(imported["rss_mb"], 1),
            "applied": imported["applied"],
            "deferred": imported["deferred"],
            "check_ok": report.ok,
            "members_match": got[0] == members,
            "points_match": got[1] == points,
            "load_avg": round(os.getloadavg()[0], 2),
        }
        b.db.dispose()
    print_results(results, as_json=args.json)


if __name__ == "__main__":
    main()
