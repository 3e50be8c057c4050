"""The benchmark's database: N members with cards, sales and ledger rows, bulk-inserted."""

from __future__ import annotations

import os
import random
import resource
import sqlite3
import sys
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from multiprocessing import get_context
from typing import Any

from app.domain.cards import CardLayout, make_card_number
from app.domain.profile import Profile, fold, search_keys
from app.domain.rules import ProgramRules, max_redeemable, quote_checkout
from app.i18n import _
from app.services.context import Context
from app.services.demo import (
    FEMININE,
    FIRST_NAMES,
    LAST_NAMES,
    MOBILE_PREFIXES,
    POSTCODES,
)
from app.store.database import Database

CHUNK = 20_000
# How SQLAlchemy's SQLite DateTime stores a UTC moment (what UTCDateTime writes).
STAMP = "%Y-%m-%d %H:%M:%S.%f"
# Sales per member: many have none or one, a few are regulars.
SALES_WEIGHTS = (25, 25, 20, 15, 10, 5)
ACTOR = "bench"


def say(text: str) -> None:
    """A progress line on stderr (stdout carries the figures)."""
    print(text, file=sys.stderr, flush=True)


def rss_mb(who: int) -> float:
    """Peak resident memory of this process (or its children) in MB."""
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


_fold = lru_cache(maxsize=None)(fold)


def _stamp(moment: datetime) -> str:
    return moment.strftime(STAMP)


# --- building -------------------------------------------------------------------------------


def _member_rows(
    start: int, count: int, seed: int, layout: CardLayout, region: str, rules: ProgramRules
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple]]:
    """Members ``start+1 .. start+count`` with their card, sales and ledger rows."""
    rng = random.Random(seed * 1_000_003 + start)
    now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    store = layout.store_code
    members, cards, sales, ledger = [], [], [], []
    sale_id = start * 5  # at most five sales per member: ids never collide between chunks
    for member_id in range(start + 1, start + count + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = (
            f"{_fold(first)}.{_fold(last)}{member_id}@{rng.choice(('example.org', 'mail.de'))}"
            if rng.random() < 0.8
            else None
        )
        phone = (
            f"+49{rng.choice(MOBILE_PREFIXES)}{10_000_000 + member_id * 7919 % 90_000_000}"
            if rng.random() < 0.7
            else None
        )
        keys = search_keys(Profile(first, last, email=email, phone=phone), region)
        joined = now - timedelta(seconds=rng.randrange(30 * 86400, 5 * 365 * 86400))
        consent = rng.random() < 0.6
        balance = 0
        last_visit = None
        visits = sorted(
            joined + timedelta(seconds=rng.randrange(0, int((now - joined).total_seconds())))
            for _i in range(rng.choices(range(6), SALES_WEIGHTS)[0])
        )
        card = make_card_number(layout, member_id)
        for when in visits:
            amount = rng.randrange(150, 25_000)
            redeem = 0
            if balance >= 100 and rng.random() < 0.3:
                redeem = rng.randrange(100, max_redeemable(rules, balance, amount) + 1)
            quote = quote_checkout(
                rules, balance=balance, amount_cents=amount, redeem_points=redeem
            )
            sale_id += 1
            stamp = _stamp(when)
            sales.append(
                (
                    sale_id,
                    _uuid(rng),
                    member_id,
                    card,
                    quote.amount_cents,
                    quote.points_redeemed,
                    quote.redeem_value_cents,
                    quote.to_pay_cents,
                    quote.points_earned,
                    store,
                    stamp,
                )
            )
            if quote.points_redeemed:
                ledger.append(
                    (_uuid(rng), member_id, -quote.points_redeemed, "redeem", sale_id, store, stamp)
                )
            if quote.points_earned:
                ledger.append(
                    (_uuid(rng), member_id, quote.points_earned, "earn", sale_id, store, stamp)
                )
            balance = quote.balance_after
            last_visit = stamp
        joined_stamp = _stamp(joined)
        members.append(
            (
                member_id,
                _uuid(rng),
                ("ms" if first in FEMININE else "mr") if rng.random() < 0.8 else "",
                first,
                last,
                email,
                phone,
                f"{rng.randint(1940, 2008)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                rng.choice(POSTCODES)
                if rng.random() < 0.5
                else f"{rng.randrange(1067, 99999):05d}",
                int(consent),
                joined_stamp if consent else None,
                balance,
                store,
                joined_stamp,
                joined_stamp,
                last_visit,
                keys.first_key,
                keys.last_key,
                keys.email_key,
                keys.phone_national,
                keys.phone_international,
                keys.first_alt,
                keys.last_alt,
                keys.email_domain,
                keys.phone_reversed,
            )
        )
        cards.append((card, member_id, joined_stamp))
    return members, cards, sales, ledger


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    # Version 4, RFC 4122 variant, as uuid4() would give.
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def generated_rows(
    members: int, seed: int, layout: CardLayout, region: str, rules: ProgramRules
) -> Iterator[tuple[list[tuple[Any, ...]], ...]]:
    """The rows chunk by chunk, in order, made by worker processes while this one inserts."""
    starts = iter(range(0, members, CHUNK))
    workers = min(os.cpu_count() or 1, -(-members // CHUNK))
    if workers == 1:
        for start in starts:
            yield _member_rows(start, min(CHUNK, members - start), seed, layout, region, rules)
        return
    pending: deque[Future[Any]] = deque()
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:

        def submit() -> None:
            start = next(starts, None)
            if start is not None:
                pending.append(
                    pool.submit(
                        _member_rows,
                        start,
                        min(CHUNK, members - start),
                        seed,
                        layout,
                        region,
                        rules,
                    )
                )

        # A few chunks ahead of the inserts, never the whole database in memory.
        for _i in range(workers * 2):
            submit()
        while pending:
            rows = pending.popleft().result()
            submit()
            yield rows


_INSERTS = (
    "INSERT INTO member (id, uuid, salutation, first_name, last_name, email, phone, birthday, "
    "postcode, marketing_consent, consent_at, points_balance, home_store, created_at, "
    "updated_at, last_visit_at, first_key, last_key, email_key, phone_national, "
    "phone_international, first_alt, last_alt, email_domain, phone_reversed, notes, status) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'','active')",
    "INSERT INTO card (number, member_id, status, issued_at) VALUES (?,?,'active',?)",
    "INSERT INTO sale (id, uuid, member_id, card_number, amount_cents, points_redeemed, "
    "redeem_value_cents, to_pay_cents, points_earned, store_code, created_at, discount_cents, "
    f"refunded_cents, till, actor) VALUES (?,?,?,?,?,?,?,?,?,?,?,0,0,1,'{ACTOR}')",
    "INSERT INTO ledger_entry (uuid, member_id, points, kind, sale_id, store_code, created_at, "
    f"reason, till, actor) VALUES (?,?,?,?,?,?,?,'',1,'{ACTOR}')",
)


def build_database(path: str, members: int, *, seed: int = 7, progress: bool = False) -> dict:
    """Create the database at ``path`` with ``members`` members and their histories.

    Returns the build time, the numbers of rows and the builder's peak RSS.
    """
    started = time.perf_counter()
    db = Database(path)  # the schema, through the migrations
    ctx = Context(db, actor=ACTOR)
    layout, rules = ctx.layout(), ctx.rules()
    region = str(ctx.settings()["shop.phone_region"])
    db.dispose()
    conn = sqlite3.connect(path, isolation_level=None)
    # A throw-away file being filled: no fsync and no WAL while building (restored below).
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -262144")
    # Secondary indexes are built once after the rows (a sort) instead of row by row.
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND tbl_name IN ('member', 'card', 'sale', 'ledger_entry')"
    ).fetchall()
    counts = {"sales": 0, "ledger_entries": 0}
    conn.execute("BEGIN")
    for name, _sql in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    done = 0
    for rows in generated_rows(members, seed, layout, region, rules):
        for statement, values in zip(_INSERTS, rows, strict=True):
            conn.executemany(statement, values)
        done += len(rows[0])
        counts["sales"] += len(rows[2])
        counts["ledger_entries"] += len(rows[3])
        if progress:
            say(_("built {done} of {total} members").format(done=f"{done:,}", total=f"{members:,}"))
    for _name, sql in indexes:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    return {
        "build_s": round(time.perf_counter() - started, 1),
        "build_rss_mb": rss_mb(resource.RUSAGE_SELF),
        **counts,
    }
