"""The owner's member desk: find the member behind a card and edit a profile.

The members list is in ``member_list``, a member's history in ``member_history``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from app.domain.cards import validate_card_number
from app.domain.errors import InvalidInput, MemberNotFound, ValidationFailed
from app.domain.profile import (
    PROFILE_FIELDS,
    MemberDraft,
    Profile,
    profile_values,
    search_keys,
    validate_profile,
)
from app.domain.program import member_tier
from app.i18n import _
from app.services.audit import record
from app.services.context import Context
from app.services.lookup import check_card, get_member
from app.services.views import MemberView
from app.store import queries
from app.store.jobs import VISIBLE_SQL
from app.store.models import Member
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
        f"FROM card c JOIN member m ON m.id = c.member_id WHERE c.number = ? AND {VISIBLE_SQL}",
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
    for name, value in dataclasses.asdict(keys).items():
        setattr(member, name, value)


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
