"""`loyalty bench`: build a database of N members with histories, then measure the till's paths.

The database is built in a child process (bulk inserts on a raw connection, secondary indexes
created after the rows), so the peak RSS reported is that of the measuring process and of the
counter processes it starts, not of the builder; the builder's own peak is ``build_rss_mb``.
Measured: the card lookup through the service and a bare ``SELECT`` on the same file, search,
checkout, a cold start of the counter in a fresh process and scan-to-panel through Pilot.
"""

from __future__ import annotations

import asyncio
import os
import random
import resource
import tempfile
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from app.bench.dataset import ACTOR, build_database, rss_mb, say
from app.bench.measure import (
    measure_program,
    measure_reports,
    measure_services,
    measure_startup,
    percentile,
    scan_to_panel,
)
from app.domain.errors import InvalidInput
from app.i18n import _
from app.services.context import Context
from app.store.database import Database


def run_bench(members: int, keep: str | None = None, progress: bool = True) -> dict:
    """Build a database of ``members`` members and measure the till's paths on it.

    ``keep`` is where the database is written and left (it must not exist yet); otherwise it
    lives in a temporary folder that is removed at the end.
    """
    if members < 1:
        raise InvalidInput(_("The benchmark needs at least one member"))
    with tempfile.TemporaryDirectory(prefix="loyalty-bench-") as folder:
        path = Path(keep) if keep else Path(folder) / "bench.db"
        if path.exists():
            raise InvalidInput(
                _("{path} already exists: the benchmark writes a new database").format(path=path)
            )
        if progress:
            say(_("Building a database of {count} members…").format(count=f"{members:,}"))
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
            built = pool.submit(build_database, str(path), members, progress=progress).result()
        if progress:
            say(_("Built in {seconds} s; measuring…").format(seconds=built["build_s"]))
        rng = random.Random(11)
        ctx = Context(Database(str(path)), actor=ACTOR)
        try:
            results: dict[str, Any] = {"members": members, "build_s": built["build_s"]}
            # Other work on the machine shows in every time below: say how busy it was.
            results["load_avg"] = round(os.getloadavg()[0], 2)
            results.update(measure_services(ctx, str(path), members, rng))
            startup_ms, startup_cpu_ms, startup_rss = measure_startup(str(path))
            results["startup_ms"] = startup_ms
            results["startup_cpu_ms"] = startup_cpu_ms
            scans, scan_cpu = asyncio.run(scan_to_panel(ctx, members, rng))
            results["scan_to_panel_ms"] = round(percentile(scans, 50) * 1e3, 1)
            results["scan_to_panel_p99_ms"] = round(percentile(scans, 99) * 1e3, 1)
            results["scan_to_panel_cpu_ms"] = round(percentile(scan_cpu, 50) * 1e3, 1)
            results.update(measure_reports(ctx))
            # Last: it changes the program rules of the benchmark database.
            results.update(measure_program(ctx, members, rng))
            results["rss_mb"] = max(rss_mb(resource.RUSAGE_SELF), startup_rss)
            results["build_rss_mb"] = built["build_rss_mb"]
            results["sales"] = built["sales"]
            results["ledger_entries"] = built["ledger_entries"]
            if keep:
                results["db"] = str(path)
        finally:
            ctx.db.dispose()
    return results
