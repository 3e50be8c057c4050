"""The owner's member desk: edit a profile, page through all members, a member's history.

The members list pages with keyset paging (``after_key``) on an index per sort order, so the
first page and every following page cost the same at a million members as at a hundred.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from operator import attrgetter
from typing import Any

from sqlmodel import Session, col, select

from app.domain.cards import validate_card_number
from app.domain.errors import InvalidInput, MemberNotFound, ValidationFailed
from app.domain.profile import (
    PROFILE_FIELDS,
    MemberDraft,
    Profile,
    fold,
    phone_query,
    profile_values,
    search_keys,
    validate_profile,
)
from app.domain.program import member_tier
from app.i18n import _
from app.services.audit import record
from app.services.context import Context
from app.services.lookup import check_card, get_member
from app.services.views import MemberSummary, MemberView
from app.store import queries
from app.store.models import Card, LedgerEntry, Member, Sale
from app.store.search_keys import other_words, phone_columns, upper_bound
from app.sync import events

EDITABLE_FIELDS = (*PROFILE_FIELDS, "tier")


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# --- finding the member behind a card -------------------------------------------------------


def member_id_for_card(ctx: Context, text: str, *, usable: bool = True) -> int:
    """The member id behind a card number.

    With ``usable`` (edits, merges) the card must be active and its member active; without it
    (data export, erasure) any card the member ever had will do.
    """
    number = validate_card_number(text)
    row = queries.fetch_one(
        ctx.db,
        "SELECT c.status, c.replaced_by, c.member_id, m.status AS member_status "
        "FROM card c JOIN member m ON m.id = c.member_id WHERE c.number = ?",
        (number,),
    )
    if usable or row is None:
        check_card(row, number)
    assert row is not None
    return int(row.member_id)


def load_member(session: Session, member_id: int, *, lock: bool = True) -> Member:
    """The member row inside the caller's transaction, locked for the change (PostgreSQL)."""
    statement = select(Member).where(Member.id == member_id)
    member = session.exec(statement.with_for_update() if lock else statement).first()
    if member is None:
        raise MemberNotFound(_("No member with number {id}").format(id=member_id))
    return member


def _require_active(member: Member) -> None:
    if member.status != "active":
        raise MemberNotFound(
            _("Member {id} was merged or erased and cannot be changed").format(id=member.id)
        )


def apply_search_keys(member: Member, region: str) -> None:
    """Recompute the folded search keys from the member's current fields."""
    keys = search_keys(
        Profile(
            first_name=member.first_name,
            last_name=member.last_name,
            email=member.email,
            phone=member.phone,
        ),
        region,
    )
    member.first_key = keys.first_key
    member.last_key = keys.last_key
    member.email_key = keys.email_key
    member.phone_national = keys.phone_national
    member.phone_international = keys.phone_international


# --- editing a profile ----------------------------------------------------------------------


def _draft_of(member: Member) -> MemberDraft:
    return MemberDraft(
        first_name=member.first_name,
        last_name=member.last_name,
        salutation=member.salutation,
        email=member.email or "",
        phone=member.phone or "",
        birthday=member.birthday.isoformat() if member.birthday else "",
        postcode=member.postcode or "",
        marketing_consent=member.marketing_consent,
        notes=member.notes,
    )


def update_member(ctx: Context, member_id: int, changes: Mapping[str, Any]) -> MemberView:
    """Change some profile fields, validated like an enrolment; unchanged fields stay as they are.

    ``changes`` maps field names of :data:`EDITABLE_FIELDS` to the typed text (booleans for
    ``marketing_consent``). Giving consent stamps ``consent_at``; withdrawing it clears it.
    The audit row lists every changed field with its old and new value.
    """
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise InvalidInput(_("Unknown member field: {fields}").format(fields=", ".join(unknown)))
    now = ctx.now()
    region = str(ctx.settings()["shop.phone_region"])
    with ctx.db.transaction() as session:
        member = load_member(session, member_id)
        _require_active(member)
        base = events.member_base(member)
        draft_changes = {k: v for k, v in changes.items() if k != "tier"}
        for key, value in draft_changes.items():
            if key == "marketing_consent":
                draft_changes[key] = bool(value)
            else:
                draft_changes[key] = "" if value is None else str(value)
        draft = dataclasses.replace(_draft_of(member), **draft_changes)
        errors: dict[str, str] = {}
        tier = None
        try:
            tier = member_tier(str(changes.get("tier") or ""))
        except ValueError as exc:
            errors["tier"] = str(exc)
        try:
            profile = validate_profile(draft, today=now.astimezone().date(), region=region)
        except ValidationFailed as exc:
            errors = {**exc.errors, **errors}
        if errors:
            raise ValidationFailed(errors)
        new_values = profile_values(profile)
        if "tier" in changes:
            new_values["tier"] = tier
        diff: dict[str, list[Any]] = {}
        for key, new in new_values.items():
            old = getattr(member, key)
            if old != new:
                diff[key] = [
                    _iso(old) if isinstance(old, date) else old,
                    _iso(new) if isinstance(new, date) else new,
                ]
                setattr(member, key, new)
        if diff:
            if "marketing_consent" in diff:
                member.consent_at = now if member.marketing_consent else None
            member.updated_at = now
            member.updated_store = ctx.store_code
            apply_search_keys(member, region)
            session.add(member)
            record(session, ctx, "member.update", "member", member_id, changes=diff)
            session.flush()
            events.member_changed(session, ctx, member_id, base)
    return get_member(ctx, member_id)


# --- the members list -----------------------------------------------------------------------

SORTS = ("name", "points", "newest")
_PAGE_SELECT = (
    "SELECT m.id AS member_id, (SELECT c.number FROM card c WHERE c.member_id = m.id "
    "AND c.status = 'active' ORDER BY c.issued_at DESC LIMIT 1) AS card, m.first_name, "
    "m.last_name, m.email, m.phone, m.postcode, m.points_balance AS points, m.last_key, "
    "m.first_key, m.created_at FROM member m"
)
# sort -> (comparison for "after", ORDER BY, the columns of a row that make its page key)
_SORT_SQL = {
    "name": (
        "(m.last_key, m.first_key, m.id) > (?, ?, ?)",
        "m.last_key, m.first_key, m.id",
        ("last_key", "first_key", "member_id"),
    ),
    "points": (
        "(m.points_balance, m.id) < (?, ?)",
        "m.points_balance DESC, m.id DESC",
        ("points", "member_id"),
    ),
    "newest": (
        "(m.created_at, m.id) < (?, ?)",
        "m.created_at DESC, m.id DESC",
        ("created_at", "member_id"),
    ),
}


@dataclass(frozen=True)
class MemberPage:
    """One page of the members list; pass ``next_key`` as ``after_key`` for the next page."""

    members: tuple[MemberSummary, ...]
    next_key: tuple[Any, ...] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "members": [m.to_json() for m in self.members],
            "next_key": list(self.next_key) if self.next_key is not None else None,
        }


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


@dataclass(frozen=True)
class _Filter:
    """A parsed filter: the word that drives index range scans, the columns it is looked up
    in, and the other words (each must prefix a name or the email of a found row)."""

    drive: str
    columns: tuple[str, ...]
    others: tuple[str, ...]


def _parse_filter(text: str) -> _Filter | None:
    phone = phone_query(text)
    if phone is not None:
        digits, international = phone
        return _Filter(digits, phone_columns(international), ()) if digits else None
    words = fold(text.strip()).split()
    if not words:
        return None
    drive = max(words, key=len)
    others = tuple(w for w in words if w is not drive)
    return _Filter(drive, ("last_key", "first_key", "email_key"), others)


# Up to this many matches in a column, its index range is read and sorted (cheap); beyond,
# matches are dense and walking the sort order's index finds a page of them sooner.
DENSE = 5000


def _matches_at_least(
    ctx: Context, column: str, params: list[Any], extra_sql: str, count: int
) -> bool:
    row = queries.fetch_one(
        ctx.db,
        f"SELECT COUNT(*) AS matches FROM (SELECT 1 FROM member m WHERE m.{column} >= ? "
        f"AND m.{column} < ?{extra_sql} LIMIT ?) capped",
        (*params, count),
    )
    return row is not None and row.matches >= count


def _filtered_rows(
    ctx: Context,
    flt: _Filter,
    sort: str,
    after_key: tuple[Any, ...] | list[Any] | None,
    limit: int,
) -> list[queries.Record]:
    """The first ``limit`` matching rows after ``after_key``: one ordered stream per column.

    Each stream either reads its column's index range (few matches) or walks the sort
    order's index testing the column (many matches); the streams are merged in sort order.
    """
    after_sql, order_sql, key_columns = _SORT_SQL[sort]
    low, high = flt.drive, upper_bound(flt.drive)
    extra_sql, extra = other_words(flt.others)
    found: dict[int, queries.Record] = {}
    for column in flt.columns:
        on_sort_index = sort == "name" and column == "last_key"
        params: list[Any] = [low, high, *extra]
        if on_sort_index or not _matches_at_least(ctx, column, params, extra_sql, DENSE):
            target = f"m.{column}"
        else:
            # An expression cannot use the column's index: the planner walks the sort index.
            target = f"(m.{column} || '')"
        sql = (
            f"{_PAGE_SELECT} WHERE m.status = 'active' AND {target} >= ? AND {target} < ?"
            f"{extra_sql}"
        )
        if after_key is not None:
            sql += f" AND {after_sql}"
            params += list(after_key)
        sql += f" ORDER BY {order_sql} LIMIT ?"
        params.append(limit)
        for row in queries.fetch_all(ctx.db, sql, tuple(params)):
            found.setdefault(row.member_id, row)
    descending = sort != "name"
    rows = sorted(found.values(), key=attrgetter(*key_columns), reverse=descending)
    return rows[:limit]


def list_members(
    ctx: Context,
    filter_text: str = "",
    sort: str = "name",
    after_key: tuple[Any, ...] | list[Any] | None = None,
    limit: int = 50,
) -> MemberPage:
    """One page of active members, optionally filtered, in ``sort`` order.

    Without a filter the page walks the sort order's index from ``after_key``; with a filter
    each searched column is read by index range or by walking the sort index, whichever is
    cheaper, so no page reads the whole table.
    """
    if sort not in SORTS:
        raise InvalidInput(_("Sort by one of: {sorts}").format(sorts=", ".join(SORTS)))
    if not 1 <= limit <= 1000:
        raise InvalidInput(_("A page has between 1 and 1000 members"))
    after_sql, order_sql, key_columns = _SORT_SQL[sort]
    if after_key is not None and len(after_key) != len(key_columns):
        raise InvalidInput(_("This page key does not fit the sort order"))
    flt = _parse_filter(filter_text or "")
    if flt is not None:
        rows = _filtered_rows(ctx, flt, sort, after_key, limit + 1)
    else:
        sql = _PAGE_SELECT + " WHERE m.status = 'active'"
        params: list[Any] = []
        if after_key is not None:
            sql += f" AND {after_sql}"
            params += list(after_key)
        sql += f" ORDER BY {order_sql} LIMIT ?"
        params.append(limit + 1)
        rows = queries.fetch_all(ctx.db, sql, tuple(params))
    more = len(rows) > limit
    rows = rows[:limit]
    members = tuple(MemberSummary.of(r) for r in rows)
    # Plain JSON on every database: PostgreSQL's driver returns timestamps as datetimes (an ISO
    # string given back as after_key compares as the timestamp it names).
    next_key = (
        tuple(_plain(getattr(rows[-1], name)) for name in key_columns) if more and rows else None
    )
    return MemberPage(members=members, next_key=next_key)


# --- a member's history ---------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerLine:
    """One points ledger row as the member view shows it."""

    entry_id: int
    created_at: datetime
    points: int
    kind: str
    reason: str
    sale_id: int | None
    actor: str
    store_code: str
    till: int

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "created_at": self.created_at.isoformat()}


@dataclass(frozen=True)
class SaleRecord:
    """One sale of a member, with the card it was made with."""

    sale_id: int
    created_at: datetime
    card: str
    amount_cents: int
    discount_cents: int
    to_pay_cents: int
    points_earned: int
    points_redeemed: int
    refunded_cents: int
    actor: str
    store_code: str

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "created_at": self.created_at.isoformat()}


@dataclass(frozen=True)
class CardLine:
    """A card of a member, current or former."""

    number: str
    status: str
    issued_at: datetime
    printed_at: datetime | None
    blocked_at: datetime | None
    replaced_by: str | None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("issued_at", "printed_at", "blocked_at"):
            data[key] = _iso(data[key])
        return data


def member_ledger(
    ctx: Context, member_id: int, *, limit: int = 200, before_id: int | None = None
) -> list[LedgerLine]:
    """The member's ledger rows, newest first (page with ``before_id``)."""
    with ctx.db.reading() as session:
        statement = select(LedgerEntry).where(LedgerEntry.member_id == member_id)
        if before_id is not None:
            statement = statement.where(col(LedgerEntry.id) < before_id)
        rows = session.exec(statement.order_by(col(LedgerEntry.id).desc()).limit(limit)).all()
    return [
        LedgerLine(
            r.id or 0,
            r.created_at,
            r.points,
            r.kind,
            r.reason,
            r.sale_id,
            r.actor,
            r.store_code,
            r.till,
        )
        for r in rows
    ]


def member_sales(
    ctx: Context, member_id: int, *, limit: int = 200, before_id: int | None = None
) -> list[SaleRecord]:
    """The member's sales, newest first (page with ``before_id``)."""
    with ctx.db.reading() as session:
        statement = select(Sale).where(Sale.member_id == member_id)
        if before_id is not None:
            statement = statement.where(col(Sale.id) < before_id)
        rows = session.exec(statement.order_by(col(Sale.id).desc()).limit(limit)).all()
    return [
        SaleRecord(
            r.id or 0,
            r.created_at,
            r.card_number,
            r.amount_cents,
            r.discount_cents,
            r.to_pay_cents,
            r.points_earned,
            r.points_redeemed,
            r.refunded_cents,
            r.actor,
            r.store_code,
        )
        for r in rows
    ]


def member_cards(ctx: Context, member_id: int) -> list[CardLine]:
    """Every card the member has had: the active one first, then former ones, newest first."""
    with ctx.db.reading() as session:
        rows = session.exec(
            select(Card)
            .where(Card.member_id == member_id)
            .order_by(col(Card.issued_at).desc(), col(Card.number).desc())
        ).all()
    lines = [
        CardLine(r.number, r.status, r.issued_at, r.printed_at, r.blocked_at, r.replaced_by)
        for r in rows
    ]
    return sorted(lines, key=lambda c: c.status != "active")


@dataclass(frozen=True)
class MemberProfile:
    """Every profile field of one member, as the member view shows and edits it."""

    member_id: int
    status: str
    card: str | None
    salutation: str
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    birthday: date | None
    postcode: str | None
    marketing_consent: bool
    consent_at: datetime | None
    notes: str
    tier: str | None
    points: int
    created_at: datetime
    last_visit_at: datetime | None
    merged_into: int | None


def member_profile(ctx: Context, member_id: int) -> MemberProfile:
    """The member's full profile (any status: merged and erased members show what is left)."""
    with ctx.db.reading() as session:
        member = load_member(session, member_id, lock=False)
        card = session.exec(
            select(Card.number)
            .where(Card.member_id == member_id, Card.status == "active")
            .order_by(col(Card.issued_at).desc())
        ).first()
        return MemberProfile(
            member_id=member_id,
            status=member.status,
            card=card,
            salutation=member.salutation,
            first_name=member.first_name,
            last_name=member.last_name,
            email=member.email,
            phone=member.phone,
            birthday=member.birthday,
            postcode=member.postcode,
            marketing_consent=member.marketing_consent,
            consent_at=member.consent_at,
            notes=member.notes,
            tier=member.tier,
            points=member.points_balance,
            created_at=member.created_at,
            last_visit_at=member.last_visit_at,
            merged_into=member.merged_into,
        )
