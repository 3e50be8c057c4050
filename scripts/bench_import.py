"""Measure `members import` speed: write a generic CSV of N members, import it, print timings.

Usage: /tmp/venv/bin/python scripts/bench_import.py [ROWS] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.domain.csv_formats import GENERIC_COLUMNS  # noqa: E402
from app.services.context import Context  # noqa: E402
from app.services.health import check_database  # noqa: E402
from app.services.member_io import export_members_csv, import_members_csv  # noqa: E402
from app.store.database import Database  # noqa: E402

FIRST = ["Anna", "Jonas", "Lena", "Lukas", "Mia", "Elias", "Zoë", "Jürgen", "Renée", "Noah"]
LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker"]


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(3)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(GENERIC_COLUMNS)
        for i in range(rows):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            writer.writerow(
                [
                    "",
                    rng.choice(["ms", "mr", ""]),
                    first,
                    last,
                    f"member{i}@example.org",
                    f"+49 171 {1000000 + i}",
                    f"19{rng.randint(40, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                    f"{rng.randint(10000, 99999)}",
                    rng.choice(["yes", "no"]),
                    "",
                    str(rng.randint(0, 2000)),
                    rng.choice(["", "Silver", "Gold"]),
                    "",
                ]
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("rows", type=int, nargs="?", default=100_000)
    parser.add_argument("--keep", help="folder to keep the CSV and the database in")
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="bench-import-"))
    folder.mkdir(parents=True, exist_ok=True)
    source, db_file = folder / "members.csv", folder / "bench.db"
    db_file.unlink(missing_ok=True)
    write_csv(source, args.rows)
    ctx = Context(Database(str(db_file)), actor="bench")
    start = time.perf_counter()
    report = import_members_csv(ctx, source)
    took = time.perf_counter() - start
    print(f"import {report.imported} rows: {took:.1f} s ({report.imported / took:,.0f} rows/s)")
    start = time.perf_counter()
    count = export_members_csv(ctx, folder / "export.csv")
    print(f"export {count} rows: {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    again = import_members_csv(ctx, folder / "export.csv", dry_run=True)
    print(
        f"dry-run re-import of the export: {time.perf_counter() - start:.1f} s, "
        f"{len(again.duplicates)} duplicates found, {len(again.invalid)} invalid"
    )
    print(f"check: {'ok' if check_database(ctx).ok else 'MISMATCH'}")
    ctx.db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
