"""`loyalty bench --tills N`: N tills checking out at once on one database, measured.

Each till is a process of its own (spawned: nothing shared with the parent but the URL), with
its own ``Context`` and till number, doing what a till does all day as fast as it can: scan a
random member's card (the lookup behind the member panel), then ring up a sale of a realistic
amount, a quarter of them redeeming points the member has. Only the checkout is timed. They
start together (a barrier) after a few sales of warm-up, and stop after a fixed time or number
of sales. At the end one query checks that every member's balance equals their ledger.
"""

from __future__ import annotations

import contextlib
import math
import os
import queue
import random
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from app.bench.dataset import ACTOR, build_database, say
from app.bench.measure import percentile
from app.bench.pg_dataset import build_pg_database, existing_build
from app.domain.errors import InvalidInput
from app.i18n import _, ngettext
from app.store.database import Database, normalize_url

WARM_UP = 5
REDEEM_SHARE = 0.25
# A child that reports nothing this long after the run should have ended has hung.
GRACE_S = 120

# One statement: the members whose cached balance differs from the sum of their ledger rows.
BALANCE_MISMATCHES = (
    "SELECT count(*) FROM member m LEFT JOIN "
    "(SELECT member_id, sum(points) AS total FROM ledger_entry GROUP BY member_id) l "
    "ON l.member_id = m.id WHERE m.points_balance <> coalesce(l.total, 0)"
)


@dataclass
class TillReport:
    """What one till sends back: its checkout times (s), its exceptions by kind and message."""

    till: int
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    refused: int = 0


def _one_sale(ctx: Any, rng: random.Random, members: int) -> tuple[str, int, int]:
    """A card, an amount and the points to redeem, as a cashier would enter them."""
    from app.domain.cards import make_card_number
    from app.domain.rules import max_redeemable
    from app.services.lookup import lookup_card

    card = make_card_number(ctx.layout(), rng.randint(1, members))
    amount = rng.randrange(150, 25_000)
    redeem = 0
    # The scan: the member panel shows the balance the cashier offers to redeem.
    points = lookup_card(ctx, card, recent=0).points
    if rng.random() < REDEEM_SHARE:
        most = max_redeemable(ctx.rules(), points, amount)
        redeem = rng.randrange(100, most + 1) if most >= 100 else most
    return card, amount, redeem


def till_process(
    url: str,
    members: int,
    till: int,
    duration_s: float,
    sales: int | None,
    barrier: Any,
    results: Any,
) -> None:
    """One till: warm up, wait for the others, then check out for ``duration_s`` seconds, or
    ``sales`` sales when given."""
    from app.domain.errors import NotEnoughPoints
    from app.services.checkout import checkout
    from app.services.context import Context

    report = TillReport(till)
    db = None
    try:
        db = Database(url, create=False)
        ctx = Context(db, actor=ACTOR, till=till)
        rng = random.Random(1_000 + till)
        for _i in range(WARM_UP):
            card, amount, redeem = _one_sale(ctx, rng, members)
            checkout(ctx, card, amount, redeem_points=redeem)
        barrier.wait(timeout=GRACE_S)
        # The clock starts when every till is ready: warm-up and start-up do not count.
        until = time.monotonic() + duration_s if sales is None else math.inf
        limit = sales if sales is not None else math.inf
        while len(report.times) + report.refused < limit and time.monotonic() < until:
            card, amount, redeem = _one_sale(ctx, rng, members)
            t0, cpu0 = time.perf_counter(), time.process_time()
            try:
                checkout(ctx, card, amount, redeem_points=redeem)
            except NotEnoughPoints:
                # Another till spent the points between this till's scan and its sale: the
                # service refusing is the right outcome, not a failure.
                report.refused += 1
            except Exception as exc:
                report.errors[_name(exc)] += 1
            else:
                report.times.append(time.perf_counter() - t0)
                report.cpu.append(time.process_time() - cpu0)
    except threading.BrokenBarrierError:
        pass  # another till could not start: its own report says why
    except Exception as exc:  # this till could not run at all: the parent reports why
        report.errors[_name(exc)] += 1
        barrier.abort()
    finally:
        if db is not None:
            db.dispose()
        results.put(report)


def _name(exc: Exception) -> str:
    message = " ".join(str(getattr(exc, "message", exc)).split())
    return f"{type(exc).__name__}: {message[:120]}"


def run_tills(
    url: str, members: int, tills: int, *, duration_s: float, sales: int | None
) -> dict[str, Any]:
    """``tills`` processes checking out on ``url`` for ``duration_s`` seconds, or ``sales``
    sales each; the figures of all their checkouts together."""
    spawn = get_context("spawn")
    barrier = spawn.Barrier(tills + 1)
    results = spawn.Queue()
    procs = [
        spawn.Process(
            target=till_process,
            args=(url, members, till, duration_s, sales, barrier, results),
            daemon=True,
        )
        for till in range(1, tills + 1)
    ]
    for proc in procs:
        proc.start()
    reports: list[TillReport] = []
    with contextlib.suppress(threading.BrokenBarrierError):  # a till's report says why
        barrier.wait(timeout=GRACE_S)
    started = time.monotonic()
    wait_until = started + (duration_s if sales is None else math.inf) + GRACE_S
    while len(reports) < tills:
        try:
            reports.append(results.get(timeout=max(1.0, min(wait_until - time.monotonic(), 600))))
        except queue.Empty:
            if time.monotonic() >= wait_until or not any(p.is_alive() for p in procs):
                break
    ended = time.monotonic()
    for proc in procs:
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()
    errors: Counter[str] = Counter()
    for report in reports:
        errors.update(report.errors)
    if len(reports) < tills:
        errors[_("a till stopped without reporting")] += tills - len(reports)
    times = [t for report in reports for t in report.times]
    cpu = [t for report in reports for t in report.cpu]
    return {
        "tills": tills,
        "duration_s": round(ended - started, 1),
        "sales": len(times),
        "checkout_p50_ms": round(percentile(times, 50) * 1e3, 2) if times else None,
        "checkout_p99_ms": round(percentile(times, 99) * 1e3, 2) if times else None,
        "checkout_max_ms": round(max(times) * 1e3, 2) if times else None,
        # The till's own CPU time: far below the wall time when the tills wait for a core.
        "checkout_cpu_p50_ms": round(percentile(cpu, 50) * 1e3, 2) if cpu else None,
        "checkout_cpu_p99_ms": round(percentile(cpu, 99) * 1e3, 2) if cpu else None,
        "sales_per_s": round(len(times) / (ended - started), 1) if ended > started else 0.0,
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "refused": sum(report.refused for report in reports),
    }


def balances_match_ledger(url: str) -> bool:
    """Whether every member's balance equals the sum of their ledger rows (one query)."""
    from sqlalchemy import text

    db = Database(url, create=False)
    try:
        with db.reading() as session:
            return session.connection().execute(text(BALANCE_MISMATCHES)).scalar() == 0
    finally:
        db.dispose()


def check_tills(tills: int, duration_s: float, sales: int | None) -> None:
    """Refuse numbers the run cannot use, before anything is built."""
    if not 1 <= tills <= 64:
        raise InvalidInput(_("--tills takes 1 to 64 tills"))
    if sales is None and not 0 < duration_s <= 3600:
        raise InvalidInput(_("--duration takes 0.1 to 3600 seconds"))
    if sales is not None and not 1 <= sales <= 1_000_000:
        raise InvalidInput(_("--sales takes 1 to 1,000,000 sales per till"))


def load_average() -> float:
    """The one-minute load average: how busy the machine was during the run."""
    return round(os.getloadavg()[0], 2)


def run_till_bench(
    members: int,
    tills: int,
    *,
    db: str | None = None,
    keep: str | None = None,
    duration_s: float = 30.0,
    sales: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Build (or reuse) a database of ``members`` members, then run ``tills`` tills on it.

    ``db`` is a PostgreSQL URL: the database is built there, or reused when an earlier run
    built it with the same number of members. Without it, a SQLite file is built as for
    ``loyalty bench`` (in a temporary folder, or at ``keep``).
    """
    if members < 1:
        raise InvalidInput(_("The benchmark needs at least one member"))
    check_tills(tills, duration_s, sales)
    if db is None:
        with tempfile.TemporaryDirectory(prefix="loyalty-bench-") as folder:
            path = Path(keep) if keep else Path(folder) / "bench.db"
            if path.exists():
                raise InvalidInput(
                    _("{path} already exists: the benchmark writes a new database").format(
                        path=path
                    )
                )
            built = _built(build_database, str(path), members, progress)
            results = _measured(str(path), members, tills, duration_s, sales, built, progress)
            if keep:
                results["db"] = str(path)
            return results
    url = normalize_url(db)
    database = Database(url)
    try:
        if not database.is_postgres:
            raise InvalidInput(
                _("--db takes a PostgreSQL URL; a SQLite file is built with --keep PATH")
            )
        earlier = existing_build(database)
        shown = database.display_name
    finally:
        database.dispose()
    if earlier is None:
        built = _built(build_pg_database, url, members, progress)
    elif earlier["members"] == members:
        if progress:
            say(
                _("Reusing the database of {count} members at {db}").format(
                    count=f"{members:,}", db=shown
                )
            )
        built = {**earlier, "reused": True}
    else:
        raise InvalidInput(
            _(
                "{db} holds a benchmark database of {built} members, not {members}: "
                "give another database or drop this one"
            ).format(db=shown, built=f"{earlier['members']:,}", members=f"{members:,}")
        )
    results = _measured(url, members, tills, duration_s, sales, built, progress)
    results["db"] = shown
    return results


def _built(builder: Any, where: str, members: int, progress: bool) -> dict[str, Any]:
    """Build in a child process: the builder's memory is not the measuring process's."""
    if progress:
        say(_("Building a database of {count} members…").format(count=f"{members:,}"))
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        built = pool.submit(builder, where, members, progress=progress).result()
    return {**built, "reused": False}


def _measured(
    url: str,
    members: int,
    tills: int,
    duration_s: float,
    sales: int | None,
    built: dict[str, Any],
    progress: bool,
) -> dict[str, Any]:
    if progress:
        say(
            ngettext(
                "Checking out at {count} till…", "Checking out at {count} tills…", tills
            ).format(count=tills)
        )
    results: dict[str, Any] = {
        "members": members,
        "backend": "postgresql" if "://" in url else "sqlite",
        "reused": built["reused"],
        "build_s": built["build_s"],
    }
    results.update(run_tills(url, members, tills, duration_s=duration_s, sales=sales))
    # Read right after the run: the minute it covers is the run's.
    results["load_avg"] = load_average()
    results["cores"] = os.cpu_count()
    results["balances_match_ledger"] = balances_match_ledger(url)
    return results
