"""Measure the WAL's size while several tills write sales without a pause.

Run from the repository root: ``python scripts/bench_wal.py [--tills 4] [--seconds 20]
[--json]``.

Each till is a process that checks out on its own members' cards as fast as it can, for the
given time, on one SQLite file; a watcher samples the size of the ``-wal`` file every 20 ms.
The issue's bound: the WAL stays at or below 64 MB (``wal_max_mb``).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_stall import _wal_watch, _write_csv
from bench_sync import print_results

from app.services.context import Context
from app.services.member_io import import_members_csv
from app.store.database import Database

MEMBERS_PER_TILL = 50


def _till(path: str, cards: list[str], seconds: float, out: str) -> None:
    from app.domain.errors import LoyaltyError
    from app.services.checkout import checkout

    ctx = Context(Database(path, migrate=False, create=False), actor="till")
    sales = errors = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            checkout(ctx, cards[sales % len(cards)], 1_00 + sales % 5_000)
            sales += 1
        except LoyaltyError:
            errors += 1
    ctx.db.dispose()
    Path(out).write_text(json.dumps([sales, errors]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tills", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        db = root / "shop.db"
        ctx = Context(Database(str(db)), actor="bench")
        members = root / "members.csv"
        _write_csv(members, args.tills * MEMBERS_PER_TILL)
        import_members_csv(ctx, members)
        ctx.db.dispose()
        cards = [r[0] for r in sqlite3.connect(db).execute("SELECT number FROM card")]
        spawn = multiprocessing.get_context("spawn")
        stop, wal_out = str(root / "stop"), str(root / "wal.json")
        watch = spawn.Process(target=_wal_watch, args=(db, stop, wal_out))
        watch.start()
        tills = []
        for n in range(args.tills):
            own = cards[n * MEMBERS_PER_TILL : (n + 1) * MEMBERS_PER_TILL]
            out = str(root / f"till{n}.json")
            tills.append((spawn.Process(target=_till, args=(str(db), own, args.seconds, out)), out))
        for process, _out in tills:
            process.start()
        for process, _out in tills:
            process.join()
        Path(stop).touch()
        watch.join()
        counts = [json.loads(Path(out).read_text()) for _p, out in tills]
        wal = json.loads(Path(wal_out).read_text())
    results = {
        "tills": args.tills,
        "seconds": args.seconds,
        "sales": sum(c[0] for c in counts),
        "errors": sum(c[1] for c in counts),
        "wal_max_mb": round(max(size for _at, size in wal), 1) if wal else 0.0,
        "load_avg": round(os.getloadavg()[0], 2),
    }
    print_results(results, as_json=args.json)


if __name__ == "__main__":
    main()
