"""`loyalty settings`: list and change the program rules and shop settings."""

from __future__ import annotations

import argparse
import json
from typing import Any

from app.cli.common import Subcommands, add_command, add_group, emit, open_context
from app.i18n import _


def register(subcommands: Subcommands) -> None:
    """`loyalty settings list|set`."""
    ssub = add_group(subcommands, "settings", _("program rules and shop settings"))
    add_command(ssub, "list", cmd_settings_list, _("list every setting"))
    p = add_command(ssub, "set", cmd_settings_set, _("change a setting"))
    p.add_argument("key")
    p.add_argument("value")


def cmd_settings_list(args: argparse.Namespace) -> int:
    ctx = open_context(args)
    values = ctx.settings()
    emit(
        args,
        {"settings": values},
        [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in values.items()],
    )
    return 0


def cmd_settings_set(args: argparse.Namespace) -> int:
    from app.services.settings import write_setting

    ctx = open_context(args)
    try:
        value: Any = json.loads(args.value)
    except json.JSONDecodeError:
        value = args.value
    stored = write_setting(
        ctx.db, args.key, value, ctx.now(), actor=ctx.actor, till=ctx.till, approver=ctx.approver
    )
    emit(
        args,
        {"key": args.key, "value": stored},
        [f"{args.key} = {json.dumps(stored, ensure_ascii=False)}"],
    )
    return 0
