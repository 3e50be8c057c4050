"""Writing an import's members: short slices under a hidden job, then one publish.

The rows arrive checked and deduplicated (:mod:`app.services.member_io`). Each slice writes a
few hundred members (marked with the job), their cards, opening balances and sync events (held
back from the export); :class:`~app.services.bulk_jobs.SlicedJob` publishes them at once, or
removes them after a failure. Bulk inserts at the driver level: the ORM's per-row parameter
processing would double the time of a 100 000-row import.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.domain.cards import make_card_number, serial_of
from app.domain.csv_formats import MemberRow
from app.domain.profile import PROFILE_FIELDS, alt_key, email_domain, fold
from app.services.audit import record
from app.services.bulk_jobs import SlicedJob
from app.services.context import Context
from app.services.members import next_card_number
from app.store.bulk import DriverValues, insert_rows
from app.store.jobs import event_mark
from app.store.models import new_uuid
from app.store.tables import MEMBER
from app.sync import events

OPENING_BALANCE = "opening_balance"
# Names repeat a lot in a member file; folding each once saves seconds on 100 000 rows.
_fold_name = lru_cache(maxsize=20_000)(fold)
_alt_key = lru_cache(maxsize=20_000)(alt_key)


def _variant_keys(
    first: str, last: str, email: str | None, phone: str | None
) -> tuple[str | None, ...]:
    """:func:`variant_keys`, with the names' transliteration cached."""
    return (
        _alt_key(first),
        _alt_key(last),
        email_domain(email) if email else None,
        phone[:0:-1] if phone else None,  # E.164 backwards, without its "+"
    )


def fold_email(text: str) -> str:
    """:func:`fold`, with a fast path for ASCII text (most emails), where it is lower()."""
    return text.lower().strip() if text.isascii() else fold(text)


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
    "first_alt",
    "last_alt",
    "email_domain",
    "phone_reversed",
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


def _member_values(
    ctx: Context, v: DriverValues, now: datetime, uuid: str, row: MemberRow
) -> tuple[Any, ...]:
    """One member row of :data:`_MEMBER_COLUMNS`, in the driver's form."""
    p = row.profile
    stamp = v.time(now)
    consent_at = (row.consent_at or now) if p.marketing_consent else None
    return (
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
        ctx.store_code,
        stamp,
        stamp,
        ctx.store_code,
        # The same keys as search_keys(), without parsing each phone again.
        _fold_name(p.first_name),
        _fold_name(p.last_name),
        fold_email(p.email) if p.email else None,
        row.phone_national,
        p.phone[1:] if p.phone else None,  # E.164: "+" and digits
        *_variant_keys(p.first_name, p.last_name, p.email, p.phone),
        row.tier,
    )


def _card_numbers(session: Session, ctx: Context, rows: list[MemberRow]) -> list[str]:
    """Each row's card: its own, or a new one continuing after the highest of this store (in
    the database or in the file). Called in the job's first slice, under the write lock."""
    layout = ctx.layout()
    first_free = serial_of(next_card_number(session, layout))
    in_file = [serial_of(r.card) + 1 for r in rows if r.card and r.card[:5] == layout.stem]
    serial = max([first_free, *in_file])
    numbers = []
    for row in rows:
        if row.card is None:
            numbers.append(make_card_number(layout, serial))
            serial += 1
        else:
            numbers.append(row.card)
    return numbers


def store_members(
    ctx: Context,
    rows: list[MemberRow],
    file_name: str,
    detail: dict[str, Any],
    stored: Callable[[int, int], None] | None = None,
) -> None:
    """Write the rows in short slices under a hidden job, then publish it in one tiny write.

    Any failure (or a kill) before the publish leaves nothing visible: the slices are removed
    at once, or by the next import or ``loyalty check``. See services/bulk_jobs.py.
    """
    now = ctx.now()
    v = DriverValues(ctx.db.is_sqlite)
    job = SlicedJob.start(ctx, "member_import")
    try:
        _stage(ctx, job, rows, now, v, file_name, stored)

        def audit(session: Session) -> None:
            record(session, ctx, "members.import", "file", file_name, **detail)

        job.publish(audit)
    except BaseException:
        job.discard()
        raise
    job.settle()


def _stage(
    ctx: Context,
    job: SlicedJob,
    rows: list[MemberRow],
    now: datetime,
    v: DriverValues,
    file_name: str,
    stored: Callable[[int, int], None] | None,
) -> None:
    """The job's slices: members (marked with the job), cards, opening balances, events."""
    store = ctx.store_code
    stamp = v.time(now)
    reason = f"Opening balance imported from {file_name}"[:200]
    mark = event_mark(job.id)
    numbers: list[str] = []
    done = 0
    while done < len(rows):
        with job.slice() as session:
            if not numbers:
                numbers = _card_numbers(session, ctx, rows)
                # From this slice on, a till enrolling someone meanwhile gets a number after
                # all of the import's (members.next_card_number reads the reservation).
                stem = ctx.layout().stem
                job.reserve(session, max((n for n in numbers if n[:5] == stem), default=None))
            part = range(done, min(done + job.pacer.rows, len(rows)))
            uuids = [new_uuid() for _i in part]
            member_values = [
                (*_member_values(ctx, v, now, uuid, rows[i]), job.id)
                for uuid, i in zip(uuids, part, strict=True)
            ]
            _bulk_insert(session, ctx, "member", (*_MEMBER_COLUMNS, "job_id"), member_values)
            # The new ids are read back by uuid: portable, and right whoever else writes.
            by_uuid: dict[str, int] = {
                r.uuid: r.id
                for r in session.execute(
                    select(MEMBER.c.uuid, MEMBER.c.id).where(MEMBER.c.uuid.in_(uuids))
                )
            }
            cards = []
            ledger = []
            for uuid, i in zip(uuids, part, strict=True):
                member_id = by_uuid[uuid]
                cards.append((numbers[i], member_id, "active", stamp))
                if rows[i].points:
                    ledger.append(
                        (
                            new_uuid(),
                            member_id,
                            rows[i].points,
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
            # Held back from the export (marked) until the job is published and settled.
            outbox = [
                (*event, mark)
                for event in _import_events(
                    ctx, v, now, [m[:-1] for m in member_values], cards, ledger
                )
            ]
            _bulk_insert(
                session, ctx, "sync_event", (*events.EVENT_COLUMNS, "exported_file"), outbox
            )
        done += len(part)
        if stored is not None:
            stored(done, len(rows))


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
