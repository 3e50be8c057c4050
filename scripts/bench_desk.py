"""Measure the member desk (F8) on a big database: typing a filter to rows shown, and PageDown.

Usage: .venv/bin/python scripts/bench_desk.py [--members 1000000] [--db PATH]
Without --db (or when PATH does not exist yet) a database of N members with histories is built
first with ``app.bench.dataset.build_database``. The screen runs headless at 80x24 through
Pilot, as in the tests; times are wall-clock medians (and the worst run) over a few repetitions,
with the part spent filling and painting the table and the process's CPU time. "typed -> rows"
starts after the last keystroke and includes the typing pause (debounce) of the screen.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual.pilot import Pilot

from app.services.context import Context
from app.services.member_list import list_members
from app.store.database import Database
from app.tui.app import LoyaltyApp
from app.tui.screens.members import DEBOUNCE_SECONDS, MembersScreen

FILTERS = ("m", "mü", "müller", "schmidt anna", "anna.sch", "0171", "zzz")
RUNS = 5


async def until_shown(pilot: Pilot[None], screen: MembersScreen) -> None:
    """Wait (without sleeping longer than a frame) until the latest query's rows are painted."""
    while (
        screen.filter_pending
        or not screen.generation
        or screen.shown_generation != screen.generation
    ):
        await asyncio.sleep(0.001)
    await pilot.pause()  # the repaint with the new rows


# When the latest answer reached the screen (set by a wrapper around its ``_show``).
ARRIVED: list[float] = []


def watch_answers(screen: MembersScreen) -> None:
    """Note when each page arrives, to split the time into waiting+query and filling+painting."""
    show = screen._show

    def noted(generation: int, page: object) -> None:
        ARRIVED.append(time.perf_counter())
        show(generation, page)  # type: ignore[arg-type]

    screen._show = noted  # type: ignore[method-assign]


PAINT: list[float] = []
# CPU time of this process (screen and query thread) per measured action: on a shared, busy
# machine wall-clock time is mostly waiting for a core.
CPU: list[float] = []


async def timed(
    pilot: Pilot[None], screen: MembersScreen, act: Callable[[], Awaitable[None]]
) -> float:
    start, cpu = time.perf_counter(), time.process_time()
    await act()
    await until_shown(pilot, screen)
    end = time.perf_counter()
    CPU.append(time.process_time() - cpu)
    if ARRIVED and ARRIVED[-1] >= start:
        PAINT.append(end - ARRIVED[-1])
    return end - start


def line(label: str, samples: list[float], rows: int) -> None:
    median = statistics.median(samples) * 1000
    worst = max(samples) * 1000
    extra = ""
    if PAINT:
        extra += f", fill+paint {statistics.median(PAINT) * 1000:5.1f}"
        PAINT.clear()
    if CPU:
        extra += f", CPU {statistics.median(CPU) * 1000:5.1f}"
        CPU.clear()
    print(f"{label:38} {median:6.1f} ms (worst {worst:6.1f}{extra} ms; {rows} rows)")


async def measure(ctx: Context) -> None:
    app = LoyaltyApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()

        async def open_desk() -> None:
            await pilot.press("f8")

        start = time.perf_counter()
        await open_desk()
        screen = app.screen
        assert isinstance(screen, MembersScreen)
        watch_answers(screen)
        await until_shown(pilot, screen)
        print(f"{'F8 -> first page shown':44} {(time.perf_counter() - start) * 1000:7.1f} ms")
        print(f"(typing pause before a filter is queried: {DEBOUNCE_SECONDS * 1000:.0f} ms)")
        for text in FILTERS:
            samples = []
            for _ in range(RUNS):
                await pilot.press("ctrl+u")
                await until_shown(pilot, screen)
                await pilot.press(*[c if c != " " else "space" for c in text])
                samples.append(await timed(pilot, screen, pilot.pause))
            line(f"typed {text!r} -> rows shown", samples, screen.rows_shown)
        await pilot.press("ctrl+u")
        await until_shown(pilot, screen)
        for sort, key in (("name", "f2"), ("points", "f3"), ("newest", "f4")):
            await pilot.press(key)
            await until_shown(pilot, screen)
            samples = []
            for _ in range(RUNS):

                async def page_down() -> None:
                    await pilot.press("pagedown")

                samples.append(await timed(pilot, screen, page_down))
            line(f"PageDown, sort={sort} (page {screen.page_number})", samples, screen.rows_shown)
        await pilot.press("f2", *"mü")
        await until_shown(pilot, screen)
        samples = []
        for _ in range(RUNS):

            async def page_down_filtered() -> None:
                await pilot.press("pagedown")

            samples.append(await timed(pilot, screen, page_down_filtered))
        line("PageDown, filter 'mü', sort=name", samples, screen.rows_shown)


def service_times(ctx: Context) -> None:
    """The service alone (no screen), for comparison."""
    for text in FILTERS:
        samples = []
        for _ in range(RUNS):
            start = time.perf_counter()
            page = list_members(ctx, text, limit=18)
            samples.append(time.perf_counter() - start)
        line(f"list_members({text!r}) service only", samples, len(page.members))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--db", help="the database to measure (built first if it is missing)")
    args = parser.parse_args()
    path = Path(args.db) if args.db else Path(tempfile.mkdtemp(prefix="bench-desk-")) / "desk.db"
    if not path.exists():
        from app.bench.dataset import build_database

        print(f"building {args.members:,} members in {path} …", flush=True)
        built = build_database(str(path), args.members)
        print(f"built in {built['build_s']} s")
    ctx = Context(Database(str(path)), actor="bench")
    try:
        count = ctx.db.raw().execute("SELECT COUNT(*) FROM member").fetchone()[0]
        print(f"{count:,} members in {path}")
        service_times(ctx)
        asyncio.run(measure(ctx))
    finally:
        ctx.db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
