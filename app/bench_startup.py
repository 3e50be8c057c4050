"""A cold start of the counter for `loyalty bench`: run in a fresh process by the benchmark.

Opens the database as ``loyalty`` does, runs the counter headless and prints ``ready`` as soon
as the scan field has the focus, with the CPU milliseconds used so far (the parent times spawn
to that line), then this process's peak RSS in MB.
"""

from __future__ import annotations

import asyncio
import resource
import sys


async def _start(path: str) -> None:
    from app.i18n import set_language

    set_language()
    from app.services.context import Context
    from app.store.database import Database
    from app.tui.app import LoyaltyApp

    app = LoyaltyApp(Context(Database(path)))
    async with app.run_test(size=(80, 24)) as pilot:
        while app.focused is None or app.focused.id != "scan":
            await pilot.pause()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        print("ready", round((usage.ru_utime + usage.ru_stime) * 1e3, 1), flush=True)
    app.ctx.db.dispose()


def main(argv: list[str]) -> int:
    asyncio.run(_start(argv[0]))
    print(round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
