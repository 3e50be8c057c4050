"""Members to and from CSV files (format: see :mod:`app.domain.csv_formats`).

An import is all or nothing by default: every invalid row is reported with its line number
and nothing is stored; with ``skip_invalid`` the valid rows are imported. Rows whose card or
email is already in the file or in the database are reported as duplicates and skipped, never
doubled. The rows are written in short slices under a hidden job and published at once
(services/bulk_jobs.py), so a till's sale never waits long behind an import.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.domain.csv_formats import (
    GENERIC_COLUMNS,
    MemberRow,
    RowIssue,
    check_row,
    consent_text,
    read_file,
)
from app.domain.errors import InvalidInput, ValidationFailed
from app.domain.spreadsheet import escape_row
from app.files import open_text_atomically
from app.i18n import _
from app.services.audit import record
from app.services.bulk_jobs import tidy_jobs
from app.services.context import Context
from app.services.member_import_slices import fold_email, store_members
from app.store import queries
from app.store.jobs import VISIBLE_SQL
from app.store.types import parse_sqlite_timestamp

CHUNK = 500
PROGRESS_EVERY = 2000


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


def read_import_file(path: Path) -> bytes:
    """A CSV file's bytes for an import, or InvalidInput saying why it cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(_("No such file: {path}").format(path=path)) from None
    except OSError as exc:
        raise InvalidInput(
            _("Cannot read {path}: {reason}").format(path=path, reason=exc.strerror)
        ) from None


def chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """``items`` in lists of ``size`` (below the databases' parameter limits)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing(ctx: Context, column: str, values: Iterable[str]) -> set[str]:
    """Which of ``values`` the database already has in ``column`` (card number or email key)."""
    table = "card" if column == "number" else "member"
    found: set[str] = set()
    for chunk in chunks(sorted(set(values))):
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
        ctx, "email_key", (fold_email(r.profile.email) for r in rows if r.profile.email)
    )
    seen_cards: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    keep: list[MemberRow] = []
    issues: list[RowIssue] = []
    for row in rows:
        email = fold_email(row.profile.email) if row.profile.email else None
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
    stored: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import members from a generic, OSPOS or Square CSV file (format found from the header).

    Returns the report; when rows are invalid and ``skip_invalid`` is not set, nothing is
    stored and ``report.refused`` is true. ``dry_run`` checks everything and stores nothing.
    ``progress(done, total)`` is called now and then while rows are checked (for a TUI
    worker's progress bar) and once at the end; ``stored(done, total)`` after each slice of
    rows is written (hidden until the whole import is published).
    """
    path = Path(path)
    parsed = read_file(read_import_file(path))
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
    if not dry_run:
        # A job left by a killed import would count its hidden rows as duplicates.
        tidy_jobs(ctx)
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
        detail = {
            "format": report.format,
            "imported": len(good),
            "new_cards": report.new_cards,
            "points": report.points,
            "invalid_skipped": len(report.invalid),
            "duplicates_skipped": len(report.duplicates),
        }
        store_members(ctx, good, path.name, detail, stored)
        report.applied = True
    if progress is not None:
        progress(total, total)
    return report


_EXPORT_SELECT = (
    "SELECT m.id, (SELECT c.number FROM card c WHERE c.member_id = m.id AND c.status = 'active' "
    "ORDER BY c.issued_at DESC LIMIT 1) AS card, m.salutation, m.first_name, m.last_name, "
    "m.email, m.phone, m.birthday, m.postcode, m.marketing_consent, m.consent_at, "
    "m.points_balance, m.tier, m.notes FROM member m WHERE m.status = 'active' "
    f"AND {VISIBLE_SQL} "
)


def member_row_chunks(
    ctx: Context, select: str, member_ids: list[int] | None
) -> Iterator[list[queries.Record]]:
    """The rows of ``select`` (a ``SELECT … FROM member m WHERE …``): every member in id order,
    or those of ``member_ids`` in their order, 5,000 or 500 at a time."""
    if member_ids is None:
        after = 0
        while True:
            rows = queries.fetch_all(
                ctx.db, f"{select} AND m.id > ? ORDER BY m.id LIMIT ?", (after, 5000)
            )
            if not rows:
                return
            yield rows
            after = rows[-1].id
    for part in chunks(member_ids):
        marks = ", ".join("?" * len(part))
        found = {
            r.id: r
            for r in queries.fetch_all(ctx.db, f"{select} AND m.id IN ({marks})", tuple(part))
        }
        yield [found[i] for i in part if i in found]


def _export_rows(ctx: Context, member_ids: list[int] | None) -> Iterator[list[str | int]]:
    for rows in member_row_chunks(ctx, _EXPORT_SELECT, member_ids):
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
                int(r.points_balance),  # a number: never escaped (see app.domain.spreadsheet)
                r.tier or "",
                r.notes or "",
            ]


def export_members_csv(ctx: Context, path: str | Path, member_ids: list[int] | None = None) -> int:
    """Write every active member (or those of ``member_ids``) to ``path`` in the generic
    format; returns the row count.

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
            for row in _export_rows(ctx, member_ids):
                writer.writerow(escape_row(row))
                count += 1
    except OSError as exc:
        raise InvalidInput(
            _("Cannot write {path}: {reason}").format(path=path, reason=exc.strerror)
        ) from None
    with ctx.db.transaction() as session:
        # A copy of everyone's data left the program: who, when, where to, how many.
        record(session, ctx, "members.export", "file", path.name, members=count)
    return count
