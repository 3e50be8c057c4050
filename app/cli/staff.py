"""`loyalty staff`: staff accounts, their PINs, roles and badges."""

from __future__ import annotations

import argparse
import getpass
import sys

from app.cli.common import CliError, Subcommands, add_command, add_group, emit, open_context
from app.i18n import _


def register(subcommands: Subcommands) -> None:
    """`loyalty staff add|list|pin|role|disable|badge`."""
    ssub = add_group(subcommands, "staff", _("staff accounts: sign-in PINs, roles, badges"))
    p = add_command(ssub, "add", cmd_staff_add, _("add a staff account"))
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True, help=_("cashier, manager or owner"))
    p.add_argument("--pin", help=_("4 to 8 digits (asked twice on a terminal when left out)"))
    add_command(ssub, "list", cmd_staff_list, _("list the staff accounts"))
    p = add_command(ssub, "pin", cmd_staff_pin, _("give a staff member a new PIN"))
    p.add_argument("name", metavar="NAME")
    p.add_argument("--pin", help=_("4 to 8 digits (asked twice on a terminal when left out)"))
    p = add_command(ssub, "role", cmd_staff_role, _("give a staff member another role"))
    p.add_argument("name", metavar="NAME")
    p.add_argument("role", metavar="ROLE", help=_("cashier, manager or owner"))
    p = add_command(ssub, "disable", cmd_staff_disable, _("disable a staff account"))
    p.add_argument("name", metavar="NAME")
    p = add_command(ssub, "badge", cmd_staff_badge, _("print a staff badge to a file"))
    p.add_argument("name", metavar="NAME")
    p.add_argument("--out", help=_("a .pdf, .png or .svg file (default: the data folder)"))


def _new_pin(given: str | None) -> str:
    """The PIN from --pin, else typed twice on a terminal (never echoed)."""
    from app.domain.roles import check_pin_format

    if given is not None:
        return check_pin_format(given)
    if not sys.stdin.isatty():
        raise CliError(_("Give the PIN with --pin, or run the command on a terminal"))
    pin = check_pin_format(getpass.getpass(_("New PIN (4 to 8 digits): ")))
    if getpass.getpass(_("The PIN again: ")) != pin:
        raise CliError(_("The two PINs differ: nothing was changed"))
    return pin


def _line(view: object) -> str:
    from app.domain.roles import StaffView, badge_code, role_label

    assert isinstance(view, StaffView)
    state = "" if view.active else " " + _("(disabled)")
    return f"{view.name}  {role_label(view.role)}  {badge_code(view.number)}{state}"


def _json(view: object) -> dict[str, object]:
    from app.domain.roles import StaffView, badge_code

    assert isinstance(view, StaffView)
    return {
        "name": view.name,
        "role": view.role.value,
        "active": view.active,
        "badge": badge_code(view.number),
        "uuid": view.uuid,
    }


def cmd_staff_add(args: argparse.Namespace) -> int:
    from app.domain.roles import parse_role
    from app.services.staff import add_staff

    role = parse_role(args.role)
    ctx = open_context(args)
    view = add_staff(ctx, args.name, role, _new_pin(args.pin))
    emit(args, _json(view), [_("Staff member added: {line}").format(line=_line(view))])
    return 0


def cmd_staff_list(args: argparse.Namespace) -> int:
    from app.services.staff import list_staff

    views = list_staff(open_context(args))
    lines = [_line(v) for v in views] or [_("No staff accounts: anyone at the till may do all")]
    emit(args, {"staff": [_json(v) for v in views]}, lines)
    return 0


def cmd_staff_pin(args: argparse.Namespace) -> int:
    from app.services.staff import set_pin

    ctx = open_context(args)
    view = set_pin(ctx, args.name, _new_pin(args.pin))
    emit(args, _json(view), [_("New PIN set for {name}").format(name=view.name)])
    return 0


def cmd_staff_role(args: argparse.Namespace) -> int:
    from app.domain.roles import parse_role
    from app.services.staff import set_role

    role = parse_role(args.role)
    view = set_role(open_context(args), args.name, role)
    emit(args, _json(view), [_line(view)])
    return 0


def cmd_staff_disable(args: argparse.Namespace) -> int:
    from app.services.staff import disable_staff

    view = disable_staff(open_context(args), args.name)
    emit(args, _json(view), [_line(view)])
    return 0


def cmd_staff_badge(args: argparse.Namespace) -> int:
    from app.services.staff.badges import print_badge

    path = print_badge(open_context(args), args.name, args.out)
    emit(args, {"file": str(path)}, [_("Badge written to {path}").format(path=path)])
    return 0
