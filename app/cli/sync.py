"""`loyalty init` and `loyalty sync`: this shop's place in the chain, and exchanging changes
with the other shops through the sync folder."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from app.cli.common import (
    EXIT_ERROR,
    Subcommands,
    add_command,
    add_group,
    emit,
    open_context,
    record_number,
)
from app.i18n import _, ngettext

if TYPE_CHECKING:
    from app.services.chain.exchange import ImportReport


def register(subcommands: Subcommands) -> None:
    """`loyalty init` and `loyalty sync export|import|run|status|conflicts`."""
    p = add_command(
        subcommands,
        "init",
        cmd_init,
        _("set this shop's store code and till, and the sync folder"),
    )
    p.add_argument("--store", metavar="CODE", help=_("3-digit store code"))
    p.add_argument("--till", type=int, metavar="N", help=_("till number"))
    p.add_argument("--sync-dir", metavar="DIR", help=_("the chain's central sync folder"))
    p.add_argument(
        "--secret-file",
        metavar="FILE",
        help=_("the chain secret (created if missing; copy it to every shop)"),
    )
    p.add_argument(
        "--new-node",
        action="store_true",
        help=_("give this database a new node id (a copy of another shop's), keeping its data"),
    )

    ysub = add_group(subcommands, "sync", _("exchange changes with the other shops of the chain"))
    for name, func, text in (
        ("export", cmd_sync_export, _("write this shop's new changes to the sync folder")),
        ("import", cmd_sync_import, _("apply the other shops' files from the sync folder")),
        ("run", cmd_sync_run, _("export, then import")),
    ):
        p = add_command(ysub, name, func, text)
        p.add_argument("--dir", metavar="DIR", help=_("sync folder (default: set by init)"))
    add_command(ysub, "status", cmd_sync_status, _("pending changes, last sync, open conflicts"))
    p = add_command(
        ysub, "conflicts", cmd_sync_conflicts, _("what sync could not settle by itself")
    )
    p.add_argument("--all", action="store_true", help=_("also resolved ones and logged edits"))
    p.add_argument(
        "--resolve",
        type=record_number(lambda: _("There is no conflict number {id}")),
        metavar="ID",
        help=_("mark a conflict as resolved"),
    )
    p.add_argument("--note", help=_("with --resolve: what was done"))


def cmd_init(args: argparse.Namespace) -> int:
    from app.domain.errors import InvalidInput
    from app.services.chain.history import new_node
    from app.services.chain.setup import init_shop

    setup = args.store is not None or args.till is not None or args.sync_dir or args.secret_file
    if (setup or not args.new_node) and (args.store is None or args.till is None):
        raise InvalidInput(_("loyalty init needs --store and --till (or --new-node alone)"))
    ctx = open_context(args, create=True)
    data: dict[str, object] = {}
    lines: list[str] = []
    if args.new_node:
        renamed = new_node(ctx)
        data["new_node"] = renamed.to_json()
        lines.append(
            _("New node id {new} (was {old}); {count} changes will be exported under it").format(
                new=renamed.new, old=renamed.old, count=renamed.events
            )
        )
    if setup:
        result = init_shop(ctx, args.store, args.till, args.sync_dir, args.secret_file)
        if result.sync_dir:
            from app.services.chain.exchange import write_receipt

            write_receipt(ctx)  # the shop counts for the folder's retention from now on
        data.update(result.to_json())
        lines += [
            _("Store {store}, till {till}").format(store=result.store, till=result.till),
            _("Sync folder: {path}").format(path=result.sync_dir or _("none")),
            _("Chain secret file: {path}").format(path=result.secret_file or _("none")),
        ]
        if result.secret_created:
            lines.append(
                _("A new chain secret was written: copy this file to every shop of the chain.")
            )
    emit(args, data, lines)
    return 0


def cmd_sync_export(args: argparse.Namespace) -> int:
    from app.services.chain.exchange import export_events

    report = export_events(open_context(args), args.dir)
    lines = [
        ngettext("{count} event exported", "{count} events exported", report.events).format(
            count=report.events
        )
    ]
    lines += [f"  {name}" for name in report.files]
    emit(args, report.to_json(), lines)
    return 0


def _import_lines(report: ImportReport) -> list[str]:
    lines = [
        _("{file}: {applied} applied, {skipped} already here, {deferred} waiting").format(
            file=f.name, applied=f.applied, skipped=f.skipped, deferred=f.deferred
        )
        for f in report.files
    ]
    lines += [
        _("{file} rejected: {reason}").format(file=name, reason=reason)
        for name, reason in report.rejected
    ]
    lines.append(
        ngettext(
            "{count} event applied, {waiting} waiting for other files, {conflicts} new conflicts",
            "{count} events applied, {waiting} waiting for other files, {conflicts} new conflicts",
            report.events_applied,
        ).format(
            count=report.events_applied,
            waiting=report.still_deferred,
            conflicts=report.conflicts,
        )
    )
    return lines


def cmd_sync_import(args: argparse.Namespace) -> int:
    from app.services.chain.exchange import import_events, write_receipt

    ctx = open_context(args)
    report = import_events(ctx, args.dir)
    write_receipt(ctx, args.dir)
    emit(args, report.to_json(), _import_lines(report))
    for name, reason in report.rejected:
        print(_("Rejected {file}: {reason}").format(file=name, reason=reason), file=sys.stderr)
    return EXIT_ERROR if report.rejected else 0


def cmd_sync_run(args: argparse.Namespace) -> int:
    from app.services.chain.exchange import run_sync

    result = run_sync(open_context(args), args.dir)
    lines = [
        ngettext(
            "{count} event exported", "{count} events exported", result.exported.events
        ).format(count=result.exported.events)
    ]
    lines += _import_lines(result.imported)
    kept = result.retention
    if kept.deleted:
        lines.append(
            ngettext(
                "{count} old file deleted from the sync folder (every shop applied it)",
                "{count} old files deleted from the sync folder (every shop applied them)",
                len(kept.deleted),
            ).format(count=len(kept.deleted))
        )
    if kept.without_receipt:
        lines.append(
            _("Old files are kept: no receipt yet from the shop(s) {nodes}").format(
                nodes=", ".join(kept.without_receipt)
            )
        )
    emit(args, result.to_json(), lines)
    for name, reason in result.imported.rejected:
        print(_("Rejected {file}: {reason}").format(file=name, reason=reason), file=sys.stderr)
    return EXIT_ERROR if result.imported.rejected else 0


def cmd_sync_status(args: argparse.Namespace) -> int:
    from app.services.chain.status import sync_status

    status = sync_status(open_context(args))
    never = _("never")
    lines = [
        _("Store {store}, till {till}, node {node}").format(
            store=status.store, till=status.till, node=status.node
        ),
        _("Sync folder: {path}").format(path=status.sync_dir or _("none")),
        _("Chain secret: {state}").format(state=_("set") if status.secret else _("missing")),
        _("Events waiting for export: {count}").format(count=status.pending),
        _("Last export: {time}").format(time=status.last_export or never),
        _("Last import: {time}").format(time=status.last_import or never),
        _("Files applied: {count}; events waiting for other files: {deferred}").format(
            count=status.files_applied, deferred=status.deferred
        ),
        _("Open conflicts: {count}").format(count=status.open_conflicts),
    ]
    emit(args, status.to_json(), lines)
    return 0


def cmd_sync_conflicts(args: argparse.Namespace) -> int:
    from app.services.chain.conflicts import list_conflicts, resolve_conflict

    ctx = open_context(args)
    if args.resolve is not None:
        resolve_conflict(ctx, args.resolve, args.note or "")
        emit(
            args,
            {"resolved": args.resolve},
            [_("Conflict {id} resolved").format(id=args.resolve)],
        )
        return 0
    conflicts = list_conflicts(ctx, include_all=args.all)
    lines = [
        f"#{c.id} {c.created_at:%Y-%m-%d %H:%M} "
        + c.summary(str(ctx.settings()["shop.currency"]))
        + ("" if c.resolved_at is None else f" ({_('resolved')}: {c.resolution})")
        for c in conflicts
    ] or [_("No open conflicts")]
    emit(args, {"conflicts": [c.to_json() for c in conflicts]}, lines)
    return 0
