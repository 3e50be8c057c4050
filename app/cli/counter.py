"""Open the counter (the TUI), on the shop's database or on a fresh demo database."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from app.cli.common import Subcommands, add_command, emit, open_context, whole_number
from app.i18n import _

if TYPE_CHECKING:
    from app.services.context import Context
    from app.tui.app import LoyaltyApp


def register(subcommands: Subcommands) -> None:
    """`loyalty demo` (the counter itself opens when no command is given)."""
    p = add_command(
        subcommands,
        "demo",
        cmd_demo,
        _("create a demo database with realistic members and open the counter"),
    )
    p.add_argument(
        "--members", type=whole_number(0, 100_000), default=24, help=_("how many demo members")
    )
    p.add_argument(
        "--no-open", action="store_true", help=_("only create the data and print demo cards")
    )


def cmd_tui(args: argparse.Namespace) -> int:
    """The counter, for the cashier (a new database only after asking on a terminal)."""
    ctx = open_context(args, ask_to_create=_ask_to_create)
    from app.tui.app import LoyaltyApp

    LoyaltyApp(ctx).run()
    return 0


def _ask_to_create(path: str) -> bool:
    """Ask on the terminal whether to create a database at ``path``; no terminal: no."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return False
    try:
        answer = input(
            _("There is no database at {path}. Create a new one? [y/N] ").format(path=path)
        )
    except EOFError:
        return False
    return answer.strip().lower() in {"y", "yes", _("y"), _("yes")}


def cmd_demo(args: argparse.Namespace) -> int:
    """Fill a demo database, list its cards, then open the counter on it."""
    from app.domain.roles import role_label
    from app.services.demo import DEMO_COUPON, demo_coupon_hint, seed_demo, seed_demo_staff

    ctx = open_context(args, demo=True, create=True)
    cards = seed_demo(ctx, members=args.members)
    staff = seed_demo_staff(ctx)
    data: dict[str, Any] = {
        "db": ctx.db.display_name,
        "cards": [{"card": c, "name": n} for c, n in cards],
    }
    lines = [_("Demo database: {path}").format(path=ctx.db.display_name), _("Demo cards to scan:")]
    lines += [f"  {card}  {name}" for card, name in cards]
    lines.append(_("Demo staff (name, role, PIN):"))
    lines += [f"  {name}  {role_label(role)}  {pin}" for name, role, pin in staff]
    lines.append(demo_coupon_hint(ctx))
    data["coupon"] = DEMO_COUPON
    data["staff"] = [{"name": n, "role": r.value, "pin": p} for n, r, p in staff]
    emit(args, data, lines)
    if args.no_open or args.json:
        return 0
    demo_app(ctx, cards).run()
    return 0


def demo_app(ctx: Context, cards: list[tuple[str, str]]) -> LoyaltyApp:
    """The counter on the demo database, signed in as its cashier: a newcomer scans at once."""
    from app.services.demo import demo_cashier
    from app.tui.app import LoyaltyApp

    return LoyaltyApp(ctx, demo_cards=cards, signed_in=demo_cashier(ctx))
