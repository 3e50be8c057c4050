"""Measure how long a till's checkout waits while a long job runs on the same SQLite file.

Run from the repository root: ``python scripts/bench_stall.py [--members 100000]
[--events 100000] [--json]``.

A second process checks out every 50 ms (a sale on one of a few members' cards) while, in
this process, (a) ``import_members_csv`` imports a CSV of N new members and (b)
``import_events`` (the chain's public sync import) applies N sync events from another shop,
generated as ``scripts/bench_sync.py`` generates them. Each checkout's wall time is sorted
into the phase it started in: idle (before either job), member import, sync import. The
figures are p99 and max per phase in ms; the issue's target is p99 <= 100 ms and max <= 250 ms
during either job. The WAL's largest size seen is reported too (``wal_max_mb``).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import itertools
import json
import multiprocessing
import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sync import _events, print_results

from app.bench.measure import percentile
from app.domain.csv_formats import GENERIC_COLUMNS
from app.services.chain.exchange import export_events, import_events
from app.services.chain.setup import init_shop
from app.services.context import Context
from app.services.member_io import import_members_csv
from app.store.database import Database

INTERVAL_S = 0.05
IDLE_S = 5.0
TILL_MEMBERS = 20


def _letters(n: int) -> str:
    """``n`` spelled in letters (names may not hold digits): 0 -> "a", 27 -> "bb"."""
    text = ""
    while True:
        n, rest = divmod(n, 26)
        text = "abcdefghijklmnopqrstuvwxyz"[rest] + text
        if not n:
            return text.capitalize()


def _write_csv(path: Path, count: int, start: int = 0) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(GENERIC_COLUMNS)
        for n in range(start, start + count):
            writer.writerow(
                [
                    "",
                    "",
                    f"Anna {_letters(n)}",
                    f"Müller {_letters(n)}",
                    f"m{n}@example.org",
                    "",
                    "",
                    "10115",
                    "no",
                    "",
                    str(n % 50),
                    "",
                    "",
                ]
            )


def _till(path: str, cards: list[str], out: str, stop: str) -> None:
    """The second process: a sale every 50 ms; each as (start time, ms, ok) in ``out``."""
    from app.domain.errors import LoyaltyError
    from app.services.checkout import checkout

    ctx = Context(Database(path, migrate=False, create=False), actor="till")
    samples = []
    n = 0
    while not os.path.exists(stop):
        began = time.time()
        t0 = time.perf_counter()
        ok = True
        try:
            checkout(ctx, cards[n % len(cards)], 1_00 + n % 5_000)
        except LoyaltyError:
            ok = False
        samples.append((began, (time.perf_counter() - t0) * 1e3, ok))
        if n == 0:
            Path(out + ".ready").touch()
        n += 1
        time.sleep(max(0.0, INTERVAL_S - (time.time() - began)))
    Path(out).write_text(json.dumps(samples))
    ctx.db.dispose()


def _wal_watch(path: Path, stop: str, out: str) -> None:
    """The -wal file's size in MB every 20 ms, as (time, size) pairs in ``out``."""
    wal = Path(str(path) + "-wal")
    samples = []
    while not os.path.exists(stop):
        with contextlib.suppress(FileNotFoundError):
            samples.append((time.time(), wal.stat().st_size / 1e6))
        time.sleep(0.02)
    Path(out).write_text(json.dumps(samples))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=100_000)
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
        # Shop A's events, written straight into its outbox and exported to the folder.
        con = sqlite3.connect(root / "a.db")
        for rows in _events(a.node(), args.events, random.Random(7), {}):
            con.executemany(
                "INSERT INTO sync_event (uuid, node, seq, store_code, till, kind, payload, "
                "created_at, applied_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        con.commit()
        con.close()
        export_events(a, folder)
        a.db.dispose()
        # The till's members, then the big file for the member import.
        small, big = root / "till.csv", root / "members.csv"
        _write_csv(small, TILL_MEMBERS, start=10_000_000)
        till_members = import_members_csv(b, small)
        assert till_members.applied, till_members.to_json()
        cards = [r[0] for r in sqlite3.connect(root / "b.db").execute("SELECT number FROM card")]
        _write_csv(big, args.members)

        stop, samples_out, wal_out = str(root / "stop"), str(root / "s.json"), str(root / "w")
        spawn = multiprocessing.get_context("spawn")
        till = spawn.Process(target=_till, args=(str(root / "b.db"), cards, samples_out, stop))
        watch = spawn.Process(target=_wal_watch, args=(root / "b.db", stop, wal_out))
        till.start()
        watch.start()
        while not Path(samples_out + ".ready").exists():  # the till's start-up
            time.sleep(0.05)
        marks = {"idle": time.time()}
        time.sleep(IDLE_S)
        marks["member_import"] = time.time()
        members = import_members_csv(b, big)
        marks["sync_import"] = time.time()
        synced = import_events(b, folder)
        marks["end"] = time.time()
        time.sleep(0.5)
        Path(stop).touch()
        till.join()
        watch.join()
        b.db.dispose()
        samples = json.loads(Path(samples_out).read_text())
        wal = json.loads(Path(wal_out).read_text())

    phases = list(marks)
    by_phase: dict[str, list[float]] = {name: [] for name in phases[:-1]}
    errors = 0
    for began, ms, ok in samples:
        errors += not ok
        for name, following in itertools.pairwise(phases):
            if marks[name] <= began < marks[following]:
                by_phase[name].append(ms)
    results: dict[str, object] = {}
    for name, values in by_phase.items():
        results[f"checkout_p99_ms_{name}"] = round(percentile(values, 99), 1) if values else None
    job_samples = by_phase["member_import"] + by_phase["sync_import"]
    results["checkout_max_ms"] = round(max(job_samples), 1) if job_samples else None
    for name, following in itertools.pairwise(phases):
        sizes = [mb for at, mb in wal if marks[name] <= at < marks[following]]
        results[f"wal_max_mb_{name}"] = round(max(sizes), 1) if sizes else None
    for name, values in by_phase.items():
        results[f"checkout_max_ms_{name}"] = round(max(values), 1) if values else None
        results[f"checkouts_{name}"] = len(values)
    results.update(
        checkout_errors=errors,
        member_import_s=round(marks["sync_import"] - marks["member_import"], 1),
        members_imported=members.imported,
        sync_import_s=round(marks["end"] - marks["sync_import"], 1),
        events_applied=synced.events_applied,
        load_avg=round(os.getloadavg()[0], 2),
    )
    print_results(results, as_json=args.json)


if __name__ == "__main__":
    main()
