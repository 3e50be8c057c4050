"""Members to and from CSV files (format: see :mod:`app.domain.csv_formats`).

An import is all or nothing by default: every invalid row is reported with its line number
and nothing is stored; with ``skip_invalid`` the valid rows are imported. Rows whose card or
email is already in the file or in the database are reported as duplicates and skipped, never
doubled. The whole import is one transaction with bulk inserts.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from app.domain.cards import make_card_number, serial_of
from app.domain.csv_formats import (
    GENERIC_COLUMNS,
    MemberRow,
    RowIssue,
    check_row,
    consent_text,
    read_file,
)
from app.domain.errors import InvalidInput, ValidationFailed
from app.domain.profile import PROFILE_FIELDS, fold
from app.files import open_text_atomically
from app.i18n import _
from app.services.audit import record
from app.services.context import Context
from app.services.members import next_card_number
from app.store import queries
from app.store.bulk import DriverValues, insert_rows
from app.store.models import new_uuid
from app.store.tables import MEMBER
from app.store.types import parse_sqlite_timestamp
from app.sync import events

CHUNK = 500
PROGRESS_EVERY = 2000
OPENING_BALANCE = "opening_balance"
# Names repeat a lot in a member file; folding each once saves seconds on 100 000 rows.
_fold_name = lru_cache(maxsize=20_000)(fold)


def _fold(text: str) -> str:
    """:func:`fold`, with a fast path for ASCII text (most emails), where it is lower()."""
    return text.lower().strip() if text.isascii() else fold(text)


@dataclass
class ImportReport:
    """What an import did (or, in a dry run or when refused, would do)."""

    file: str
    format: str
    encoding: str
    delimiter: str
    rows: int
    imported: int = 0
    new_cards: int = 0
    points: int = 0
    invalid: list[RowIssue] = field(default_factory=list)
    duplicates: list[RowIssue] = field(default_factory=list)
    dry_run: bool = False
    # Invalid rows without ``skip_invalid``: nothing was (or would be) imported.
    refused: bool = False
    applied: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "rows": self.rows,
            "imported": self.imported,
            "new_cards": self.new_cards,
            "points": self.points,
            "invalid": [i.to_json() for i in self.invalid],
            "duplicates": [d.to_json() for d in self.duplicates],
            "dry_run": self.dry_run,
            "refused": self.refused,
            "applied": self.applied,
        }


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(_("No such file: {path}").format(path=path)) from None
    except OSError as exc:
        raise InvalidInput(
            _("Cannot read {path}: {reason}").format(path=path, reason=exc.strerror)
        ) from None


def _chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing(ctx: Context, column: str, values: Iterable[str]) -> set[str]:
    """Which of ``values`` the database already has in ``column`` (card number or email key)."""
    table = "card" if column == "number" else "member"
    found: set[str] = set()
    for chunk in _chunks(sorted(set(values))):
        marks = ", ".join("?" * len(chunk))
        rows = queries.fetch_all(
            ctx.db,
            f"SELECT {column} AS found FROM {table} WHERE {column} IN ({marks})",
            tuple(chunk),
        )
        found.update(r.found for r in rows)
    return found


def _dedupe(ctx: Context, rows: list[MemberRow]) -> tuple[list[MemberRow], list[RowIssue]]:
    """Drop rows whose card or email is already in the file (earlier) or in the database."""
    db_cards = _existing(ctx, "number", (r.card for r in rows if r.card))
    db_emails = _existing(
        ctx, "email_key", (_fold(r.profile.email) for r in rows if r.profile.email)
    )
    seen_cards: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    keep: list[MemberRow] = []
    issues: list[RowIssue] = []
    for row in rows:
        email = _fold(row.profile.email) if row.profile.email else None
        reason = None
        if row.card and row.card in db_cards:
            reason = _("card {card} already belongs to a member").format(card=row.card)
        elif row.card and row.card in seen_cards:
            reason = _("card {card} is already on line {line}").format(
                card=row.card, line=seen_cards[row.card]
            )
        elif email and email in db_emails:
            reason = _("a member with email {email} already exists").format(email=row.profile.email)
        elif email and email in seen_emails:
            reason = _("email {email} is already on line {line}").format(
                email=row.profile.email, line=seen_emails[email]
            )
        if reason:
            issues.append(RowIssue(row.line, reason))
            continue
        if row.card:
            seen_cards[row.card] = row.line
        if email:
            seen_emails[email] = row.line
        keep.append(row)
    return keep, issues


def import_members_csv(
    ctx: Context,
    path: str | Path,
    *,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import members from a generic, OSPOS or Square CSV file (format found from the header).

    Returns the report; when rows are invalid and ``skip_invalid`` is not set, nothing is
    stored and ``report.refused`` is true. ``dry_run`` checks everything and stores nothing.
    ``progress(done, total)`` is called now and then while rows are checked (for a TUI
    worker's progress bar) and once at the end.
    """
    path = Path(path)
    parsed = read_file(_read_bytes(path))
    now = ctx.now()
    today = now.astimezone().date()
    region = str(ctx.settings()["shop.phone_region"])
    report = ImportReport(
        file=str(path),
        format=parsed.format,
        encoding=parsed.encoding,
        delimiter=parsed.delimiter,
        rows=len(parsed.rows),
        dry_run=dry_run,
    )
    good: list[MemberRow] = []
    total = len(parsed.rows)
    for done, raw in enumerate(parsed.rows):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done, total)
        try:
            good.append(check_row(raw, today=today, region=region))
        except ValidationFailed as exc:
            report.invalid.append(RowIssue(raw.line, exc.message))
    good, report.duplicates = _dedupe(ctx, good)
    if report.invalid and not skip_invalid:
        report.refused = True
        if progress is not None:
            progress(total, total)
        return report
    report.imported = len(good)
    report.new_cards = sum(1 for r in good if not r.card)
    report.points = sum(r.points for r in good)
    if not dry_run and good:
        _store(ctx, good, path.name, report)
        report.applied = True
    if progress is not None:
        progress(total, total)
    return report


_MEMBER_COLUMNS = (
    "uuid",
    *PROFILE_FIELDS,
    "consent_at",
    "points_balance",
    "status",
    "home_store",
    "created_at",
    "updated_at",
    "updated_store",
    "first_key",
    "last_key",
    "email_key",
    "phone_national",
    "phone_international",
    "tier",
)
_CARD_COLUMNS = ("number", "member_id", "status", "issued_at")
_LEDGER_COLUMNS = (
    "uuid",
    "member_id",
    "points",
    "kind",
    "reason",
    "actor",
    "store_code",
    "till",
    "created_at",
)


def _bulk_insert(
    session: Session, ctx: Context, table: str, columns: tuple[str, ...], rows: list[tuple]
) -> None:
    # Driver-level executemany: the ORM's per-row parameter processing would double the time
    # of a 100 000-row import. Values are therefore already in the driver's form (DriverValues).
    insert_rows(session.connection(), table, columns, rows)


def _store(ctx: Context, rows: list[MemberRow], file_name: str, report: ImportReport) -> None:
    now = ctx.now()
    layout = ctx.layout()
    store = ctx.store_code
    v = DriverValues(ctx.db.is_sqlite)
    stamp = v.time(now)
    reason = f"Opening balance imported from {file_name}"[:200]
    with ctx.db.transaction() as session:
        # New numbers continue after the highest of this store, in the database or in the file.
        first_free = serial_of(next_card_number(session, layout))
        in_file = [serial_of(r.card) + 1 for r in rows if r.card and r.card[:5] == layout.stem]
        serial = max([first_free, *in_file])
        uuids = [new_uuid() for _row in rows]
        member_values = []
        for uuid, row in zip(uuids, rows, strict=True):
            p = row.profile
            consent_at = (row.consent_at or now) if p.marketing_consent else None
            member_values.append(
                (
                    uuid,
                    p.salutation,
                    p.first_name,
                    p.last_name,
                    p.email,
                    p.phone,
                    v.day(p.birthday),
                    p.postcode,
                    v.flag(p.marketing_consent),
                    p.notes,
                    v.time(consent_at),
                    row.points,
                    "active",
                    store,
                    stamp,
                    stamp,
                    store,
                    # The same keys as search_keys(), without parsing each phone again.
                    _fold_name(p.first_name),
                    _fold_name(p.last_name),
                    _fold(p.email) if p.email else None,
                    row.phone_national,
                    p.phone[1:] if p.phone else None,  # E.164: "+" and digits
                    row.tier,
                )
            )
        before = session.execute(select(func.coalesce(func.max(MEMBER.c.id), 0))).scalar_one()
        _bulk_insert(session, ctx, "member", _MEMBER_COLUMNS, member_values)
        # The new ids are read back by uuid: portable, and right even if another till
        # enrolled someone meanwhile.
        by_uuid: dict[str, int] = {
            row.uuid: row.id
            for row in session.execute(
                select(MEMBER.c.uuid, MEMBER.c.id).where(MEMBER.c.id > before)
            )
        }
        cards = []
        ledger = []
        for uuid, row in zip(uuids, rows, strict=True):
            member_id = by_uuid[uuid]
            number = row.card
            if number is None:
                number = make_card_number(layout, serial)
                serial += 1
            cards.append((number, member_id, "active", stamp))
            if row.points:
                ledger.append(
                    (
                        new_uuid(),
                        member_id,
                        row.points,
                        OPENING_BALANCE,
                        reason,
                        ctx.actor,
                        store,
                        ctx.till,
                        stamp,
                    )
                )
        _bulk_insert(session, ctx, "card", _CARD_COLUMNS, cards)
        if ledger:
            _bulk_insert(session, ctx, "ledger_entry", _LEDGER_COLUMNS, ledger)
        _bulk_insert(
            session,
            ctx,
            "sync_event",
            events.EVENT_COLUMNS,
            _import_events(ctx, v, now, member_values, cards, ledger),
        )
        record(
            session,
            ctx,
            "members.import",
            "file",
            file_name,
            format=report.format,
            imported=len(rows),
            new_cards=report.new_cards,
            points=report.points,
            invalid_skipped=len(report.invalid),
            duplicates_skipped=len(report.duplicates),
        )


def _import_events(
    ctx: Context,
    v: DriverValues,
    now: datetime,
    members: list[tuple[Any, ...]],
    cards: list[tuple[Any, ...]],
    ledger: list[tuple[Any, ...]],
) -> list[tuple[Any, ...]]:
    """The sync events of an import, built from the inserted values (no reading back)."""
    iso = now.isoformat()
    uuid_of: dict[int, str] = {}
    data: list[tuple[str, dict[str, Any]]] = []
    for values, card in zip(members, cards, strict=True):
        member = dict(zip(_MEMBER_COLUMNS, values, strict=True))
        uuid_of[card[1]] = member["uuid"]
        profile = {key: member.get(key) for key in events.MEMBER_FIELDS}
        profile.update(
            birthday=events.plain(member["birthday"]),
            marketing_consent=bool(member["marketing_consent"]),
            consent_at=_iso_time(member["consent_at"]),
            created_at=iso,
            updated_at=iso,
            merged_into=None,
            base=None,
        )
        data.append(("member", profile))
        data.append(
            (
                "card",
                {
                    "number": card[0],
                    "member": member["uuid"],
                    "status": "active",
                    "issued_at": iso,
                    "printed_at": None,
                    "blocked_at": None,
                    "replaced_by": None,
                },
            )
        )
    for row in ledger:
        entry = dict(zip(_LEDGER_COLUMNS, row, strict=True))
        entry.update(member=uuid_of[entry.pop("member_id")], created_at=iso, sale=None, refund=None)
        data.append(("points", {"ledger": [entry]}))
    return events.event_rows(ctx, data, v.time(now))


def _iso_time(value: Any) -> str | None:
    """A consent time as the driver took it (text on SQLite) back in ISO 8601 with UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return datetime.fromisoformat(value).replace(tzinfo=UTC).isoformat()


_EXPORT_SELECT = (
    "SELECT m.id, (SELECT c.number FROM card c WHERE c.member_id = m.id AND c.status = 'active' "
    "ORDER BY c.issued_at DESC LIMIT 1) AS card, m.salutation, m.first_name, m.last_name, "
    "m.email, m.phone, m.birthday, m.postcode, m.marketing_consent, m.consent_at, "
    "m.points_balance, m.tier, m.notes FROM member m WHERE m.status = 'active' AND m.id > ? "
    "ORDER BY m.id LIMIT ?"
)


def _export_rows(ctx: Context) -> Iterator[list[str]]:
    after = 0
    while True:
        rows = queries.fetch_all(ctx.db, _EXPORT_SELECT, (after, 5000))
        if not rows:
            return
        for r in rows:
            consent_at = parse_sqlite_timestamp(r.consent_at) if ctx.db.is_sqlite else r.consent_at
            # A date from PostgreSQL's driver, its ISO text from SQLite's.
            birthday = r.birthday.isoformat() if hasattr(r.birthday, "isoformat") else r.birthday
            yield [
                r.card or "",
                r.salutation or "",
                r.first_name,
                r.last_name,
                r.email or "",
                r.phone or "",
                birthday or "",
                r.postcode or "",
                consent_text(bool(r.marketing_consent)),
                consent_at.isoformat() if consent_at else "",
                str(r.points_balance),
                r.tier or "",
                r.notes or "",
            ]
        after = rows[-1].id


def export_members_csv(ctx: Context, path: str | Path) -> int:
    """Write every active member to ``path`` in the generic format; returns the row count.

    Written through a file without a name that is named only when complete (see
    :mod:`app.files`): a failed or killed export leaves no half file and no temporary file
    with personal data. The file is readable by its owner only.
    """
    path = Path(path)
    count = 0
    try:
        with open_text_atomically(path, mode=0o600, newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(GENERIC_COLUMNS)
            for row in _export_rows(ctx):
                writer.writerow(row)
                count += 1
    except OSError as exc:
        raise InvalidInput(
            _("Cannot write {path}: {reason}").format(path=path, reason=exc.strerror)
        ) from None
    return count
