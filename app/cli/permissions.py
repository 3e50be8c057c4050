"""The permission table of the `loyalty` command: which Action each command needs.

Once a staff account exists, a command whose Action is not None runs only for a person signed
in with ``LOYALTY_STAFF`` and ``LOYALTY_PIN`` (or asked on a terminal); beyond their role a
manager or owner may allow it once with ``LOYALTY_APPROVER`` and ``LOYALTY_APPROVER_PIN``, and
both names are recorded. None: a read-only command that shows no personal data in bulk.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import TYPE_CHECKING

from app.domain.errors import LoyaltyError
from app.domain.roles import Action
from app.i18n import _

if TYPE_CHECKING:
    from app.domain.roles import StaffView
    from app.services.context import Context


class NotAllowed(LoyaltyError):
    """Nobody signed in, or a role too low and no approver: the command did nothing."""


A = Action
COMMAND_ACTIONS: dict[str, Action | None] = {
    "": None,  # the counter: its own sign-in screen
    "demo": None,
    "init": A.SETTINGS,
    "check": None,
    "bench": None,  # its own throw-away database
    "member add": A.ENROLL,
    "member show": None,
    "member find": None,
    "member update": A.EDIT_PROFILE,
    "member merge": A.MERGE,
    "member export": A.EXPORT_MEMBER,
    "member erase": A.ERASE,
    "members list": A.BULK_EXPORT,
    "members export": A.BULK_EXPORT,
    "members import": A.BULK_IMPORT,
    "card print": A.PRINT_CARD,
    "card replace": A.REPLACE_CARD,
    "sale": A.SELL,
    "refund": A.REFUND_SMALL,  # and A.REFUND beyond a cashier's small refund (see cmd_refund)
    "adjust": A.ADJUST,
    "sales import": A.BULK_IMPORT,
    "feedback": A.SELL,
    "coupon create": A.COUPON_BATCH,
    "coupon batch": A.COUPON_BATCH,
    "coupon list": None,
    "coupon show": None,
    "stamps add": A.PROGRAM,
    "stamps list": None,
    "stamps remove": A.PROGRAM,
    "stamps give": A.STAMP,
    "stamps reward": A.STAMP,
    "stamps card": None,
    "settings list": None,
    "settings set": A.SETTINGS,
    "sync export": None,
    "sync import": None,
    "sync run": None,
    "sync status": None,
    "sync conflicts": A.CONFLICTS,
    "tier add": A.PROGRAM,
    "tier list": None,
    "tier remove": A.PROGRAM,
    "campaign add": A.PROGRAM,
    "campaign list": None,
    "campaign remove": A.PROGRAM,
    "points expire": A.ADJUST,
    "report summary": A.REPORTS,
    "report feedback": A.REPORTS,
    "report day": A.REPORTS,
    "audit": A.AUDIT,
    "staff add": A.STAFF,
    "staff list": A.STAFF,
    "staff pin": A.STAFF,
    "staff role": A.STAFF,
    "staff disable": A.STAFF,
    "staff badge": A.STAFF,
}

NOT_SIGNED_IN = "(not signed in)"
"""The actor of a read-only command once staff exist (LOYALTY_CASHIER names nobody then)."""


def command_path(args: argparse.Namespace) -> str:
    """The command as typed without its options: "member erase", "sale", "" for the counter."""
    command = getattr(args, "command", None)
    if not command:
        return ""
    sub = getattr(args, f"{command}_command", None)
    return f"{command} {sub}" if sub else str(command)


def _terminal() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def _credentials(name_var: str, pin_var: str, who: str) -> tuple[str, str] | None:
    """A name and PIN from the environment, else asked on a terminal, else None."""
    name, pin = os.environ.get(name_var, ""), os.environ.get(pin_var, "")
    if name and pin:
        return name, pin
    if not _terminal():
        return None
    if not name:
        name = input(who).strip()
    if not pin:
        pin = getpass.getpass(_("PIN: "))
    return name, pin


UNLISTED = Action.STAFF
"""What a command missing from the table needs (owner only: fail closed; a test lists them)."""


def authorize(ctx: Context, args: argparse.Namespace) -> None:
    """Sign the acting person in for the command's Action (no-op in a shop of one)."""
    require(ctx, COMMAND_ACTIONS.get(command_path(args), UNLISTED))


def require(ctx: Context, action: Action | None) -> None:
    """Make sure ``ctx``'s person may do ``action``: sign in, and get approval if needed."""
    from app.services.staff import act_as, approve, has_staff, permits, refused_message, sign_in

    if ctx.staff is None and has_staff(ctx):
        ctx.actor = NOT_SIGNED_IN
    if action is None or permits(ctx, ctx.staff, action):
        return
    staff: StaffView | None = ctx.staff
    if staff is None:
        given = _credentials("LOYALTY_STAFF", "LOYALTY_PIN", _("Staff name or badge: "))
        if given is None:
            raise NotAllowed(
                _(
                    "Staff accounts exist: sign in with LOYALTY_STAFF and LOYALTY_PIN "
                    "to run this command"
                )
            )
        staff = sign_in(ctx, *given)
        act_as(ctx, staff)
        if permits(ctx, staff, action):
            return
    given = _credentials(
        "LOYALTY_APPROVER", "LOYALTY_APPROVER_PIN", _("A manager's or owner's name or badge: ")
    )
    if given is None:
        raise NotAllowed(
            refused_message(action, staff.role, staff.name)
            + _(" (LOYALTY_APPROVER and LOYALTY_APPROVER_PIN)")
        )
    act_as(ctx, staff, approve(ctx, action, *given))
