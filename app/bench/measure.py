"""The benchmark's measurements: lookup, search, checkout, program, start-up, scan to panel."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from functools import partial

from app.bench.dataset import ACTOR
from app.domain.cards import make_card_number
from app.domain.profile import fold, fold_german
from app.domain.rules import max_redeemable
from app.services.context import Context
from app.services.demo import (
    FIRST_NAMES,
    LAST_NAMES,
    MOBILE_PREFIXES,
)

LOOKUPS = 2_000
SEARCHES = 300
CHECKOUTS = 300
STARTUPS = 5
SCANS = 20


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _timed(calls: Iterator[Callable[[], object]]) -> list[float]:
    """Seconds taken by each call."""
    out = []
    for call in calls:
        t0 = time.perf_counter()
        call()
        out.append(time.perf_counter() - t0)
    return out


def _search_texts(rng: random.Random, members: int) -> list[str]:
    """What a cashier types: part of a name, a name and a first name, an email, a phone; and
    (issue 15) a name in German transliteration, "Last, First", a phone's end, a domain."""
    texts = []
    for _i in range(SEARCHES):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        kind = rng.randrange(10)
        if kind == 0:
            texts.append(last[: rng.randint(3, len(last))].lower())
        elif kind == 1:
            texts.append(fold(last)[: rng.randint(3, len(last))])
        elif kind == 2:
            texts.append(f"{first} {last[: rng.randint(2, len(last))]}")
        elif kind == 3:
            texts.append(f"{fold(first)}.{fold(last)[:3]}")
        elif kind == 4:
            member_id = rng.randint(1, members)
            texts.append(f"{fold(first)}.{fold(last)}{member_id}@")
        elif kind == 6:
            german = fold_german(last)
            texts.append(german[: rng.randint(3, len(german))])
        elif kind == 7:
            texts.append(f"{last}, {first[: rng.randint(2, len(first))]}")
        elif kind == 8:
            # The end of a phone number as the dataset writes them (dataset._member_rows).
            number = str(10_000_000 + rng.randint(1, members) * 7919 % 90_000_000)
            texts.append(number[-rng.randint(4, 7) :])
        elif kind == 9:
            texts.append(rng.choice(("@example.org", "example.org", "@mail.de", "mail.d")))
        else:
            digits = f"{rng.choice(MOBILE_PREFIXES)} {rng.randint(10, 9999)}"
            texts.append(f"0{digits}" if rng.random() < 0.5 else f"+49 {digits}")
    return texts


def _timed_cpu(calls: Iterator[Callable[[], object]]) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds taken by each call (on a busy machine the wall time also counts
    the waits for a core)."""
    wall, cpu = [], []
    for call in calls:
        t0, cpu0 = time.perf_counter(), time.process_time()
        call()
        cpu.append(time.process_time() - cpu0)
        wall.append(time.perf_counter() - t0)
    return wall, cpu


def timed_lookups(ctx: Context, cards: list[str]) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of a card lookup through the service, for each card."""
    from app.services.lookup import lookup_card

    return _timed_cpu(partial(lookup_card, ctx, card) for card in cards)


def measure_services(ctx: Context, path: str, members: int, rng: random.Random) -> dict:
    from app.services.checkout import checkout
    from app.services.lookup import lookup_card
    from app.services.search import find_members

    layout = ctx.layout()
    cards = [make_card_number(layout, rng.randint(1, members)) for _i in range(LOOKUPS)]
    for card in cards[:200]:  # warm the caches and the connection
        lookup_card(ctx, card)
    lookups, lookups_cpu = timed_lookups(ctx, cards)

    raw = sqlite3.connect(path)
    for card in cards[:200]:
        raw.execute("SELECT * FROM card WHERE number = ?", (card,)).fetchone()

    def raw_lookup(card: str) -> object:
        return raw.execute("SELECT * FROM card WHERE number = ?", (card,)).fetchone()

    raw_lookups = _timed(partial(raw_lookup, c) for c in cards)
    raw.close()

    texts = _search_texts(rng, members)
    searches, searches_cpu = _timed_cpu(partial(find_members, ctx, t) for t in texts)

    sales = []
    # Distinct members: the points to redeem are read before the sales are timed.
    for member_id in rng.sample(range(1, members + 1), min(CHECKOUTS, members)):
        card = make_card_number(layout, member_id)
        redeem = 0
        if rng.random() < 0.25:
            amount = rng.randrange(150, 25_000)
            redeem = max_redeemable(ctx.rules(), lookup_card(ctx, card, recent=0).points, amount)
        sales.append((card, rng.randrange(150, 25_000) if not redeem else amount, redeem))
    # The floor of a sale: one durable commit (WAL, synchronous=FULL as for a sale) of a tiny
    # row on the same file, taken between the sales so that both see the same disk.
    floor = sqlite3.connect(path, isolation_level=None)
    floor.execute("PRAGMA synchronous = FULL")
    floor.execute("CREATE TABLE bench_commit (n INTEGER)")

    def commit_one() -> None:
        floor.execute("BEGIN IMMEDIATE")
        floor.execute("INSERT INTO bench_commit VALUES (1)")
        floor.execute("COMMIT")

    checkouts, commits = [], []
    for card, amount, redeem in sales:
        t0 = time.perf_counter()
        checkout(ctx, card, amount, redeem_points=redeem)
        t1 = time.perf_counter()
        commit_one()
        checkouts.append(t1 - t0)
        commits.append(time.perf_counter() - t1)
    floor.execute("DROP TABLE bench_commit")
    floor.close()
    lookup_p50 = percentile(lookups, 50)
    raw_p50 = percentile(raw_lookups, 50)
    return {
        "lookup_p50_us": round(lookup_p50 * 1e6, 1),
        "lookup_p99_us": round(percentile(lookups, 99) * 1e6, 1),
        # CPU time of the same lookups: far below the wall time when the machine is busy.
        "lookup_p99_cpu_us": round(percentile(lookups_cpu, 99) * 1e6, 1),
        "raw_lookup_p50_us": round(raw_p50 * 1e6, 1),
        "lookup_ratio": round(lookup_p50 / raw_p50, 1),
        "search_p50_ms": round(percentile(searches, 50) * 1e3, 2),
        "search_p99_ms": round(percentile(searches, 99) * 1e3, 2),
        "search_p99_cpu_ms": round(percentile(searches_cpu, 99) * 1e3, 2),
        "checkout_p50_ms": round(percentile(checkouts, 50) * 1e3, 2),
        "checkout_p99_ms": round(percentile(checkouts, 99) * 1e3, 2),
        "raw_commit_p50_ms": round(percentile(commits, 50) * 1e3, 2),
        "raw_commit_p99_ms": round(percentile(commits, 99) * 1e3, 2),
    }


def measure_program(ctx: Context, members: int, rng: random.Random) -> dict:
    """Checkout and lookup again with a full program set up: tiers (spend on the sale index),
    a campaign, birthday, sign-up and profile bonuses, and expiry of earned points."""
    from app.services.checkout import checkout
    from app.services.lookup import lookup_card
    from app.services.program_rules import add_campaign, add_tier
    from app.services.settings import write_setting

    add_tier(ctx, "Silver", 10_000, 150)
    add_tier(ctx, "Gold", 50_000, 200, 5)
    add_campaign(ctx, "Bench", 200, hours=(0, 24))
    for key, value in (
        ("program.birthday_points", 50),
        ("program.signup_bonus", 100),
        ("program.profile_bonus", 20),
        ("program.expiry", "earned"),
    ):
        write_setting(ctx.db, key, value, ctx.now(), actor=ACTOR)
    ctx.forget_settings()
    layout = ctx.layout()
    cards = [make_card_number(layout, rng.randint(1, members)) for _i in range(LOOKUPS // 2)]
    for card in cards[:100]:
        lookup_card(ctx, card)
    lookups, lookups_cpu = timed_lookups(ctx, cards)
    picked = rng.sample(range(1, members + 1), min(CHECKOUTS, members))
    sales = [(make_card_number(layout, m), rng.randrange(150, 25_000)) for m in picked]
    checkouts = _timed(partial(checkout, ctx, c, a) for c, a in sales)
    return {
        "program_lookup_p50_us": round(percentile(lookups, 50) * 1e6, 1),
        "program_lookup_p99_us": round(percentile(lookups, 99) * 1e6, 1),
        "program_lookup_p99_cpu_us": round(percentile(lookups_cpu, 99) * 1e6, 1),
        "program_checkout_p50_ms": round(percentile(checkouts, 50) * 1e3, 2),
        "program_checkout_p99_ms": round(percentile(checkouts, 99) * 1e3, 2),
    }


def measure_reports(ctx: Context) -> dict:
    """`loyalty report summary` for the dataset's last month and last year, and `loyalty report
    day` for its last day (median of 3 each)."""
    from datetime import date

    from app.domain.report import Period
    from app.services.reports import report_summary

    periods = {
        "report_month_ms": Period(date(2026, 10, 1), date(2026, 10, 31)),
        "report_year_ms": Period(date(2025, 11, 1), date(2026, 10, 31)),
    }
    from app.services.day_close import day_close

    figures = {
        key: round(
            percentile(_timed(partial(report_summary, ctx, p) for p in [period] * 3), 50) * 1e3, 1
        )
        for key, period in periods.items()
    }
    # `loyalty report day` for the dataset's last day with sales (every till and cashier).
    last_day = date(2026, 10, 31)
    figures["report_day_ms"] = round(
        percentile(_timed(partial(day_close, ctx, d) for d in [last_day] * 3), 50) * 1e3, 1
    )
    return figures


def measure_startup(path: str) -> tuple[float, float, float]:
    """Median ms from spawning a fresh counter process to its scan field having the focus,
    the median CPU ms that process used until then, and the largest peak RSS (MB) of them."""
    times, cpu, peaks = [], [], []
    for _i in range(STARTUPS):
        t0 = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "app.bench_startup", path],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        ready = child.stdout.readline()
        took = time.perf_counter() - t0
        rest, _err = child.communicate(timeout=60)
        if not ready.startswith("ready") or child.returncode != 0:
            raise RuntimeError(f"the counter did not start: {ready!r} {rest!r}")
        times.append(took)
        cpu.append(float(ready.split()[1]))
        peaks.append(float(rest.split()[-1]))
    return round(percentile(times, 50) * 1e3, 1), percentile(cpu, 50), max(peaks)


async def scan_to_panel(
    ctx: Context, members: int, rng: random.Random
) -> tuple[list[float], list[float]]:
    """Seconds from the scanner's Enter to the first frame that shows the member's name, and
    the CPU seconds this process used meanwhile (on a busy machine the two differ).

    The scanner has already typed the 13 digits into the scan field (``pilot.press`` waits
    for the app to be idle, at least 20 ms, after every key, which would measure Pilot, not the
    counter). The Enter key is posted to the app as the terminal driver posts it; the clock
    stops when the screen's compositor has rendered a frame with the name in ``#member-name``
    (headless, so that frame is computed but not written to a terminal).
    """
    from textual import events
    from textual.widgets import Input, Static

    from app.services.lookup import lookup_card
    from app.tui.app import LoyaltyApp
    from app.tui.widgets.member_panel import member_display_name

    layout = ctx.layout()
    app = LoyaltyApp(ctx)
    took: list[float] = []
    cpu: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        name_widget = screen.query_one("#member-name", Static)
        scan = screen.query_one("#scan", Input)
        expected = ""
        painted = asyncio.Event()
        refresh = screen._compositor_refresh

        def traced_refresh() -> None:
            refresh()
            if expected and str(name_widget.content) == expected:
                painted.set()

        screen._compositor_refresh = traced_refresh  # type: ignore[method-assign]
        for i in range(SCANS + 2):
            card = make_card_number(layout, rng.randint(1, members))
            name = member_display_name(lookup_card(ctx, card, recent=0))
            expected = ""
            await pilot.press("escape")  # the previous customer is done: clear the counter
            await pilot.pause()
            scan.value = card
            scan.cursor_position = len(card)
            painted.clear()
            expected = name
            t0, cpu0 = time.perf_counter(), time.process_time()
            app.post_message(events.Key("enter", "\r"))
            await asyncio.wait_for(painted.wait(), timeout=30)
            if i >= 2:  # the first scans load code and styles once
                took.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - cpu0)
    return took, cpu
