"""Chain sync use cases: shop identity, export, import, status, conflicts.

Each shop keeps its own database and works offline; a central folder (a network share, a
synced cloud folder) carries signed files of events between them. See DESIGN.md, "Sync".
"""

from __future__ import annotations

import json
import os
import secrets
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update

from app.domain.cards import CardLayout
from app.domain.errors import InvalidInput, LoyaltyError
from app.files import write_atomically
from app.i18n import _, format_money, format_points
from app.services.context import Context
from app.services.settings import write_setting
from app.store.bulk import DriverValues, bulk_cache, gc_paused, insert_rows, select_in
from app.store.database import serialize
from app.store.models import Setting, SyncConflict, SyncEvent, SyncFile
from app.sync.apply import Applier, Outcome
from app.sync.events import EVENT_COLUMNS
from app.sync.fileformat import (
    SUFFIX,
    SyncFileRejected,
    VerifiedFile,
    encode_batch,
    event_line,
    file_name,
    parse_batch,
    verify_batch,
)

_EVENT = SyncEvent.__table__  # type: ignore[attr-defined]
_FILE = SyncFile.__table__  # type: ignore[attr-defined]
_CONFLICT = SyncConflict.__table__  # type: ignore[attr-defined]
_SETTING = Setting.__table__  # type: ignore[attr-defined]

SECRET_ENV = "LOYALTY_SYNC_SECRET"
MIN_SECRET = 16
FILE_EVENTS = 50_000  # events per file: a day of a busy shop, a few MB
LAST_EXPORT = "sync.last_export"
LAST_IMPORT = "sync.last_import"


class SyncNotSetUp(LoyaltyError):
    """Sync needs a folder and a chain secret first."""


# --- shop identity ----------------------------------------------------------------------------


@dataclass(frozen=True)
class InitResult:
    store: str
    till: int
    sync_dir: str
    secret_file: str
    secret_created: bool
    node: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def init_shop(
    ctx: Context,
    store: str,
    till: int,
    sync_dir: str | None = None,
    secret_file: str | None = None,
) -> InitResult:
    """Set the shop's store code and till (and where sync files go); validated before writing.

    A secret file that does not exist yet is created with a new random secret: copy it to
    every shop of the chain (never into the sync folder).
    """
    try:
        CardLayout(store_code=store)
    except InvalidInput:
        raise InvalidInput(
            _("The store code must be 3 digits (e.g. 002), not “{value}”").format(value=store)
        ) from None
    if not 1 <= till <= 999:
        raise InvalidInput(_("The till number must be from 1 to 999"))
    folder = None
    if sync_dir:
        folder = Path(sync_dir).expanduser().resolve()
        if folder.exists() and not folder.is_dir():
            raise InvalidInput(_("{path} is not a folder").format(path=folder))
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InvalidInput(
                _("Cannot create the sync folder {path}: {reason}").format(
                    path=folder, reason=exc.strerror or exc
                )
            ) from None
    secret_path, created = None, False
    if secret_file:
        secret_path = Path(secret_file).expanduser().resolve()
        if folder is not None and folder in secret_path.parents:
            raise InvalidInput(
                _("Keep the secret file outside the sync folder: whoever reads it can sign files")
            )
        if secret_path.exists():
            _read_secret_file(secret_path)
        else:
            created = True
            _create_secret_file(secret_path)
    now = ctx.now()
    write_setting(ctx.db, "shop.store_code", store, now, actor=ctx.actor, till=till)
    write_setting(ctx.db, "shop.till", till, now, actor=ctx.actor, till=till)
    if folder is not None:
        write_setting(ctx.db, "sync.dir", str(folder), now, actor=ctx.actor, till=till)
    if secret_path is not None:
        write_setting(ctx.db, "sync.secret_file", str(secret_path), now, actor=ctx.actor, till=till)
    ctx.forget_settings()
    settings = ctx.settings()
    return InitResult(
        store=store,
        till=till,
        sync_dir=str(settings["sync.dir"]),
        secret_file=str(settings["sync.secret_file"]),
        secret_created=created,
        node=ctx.node(),
    )


def _create_secret_file(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
    except OSError as exc:
        raise InvalidInput(
            _("Cannot write the secret file {path}: {reason}").format(
                path=path, reason=exc.strerror or exc
            )
        ) from None


def _read_secret_file(path: Path) -> bytes:
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise SyncNotSetUp(
            _("Cannot read the chain secret from {path}: {reason}").format(
                path=path, reason=getattr(exc, "strerror", None) or exc
            )
        ) from None
    if len(secret) < MIN_SECRET:
        raise SyncNotSetUp(
            _("The chain secret in {path} is too short (at least {count} characters)").format(
                path=path, count=MIN_SECRET
            )
        )
    return secret.encode()


def chain_secret(ctx: Context) -> bytes:
    """The chain's shared secret: ``LOYALTY_SYNC_SECRET``, else the secret file set at init."""
    value = os.environ.get(SECRET_ENV, "").strip()
    if value:
        if len(value) < MIN_SECRET:
            raise SyncNotSetUp(
                _("{name} is too short (at least {count} characters)").format(
                    name=SECRET_ENV, count=MIN_SECRET
                )
            )
        return value.encode()
    path = str(ctx.settings()["sync.secret_file"])
    if not path:
        raise SyncNotSetUp(
            _("No chain secret: set {name} or run “loyalty init … --secret-file FILE”").format(
                name=SECRET_ENV
            )
        )
    return _read_secret_file(Path(path))


def sync_folder(ctx: Context, directory: str | Path | None) -> Path:
    """The folder given, else the one set at init; it must exist."""
    chosen = directory or str(ctx.settings()["sync.dir"])
    if not chosen:
        raise SyncNotSetUp(
            _("No sync folder: give --dir DIR or run “loyalty init … --sync-dir DIR”")
        )
    folder = Path(chosen).expanduser()
    if not folder.is_dir():
        raise SyncNotSetUp(_("The sync folder {path} does not exist").format(path=folder))
    return folder


# --- export -----------------------------------------------------------------------------------


@dataclass
class ExportReport:
    files: list[str] = field(default_factory=list)
    events: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def export_events(
    ctx: Context,
    directory: str | Path | None = None,
    *,
    max_events: int = FILE_EVENTS,
) -> ExportReport:
    """Write this shop's new events to signed files in the sync folder.

    Each file is written under a temporary name, flushed to disk and renamed, so no shop ever
    reads half a file; its events are marked exported in the same step.
    """
    folder = sync_folder(ctx, directory)
    secret = chain_secret(ctx)
    node, report = ctx.node(), ExportReport()
    e = _EVENT.c
    while True:
        with ctx.db.transaction() as session:
            conn = session.connection()
            serialize(session, "sync-export")
            rows = conn.execute(
                select(e.id, e.uuid, e.store_code, e.till, e.kind, e.payload, e.created_at)
                .where(e.node == node, e.exported_file.is_(None))
                .order_by(e.id)
                .limit(max_events)
            ).all()
            if not rows:
                break
            first, last = rows[0].id, rows[-1].id
            header = {
                "node": node,
                "store": ctx.store_code,
                "till": ctx.till,
                "first_seq": first,
                "last_seq": last,
                "count": len(rows),
                "created_at": ctx.now().isoformat(),
            }
            lines = (
                event_line(
                    r.uuid,
                    r.id,
                    r.store_code,
                    r.till,
                    r.kind,
                    r.created_at.isoformat(),
                    r.payload,
                )
                for r in rows
            )
            data = encode_batch(secret, header, lines)
            name = file_name(ctx.store_code, node, first, last, data)
            write_atomically(folder / name, data, durable=True)
            conn.execute(
                update(_EVENT)
                .where(e.node == node, e.exported_file.is_(None), e.id.between(first, last))
                .values(exported_file=name)
            )
            _stamp(conn, LAST_EXPORT, ctx.now())
        report.files.append(name)
        report.events += len(rows)
    return report


def _stamp(conn: Any, key: str, when: datetime) -> None:
    value = json.dumps(when.isoformat())
    done = conn.execute(
        update(_SETTING).where(_SETTING.c.key == key).values(value=value, updated_at=when)
    )
    if not done.rowcount:
        conn.execute(insert(_SETTING).values(key=key, value=value, updated_at=when))


# --- import -----------------------------------------------------------------------------------


@dataclass
class FileResult:
    name: str
    events: int
    applied: int
    skipped: int
    deferred: int


@dataclass
class ImportReport:
    files: list[FileResult] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    retried: int = 0
    still_deferred: int = 0
    conflicts: int = 0

    @property
    def events_applied(self) -> int:
        return sum(f.applied for f in self.files) + self.retried

    def to_json(self) -> dict[str, Any]:
        return {
            "files": [asdict(f) for f in self.files],
            "rejected": [{"file": name, "reason": reason} for name, reason in self.rejected],
            "events_applied": self.events_applied,
            "retried": self.retried,
            "still_deferred": self.still_deferred,
            "conflicts": self.conflicts,
        }


def import_events(
    ctx: Context,
    directory: str | Path | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Apply every sync file of other shops not applied yet, each in one transaction.

    A file that is not signed with the chain secret, cut short or unreadable is rejected whole
    (named in the report with the reason) and the others go on.
    """
    folder = sync_folder(ctx, directory)
    secret = chain_secret(ctx)
    node, report = ctx.node(), ImportReport()
    with ctx.db.reading() as session:
        done = set(session.exec(select(SyncFile.name)).all())  # type: ignore[call-overload]
    names = sorted(
        p.name
        for p in folder.iterdir()
        if p.name.startswith("sync-") and p.name.endswith(SUFFIX) and p.name not in done
    )
    # The next file is read and its signature checked on a second thread while this one's rows
    # go into the database (file reads, hashing and SQLite let go of the GIL). It is parsed
    # here: parsing holds the GIL, so a second thread would not make it faster, and only one
    # parsed file is in memory at a time.
    with gc_paused(), ThreadPoolExecutor(max_workers=1) as reader:
        pending = [reader.submit(_read_file, folder / name, secret) for name in names[:1]]
        for index, name in enumerate(names):
            verified = pending.pop().result()
            if index + 1 < len(names):
                pending.append(reader.submit(_read_file, folder / names[index + 1], secret))
            try:
                if isinstance(verified, str):
                    raise SyncFileRejected(verified)
                batch = parse_batch(verified)
            except SyncFileRejected as exc:
                report.rejected.append((name, str(exc)))
                continue
            if batch.node == node:
                continue  # our own export
            if progress is not None:
                progress(name)
            result = _apply_file(ctx, name, batch.node, batch.sha256, batch.events, report)
            if result is not None:
                report.files.append(result)
    if report.files:
        _retry_deferred(ctx, report)
    with ctx.db.transaction() as session:
        _stamp(session.connection(), LAST_IMPORT, ctx.now())
    return report


def _read_file(path: Path, secret: bytes) -> VerifiedFile | str:
    """A sync file whose signature matched, or why it is rejected."""
    try:
        return verify_batch(secret, path.read_bytes())
    except SyncFileRejected as exc:
        return str(exc)
    except OSError as exc:
        return exc.strerror or str(exc)


def _known(conn: Any, uuids: list[str]) -> set[str]:
    return {
        r[0] for r in select_in(conn, "SELECT uuid FROM sync_event WHERE uuid IN ({keys})", uuids)
    }


def _apply_file(
    ctx: Context,
    name: str,
    origin: str,
    sha256: str,
    events: list[dict[str, Any]],
    report: ImportReport,
) -> FileResult | None:
    now = ctx.now()
    with ctx.db.transaction(bulk=True) as session:
        conn = session.connection()
        serialize(session, "sync-import")
        if conn.execute(select(_FILE.c.name).where(_FILE.c.name == name)).first():
            return None  # another till applied it meanwhile
        known = _known(conn, [e["uuid"] for e in events])
        fresh, seen = [], set(known)
        for event in events:
            if event["uuid"] not in seen:
                seen.add(event["uuid"])
                fresh.append(event)
        with bulk_cache(conn):
            applier = Applier(conn, region=str(ctx.settings()["shop.phone_region"]))
            outcome = applier.apply(fresh)
            _record(conn, origin, outcome, now, applier.values)
        conn.execute(
            insert(_FILE).values(
                name=name,
                node=origin,
                sha256=sha256,
                events=len(events),
                applied=len(outcome.applied),
                skipped=len(events) - len(fresh),
                deferred=len(outcome.deferred),
                imported_at=now,
            )
        )
    report.conflicts += sum(c.needs_owner for c in outcome.conflicts)
    if outcome.settings_changed:
        ctx.forget_settings()
    return FileResult(
        name=name,
        events=len(events),
        applied=len(outcome.applied),
        skipped=len(events) - len(fresh),
        deferred=len(outcome.deferred),
    )


def _record(
    conn: Any, origin: str, outcome: Outcome, now: datetime, values: DriverValues | None = None
) -> None:
    """Remember applied events (by uuid, to skip them next time) and keep deferred ones whole."""
    values = values or DriverValues(conn.dialect.name == "sqlite")
    stamp, iso = values.time(now), values.iso_time

    def row(event: dict[str, Any], payload: str, applied_at: Any) -> tuple[Any, ...]:
        return (
            event["uuid"],
            origin,
            event["seq"],
            str(event.get("store", ""))[:3],
            int(event.get("till") or 0),
            str(event["kind"])[:16],
            payload,
            iso(event.get("at")) or stamp,
            applied_at,
        )

    # Applied events need only their id; deferred ones are kept whole, to be applied later.
    rows = [row(e, "", stamp) for e in outcome.applied]
    rows += [row(e, json.dumps(e, ensure_ascii=False), None) for e in outcome.deferred]
    insert_rows(conn, "sync_event", EVENT_COLUMNS, rows)
    if outcome.conflicts:
        conn.execute(
            insert(_CONFLICT),
            [
                {
                    "kind": c.kind,
                    "member_uuid": c.member_uuid,
                    "event_uuid": c.event_uuid,
                    "detail": json.dumps(c.detail, ensure_ascii=False, default=str),
                    "needs_owner": c.needs_owner,
                    "created_at": now,
                }
                for c in outcome.conflicts
            ],
        )


def _retry_deferred(ctx: Context, report: ImportReport) -> None:
    """Apply deferred events whose references arrived, until no more can be applied."""
    e = _EVENT.c
    while True:
        now = ctx.now()
        with ctx.db.transaction(bulk=True) as session:
            conn = session.connection()
            serialize(session, "sync-import")
            rows = conn.execute(
                select(e.id, e.payload).where(e.applied_at.is_(None)).order_by(e.id)
            ).all()
            if not rows:
                report.still_deferred = 0
                return
            events = [json.loads(r.payload) for r in rows]
            outcome = Applier(conn, region=str(ctx.settings()["shop.phone_region"])).apply(events)
            applied = {ev["uuid"] for ev in outcome.applied}
            if applied:
                conn.execute(
                    update(_EVENT)
                    .where(e.uuid.in_(sorted(applied)))
                    .values(applied_at=now, payload="")
                )
            if outcome.conflicts:
                _record(conn, "", Outcome(conflicts=outcome.conflicts), now)
        report.retried += len(applied)
        report.conflicts += sum(c.needs_owner for c in outcome.conflicts)
        if not applied:
            report.still_deferred = len(rows)
            return


# --- status and conflicts ---------------------------------------------------------------------


@dataclass(frozen=True)
class SyncStatus:
    node: str
    store: str
    till: int
    sync_dir: str
    secret: bool
    pending: int
    last_export: str | None
    last_import: str | None
    files_applied: int
    deferred: int
    open_conflicts: int
    interval_minutes: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def sync_status(ctx: Context) -> SyncStatus:
    """Where this shop stands: events waiting for export, last sync, open conflicts."""
    settings = ctx.settings()
    node = ctx.node()
    try:
        chain_secret(ctx)
        secret = True
    except SyncNotSetUp:
        secret = False
    e, c = _EVENT.c, _CONFLICT.c
    with ctx.db.reading() as session:
        conn = session.connection()
        pending = conn.execute(
            select(func.count()).where(e.node == node, e.exported_file.is_(None))
        ).scalar()
        deferred = conn.execute(select(func.count()).where(e.applied_at.is_(None))).scalar()
        files = conn.execute(select(func.count()).select_from(_FILE)).scalar()
        conflicts = conn.execute(
            select(func.count()).where(c.needs_owner.is_(True), c.resolved_at.is_(None))
        ).scalar()
        stamps = dict(
            conn.execute(
                select(_SETTING.c.key, _SETTING.c.value).where(
                    _SETTING.c.key.in_([LAST_EXPORT, LAST_IMPORT])
                )
            ).all()
        )
    return SyncStatus(
        node=node,
        store=ctx.store_code,
        till=ctx.till,
        sync_dir=str(settings["sync.dir"]),
        secret=secret,
        pending=int(pending or 0),
        last_export=json.loads(stamps[LAST_EXPORT]) if LAST_EXPORT in stamps else None,
        last_import=json.loads(stamps[LAST_IMPORT]) if LAST_IMPORT in stamps else None,
        files_applied=int(files or 0),
        deferred=int(deferred or 0),
        open_conflicts=int(conflicts or 0),
        interval_minutes=int(settings["sync.interval_minutes"]),
    )


@dataclass(frozen=True)
class ConflictLine:
    id: int
    kind: str
    member_uuid: str | None
    detail: dict[str, Any]
    needs_owner: bool
    created_at: datetime
    resolved_at: datetime | None
    resolution: str | None

    def summary(self, currency: str = "EUR") -> str:
        """What happened, in a sentence for the owner."""
        return describe_conflict(self.kind, self.detail, currency)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        data["resolved_at"] = self.resolved_at.isoformat() if self.resolved_at else None
        return data


def describe_conflict(kind: str, detail: dict[str, Any], currency: str = "EUR") -> str:
    """A conflict sync recorded, as a sentence (its kind and details from ``sync_conflict``)."""
    d = defaultdict(str, detail)
    if kind == "negative_balance":
        return _(
            "{name}: the balance fell to {points} points after redemptions in two shops"
        ).format(name=d["name"] or "?", points=format_points(int(d["balance"] or 0)))
    if kind == "coupon_overused":
        return _("Coupon {code} was used {uses} times, {limit} allowed").format(
            code=d["code"], uses=d["uses"], limit=d["limit"]
        )
    if kind == "coupon_code":
        return _("Coupon code {code} was created in two shops for two different coupons").format(
            code=d["code"]
        )
    if kind == "over_refund":
        return _("Sale {sale} was refunded {refunded} of {amount}").format(
            sale=str(d["sale"])[:8],
            refunded=format_money(int(d["refunded_cents"] or 0), currency),
            amount=format_money(int(d["amount_cents"] or 0), currency),
        )
    if kind == "card_collision":
        return _("Card {card} belongs to two different members").format(card=d["card"])
    if kind == "merge_cycle":
        return _("Two shops merged the same members in opposite directions")
    if kind == "bad_setting":
        return _("Another shop's setting {key} was refused: {reason}").format(
            key=d["key"], reason=d["reason"]
        )
    if kind == "profile_edit":
        lost = ", ".join(f"{k}: {v}" for k, v in (detail.get("lost_values") or {}).items())
        return _(
            "{name}: edited in two shops, store {store}'s edit kept; overwritten: {lost}"
        ).format(name=d["name"] or "?", store=d["kept_store"], lost=lost or "—")
    return f"{kind}: {json.dumps(detail, ensure_ascii=False)}"


def list_conflicts(ctx: Context, *, include_all: bool = False) -> list[ConflictLine]:
    """Open conflicts for the owner; with ``include_all`` also resolved ones and logged edits."""
    query = select(SyncConflict).order_by(SyncConflict.id)  # type: ignore[arg-type]
    if not include_all:
        query = query.where(
            SyncConflict.needs_owner.is_(True),  # type: ignore[attr-defined]
            SyncConflict.resolved_at.is_(None),  # type: ignore[union-attr]
        )
    with ctx.db.reading() as session:
        return [
            ConflictLine(
                id=row.id,  # type: ignore[arg-type]
                kind=row.kind,
                member_uuid=row.member_uuid,
                detail=json.loads(row.detail),
                needs_owner=row.needs_owner,
                created_at=row.created_at,
                resolved_at=row.resolved_at,
                resolution=row.resolution,
            )
            for row in session.scalars(query)
        ]


def resolve_conflict(ctx: Context, conflict_id: int, note: str) -> None:
    """Mark a conflict as dealt with (after fixing the balance, the card …), with a note."""
    note = " ".join((note or "").split())
    if not note:
        raise InvalidInput(_("Say how the conflict was resolved: a note is required"))
    with ctx.db.transaction() as session:
        row = session.get(SyncConflict, conflict_id) if 0 < conflict_id < 2**63 else None
        if row is None:
            raise InvalidInput(_("There is no conflict number {id}").format(id=conflict_id))
        if row.resolved_at is not None:
            raise InvalidInput(_("Conflict {id} is already resolved").format(id=conflict_id))
        row.resolved_at = ctx.now()
        row.resolved_by = ctx.actor
        row.resolution = note
        session.add(row)


@dataclass(frozen=True)
class SyncRun:
    exported: ExportReport
    imported: ImportReport

    def to_json(self) -> dict[str, Any]:
        return {"export": self.exported.to_json(), "import": self.imported.to_json()}


def run_sync(ctx: Context, directory: str | Path | None = None) -> SyncRun:
    """Export, then import: what the till's background sync does."""
    exported = export_events(ctx, directory)
    imported = import_events(ctx, directory)
    return SyncRun(exported, imported)
