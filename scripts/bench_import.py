"""Measure `members import` speed: write a generic CSV of N members, import it, print timings.

Usage: /tmp/venv/bin/python scripts/bench_import.py [ROWS] [--keep DIR]
       /tmp/venv/bin/python scripts/bench_import.py --list-members 1000000
The second form fills a database with N members directly and times the members list
(first page, a page deep in the list, filtered pages) in every sort order.
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

from app.domain.csv_formats import GENERIC_COLUMNS
from app.services.context import Context
from app.services.health import check_database
from app.services.member_io import export_members_csv, import_members_csv
from app.store.database import Database

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


def fill_members(ctx: Context, count: int) -> None:
    """N members with cards straight into the database (faster than an import, for sizing)."""
    from app.domain.cards import make_card_number
    from app.domain.profile import fold

    rng = random.Random(5)
    firsts = [
        f"{a}{b}"
        for a in ("An", "Be", "Jo", "Ma", "Lu", "Fe", "Ka", "El", "Zo", "Ül")
        for b in ("na", "ris", "nas", "x", "kas", "lix", "ra", "ias", "ë", "rich")
    ]
    lasts = [
        f"{a}{b}"
        for a in ("Mü", "Sch", "We", "Fi", "Ho", "Kra", "Bau", "Lo", "Ri", "Ze")
        for b in (
            "ller",
            "midt",
            "ber",
            "scher",
            "ffmann",
            "use",
            "er",
            "renz",
            "chter",
            "hn",
            "ndt",
            "ck",
            "ger",
            "ssel",
            "itz",
        )
    ]
    stamp = "2026-01-01 00:00:00.000000"
    conn = ctx.db.engine.raw_connection()
    cur = conn.cursor()
    cur.execute("BEGIN")
    batch = 50_000
    for start in range(0, count, batch):
        members, cards = [], []
        for i in range(start, min(count, start + batch)):
            first, last = rng.choice(firsts), rng.choice(lasts)
            email = f"{fold(first)}.{fold(last)}{i}@example.org"
            phone = f"+4917{i:09d}"
            members.append(
                (
                    i + 1,
                    f"u{i}",
                    first,
                    last,
                    email,
                    phone,
                    rng.randint(0, 5000),
                    stamp,
                    stamp,
                    fold(first),
                    fold(last),
                    email,
                    "0" + phone[3:],
                    phone[1:],
                )
            )
            cards.append((make_card_number(ctx.layout(), i + 1), i + 1, stamp))
        cur.executemany(
            "INSERT INTO member (id, uuid, first_name, last_name, email, phone, points_balance, "
            "created_at, updated_at, first_key, last_key, email_key, phone_national, "
            "phone_international, salutation, marketing_consent, notes, status, home_store) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,'',0,'','active','001')",
            members,
        )
        cur.executemany(
            "INSERT INTO card (number, member_id, status, issued_at) VALUES (?,?,'active',?)",
            cards,
        )
    cur.execute("COMMIT")
    cur.execute("ANALYZE")
    conn.close()


def bench_list(count: int, folder: Path) -> None:
    from app.services.member_list import list_members

    db_file = folder / "list.db"
    if not db_file.exists():
        ctx = Context(Database(str(db_file)), actor="bench")
        start = time.perf_counter()
        fill_members(ctx, count)
        print(f"filled {count:,} members in {time.perf_counter() - start:.0f} s")
    else:
        ctx = Context(Database(str(db_file)), actor="bench")

    def timed(label: str, **kwargs: object) -> None:
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            page = list_members(ctx, limit=50, **kwargs)
            runs.append(time.perf_counter() - start)
        runs.sort()
        print(f"{label:45} {runs[2] * 1000:7.1f} ms  ({len(page.members)} rows)")

    for sort in ("name", "points", "newest"):
        first = list_members(ctx, sort=sort, limit=50)
        timed(f"first page, sort={sort}", sort=sort)
        timed(f"next page, sort={sort}", sort=sort, after_key=first.next_key)
    deep = list_members(ctx, "ze", limit=1000)
    timed("deep page (after 'ze...'), sort=name", after_key=deep.next_key)
    for text in ("m", "mü", "müller", "anna", "ülrich zech", "0170000", "ännaschmidt", "xq"):
        timed(f"filter {text!r}, sort=name", filter_text=text)
    timed("filter 'mü', sort=points", filter_text="mü", sort="points")
    ctx.db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("rows", type=int, nargs="?", default=100_000)
    parser.add_argument("--keep", help="folder to keep the CSV and the database in")
    parser.add_argument("--list-members", type=int, metavar="N", help="time the members list")
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="bench-import-"))
    folder.mkdir(parents=True, exist_ok=True)
    if args.list_members:
        bench_list(args.list_members, folder)
        return 0
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
