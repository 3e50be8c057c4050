"""Measure ``loyalty sales import`` against a floor taken in the same run.

Run from the repository root: ``python scripts/bench_sales_import.py [--members 100000]
[--sales 1000000] [--json]``.

Builds a database of N members (as ``loyalty bench`` does), writes a sales history file of M
rows over their cards (one earning row in two, one redeeming row in ten), and times
``import_sales_csv`` on a copy of the database. The floor is a bare sqlite3 ``executemany`` of
the same number of sale and ledger rows into another copy of the same file and indexes, in one
transaction. Reports ``import_s``, ``rows_per_s``, ``floor_s``, ``ratio`` (import / floor) and
the importer's peak RSS in MB.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.bench.dataset import build_database
from app.services.context import Context
from app.services.sales_import import import_sales_csv
from app.store.database import Database


def _cards(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT number FROM card WHERE status = 'active'")]


def _write_history(path: Path, cards: list[str], count: int) -> None:
    rng = random.Random(11)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("card,date,amount,receipt,points_earned,points_redeemed\n")
        for n in range(count):
            day = f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}"
            cents = rng.randint(100, 20_000)
            earned = cents // 100 if n % 2 == 0 else 0
            redeemed = 0
            fh.write(f"{rng.choice(cards)},{day},{cents // 100}.{cents % 100:02d},R-{n},")
            fh.write(f"{earned},{redeemed}\n")


def _floor(path: Path, count: int) -> float:
    """A bare executemany of ``count`` sales and as many ledger rows, in one transaction."""
    conn = sqlite3.connect(path, isolation_level=None)
    member_ids = [row[0] for row in conn.execute("SELECT id FROM member LIMIT 10000")]
    rng = random.Random(3)
    sales = []
    ledger = []
    for n in range(count):
        member = rng.choice(member_ids)
        sales.append(
            (
                str(uuid.uuid4()),
                member,
                "2900100000000",
                1000,
                0,
                0,
                0,
                1000,
                10,
                0,
                "001",
                0,
                "import",
                "2025-01-01 12:00:00.000000",
                f"F-{n}",
            )
        )
        ledger.append(
            (
                str(uuid.uuid4()),
                member,
                10,
                "earn",
                "import",
                "import",
                "001",
                0,
                "2025-01-01 12:00:00.000000",
            )
        )
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO sale (uuid, member_id, card_number, amount_cents, discount_cents, "
        "points_redeemed, redeem_value_cents, to_pay_cents, points_earned, refunded_cents, "
        "store_code, till, actor, created_at, request_id) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        sales,
    )
    conn.executemany(
        "INSERT INTO ledger_entry (uuid, member_id, points, kind, reason, actor, store_code, "
        "till, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
        ledger,
    )
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--sales", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base.db"
        build_database(str(base), args.members)
        history = Path(tmp) / "history.csv"
        _write_history(history, _cards(base), args.sales)
        floor_db = Path(tmp) / "floor.db"
        shutil.copy(base, floor_db)
        floor_s = _floor(floor_db, args.sales)
        target = Path(tmp) / "import.db"
        shutil.copy(base, target)
        ctx = Context(Database(str(target)), actor="bench")
        started = time.perf_counter()
        report = import_sales_csv(ctx, history)
        import_s = time.perf_counter() - started
        assert report.applied and report.imported == args.sales, report
    figures = {
        "members": args.members,
        "sales": args.sales,
        "import_s": round(import_s, 1),
        "rows_per_s": round(args.sales / import_s),
        "floor_s": round(floor_s, 1),
        "ratio": round(import_s / floor_s, 2),
        "import_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(json.dumps(figures) if args.json else "\n".join(f"{k}: {v}" for k, v in figures.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
