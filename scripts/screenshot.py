"""Regenerate ``assets/counter.svg``: the counter with a demo member and a checkout in progress.

Run from the repository root: ``python scripts/screenshot.py`` (``--size 100x30`` for another
size, ``--out PATH`` for another file). Uses a throwaway demo database and a fixed clock, so
the picture only changes when the screen does.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from app.i18n import set_language
from app.services.context import Context
from app.services.demo import DEMO_MEMBERS, seed_demo
from app.store.database import Database

ROOT = Path(__file__).resolve().parent.parent
FIXED_NOW = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)


def _showcase_card(ctx: Context, count: int) -> str:
    """The demo member with the longest history and the most points: the fullest panel."""
    from app.domain.cards import make_card_number
    from app.services.lookup import lookup_card

    members = [lookup_card(ctx, make_card_number(ctx.layout(), n)) for n in range(1, count + 1)]
    best = max(members, key=lambda m: (len(m.recent_sales), m.points))
    return best.card


async def _shoot(
    ctx: Context, cards: list[tuple[str, str]], size: tuple[int, int], out: Path
) -> None:
    from app.tui.app import LoyaltyApp

    app = LoyaltyApp(ctx, demo_cards=cards)
    async with app.run_test(size=size) as pilot:
        await pilot.press(*_showcase_card(ctx, DEMO_MEMBERS), "enter")
        await pilot.press(*"34,75", "f4")
        await pilot.pause()
        app.save_screenshot(out.name, path=str(out.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="80x24", help="terminal size, COLUMNSxLINES")
    parser.add_argument("--out", default=str(ROOT / "assets" / "counter.svg"))
    parser.add_argument("--lang", default="en_US")
    args = parser.parse_args()
    columns, lines = (int(n) for n in args.size.lower().split("x"))
    os.environ["TZ"] = "UTC"
    time.tzset()
    set_language(args.lang)
    out = Path(args.out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(str(Path(tmp) / "demo.db"))
        try:
            ctx = Context(db, clock=lambda: FIXED_NOW, actor="demo")
            cards = seed_demo(ctx)
            asyncio.run(_shoot(ctx, cards, (columns, lines), out))
        finally:
            db.dispose()
    print(out)


if __name__ == "__main__":
    main()
