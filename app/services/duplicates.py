"""Likely duplicates of a member about to be enrolled: the same email or phone, or the same
name with the same birthday or postcode. Each is one look-up on a search index."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.domain.errors import LoyaltyError
from app.domain.profile import MemberDraft, Profile, search_keys, validate_profile
from app.i18n import _
from app.services.context import Context
from app.services.views import MemberSummary
from app.store import queries
from app.store.bulk import DriverValues
from app.store.jobs import VISIBLE_SQL

# The same contact: enrolling again needs a person's decision (CLI: --allow-duplicate).
CONTACT_REASONS = ("email", "phone")
_EACH = 10
_SELECT = (
    "SELECT m.id AS member_id, c.number AS card, m.first_name, m.last_name, m.email, m.phone, "
    "m.postcode, m.points_balance AS points FROM member m "
    "LEFT JOIN card c ON c.member_id = m.id AND c.status = 'active' "
    f"WHERE m.status = 'active' AND {VISIBLE_SQL} AND "
)
_SAME_NAME = "m.last_key = ? AND m.first_key = ? AND "
_WHERE = {
    "email": "m.email_key = ?",
    "phone": "m.phone_international = ?",
    "name_birthday": _SAME_NAME + "m.birthday = ?",
    "name_postcode": _SAME_NAME + "m.postcode = ?",
}


class DuplicateMember(LoyaltyError):
    """Enrolment refused: another member has the same email or phone."""


@dataclass(frozen=True)
class Duplicate:
    """A member who may be the person being enrolled, and why (codes of :func:`reason_text`)."""

    member: MemberSummary
    reasons: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {**self.member.to_json(), "reasons": list(self.reasons)}


def reason_text(code: str) -> str:
    """Why a member looks like the same person, as people read it."""
    texts = {
        "email": _("same email"),
        "phone": _("same phone"),
        "name_birthday": _("same name and birthday"),
        "name_postcode": _("same name and postcode"),
    }
    return texts[code]


def _params(ctx: Context, profile: Profile, region: str) -> dict[str, tuple[Any, ...]]:
    keys = search_keys(profile, region)
    name = (keys.last_key, keys.first_key)
    values = DriverValues(ctx.db.engine.dialect.name == "sqlite")
    params: dict[str, tuple[Any, ...]] = {}
    if keys.email_key:
        params["email"] = (keys.email_key,)
    if keys.phone_international:
        params["phone"] = (keys.phone_international,)
    if profile.birthday:
        params["name_birthday"] = (*name, values.day(profile.birthday))
    if profile.postcode:
        params["name_postcode"] = (*name, profile.postcode)
    return params


def find_duplicates(ctx: Context, draft: MemberDraft) -> list[Duplicate]:
    """Active members who may be the person in ``draft``, by name; ValidationFailed when a
    field is bad (as enrolling would say)."""
    region = str(ctx.settings()["shop.phone_region"])
    profile = validate_profile(draft, today=ctx.now().astimezone().date(), region=region)
    found: dict[int, tuple[queries.Record, list[str]]] = {}
    for reason, params in _params(ctx, profile, region).items():
        statement = _SELECT + _WHERE[reason] + f" ORDER BY m.id LIMIT {_EACH}"
        for row in queries.fetch_all(ctx.db, statement, params):
            found.setdefault(row.member_id, (row, []))[1].append(reason)
    dups = [Duplicate(MemberSummary.of(row), tuple(why)) for row, why in found.values()]
    return sorted(dups, key=lambda d: (d.member.last_name, d.member.first_name, d.member.member_id))


def refuse_same_contact(ctx: Context, draft: MemberDraft) -> None:
    """Raise :class:`DuplicateMember` naming the card of a member with the same email or
    phone as ``draft``."""
    for dup in find_duplicates(ctx, draft):
        same = [r for r in dup.reasons if r in CONTACT_REASONS]
        if same:
            raise DuplicateMember(
                _(
                    "Not enrolled: {name} (card {card}) has the same {what}; "
                    "--allow-duplicate enrolls anyway"
                ).format(
                    name=f"{dup.member.first_name} {dup.member.last_name}",
                    card=dup.member.card or "—",
                    what=_("email") if same[0] == "email" else _("phone number"),
                )
            )
