"""What the program gives one member now: tier from the spend, campaigns, bonuses, expiry.

Read inside the caller's transaction (checkout) or a read session (the member panel), with a
few indexed queries that run only when the rule they serve is switched on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, text

from app.domain.program import (
    ExpiryPlan,
    ProgramSetup,
    Tier,
    birthday_period,
    months_before,
    next_tier,
    plan_expiry,
    profile_complete,
    tier_for,
)
from app.domain.rules import AppliedRule, Standing
from app.i18n import _
from app.store.types import UTCDateTime

# Qualifying spend: the money the member paid (after discounts and points), minus the money
# refunded. A sale's refunds give back to_pay × refunded ÷ amount in total (see plan_refund),
# so the sale table alone answers it, on the (member_id, created_at) index. (BIGINT: cents times
# cents passes 2^31 on PostgreSQL's 4-byte integers.)
_SPEND = text(
    "SELECT COALESCE(SUM(to_pay_cents - (CAST(to_pay_cents AS BIGINT) * refunded_cents) "
    "/ amount_cents), 0) "
    "FROM sale WHERE member_id = :member_id AND created_at >= :since"
).bindparams(bindparam("since", type_=UTCDateTime()))
_SPEND_ALL = text(
    "SELECT COALESCE(SUM(to_pay_cents - (CAST(to_pay_cents AS BIGINT) * refunded_cents) "
    "/ amount_cents), 0) "
    "FROM sale WHERE member_id = :member_id"
)
EXPIRY_HORIZON_DAYS = 30
BONUS_KINDS = ("signup", "profile", "referral", "birthday")
_BONUSES_GIVEN = text(
    "SELECT kind, MAX(created_at) FROM ledger_entry WHERE member_id = :member_id "
    "AND kind IN ('signup', 'profile', 'referral', 'birthday') GROUP BY kind"
)
# The newest earnings first: what is left of a balance is always the newest points.
_EARNINGS = text(
    "SELECT created_at, points FROM ledger_entry WHERE member_id = :member_id AND points > 0 "
    "ORDER BY created_at DESC, id DESC"
)
# Points earned since a moment: when they cover the balance, nothing of it expires before then.
_EARNED_SINCE = text(
    "SELECT COALESCE(SUM(points), 0) FROM ledger_entry WHERE member_id = :member_id "
    "AND points > 0 AND created_at > :since"
).bindparams(bindparam("since", type_=UTCDateTime()))
_TS = UTCDateTime()


@dataclass(frozen=True)
class MemberFacts:
    """What the rules need to know about a member (read with the member's row)."""

    member_id: int
    balance: int
    created_at: datetime
    last_visit: datetime | None = None
    birthday: date | None = None
    email: str | None = None
    phone: str | None = None
    postcode: str | None = None
    referred_by: int | None = None


@dataclass(frozen=True)
class MemberProgram:
    """The member's standing for the next checkout, and what the member panel shows of it."""

    standing: Standing
    spend_cents: int = 0
    next_tier: Tier | None = None
    birthday_gift: bool = False
    expiry: ExpiryPlan = field(default_factory=ExpiryPlan)
    referrer_bonus: int = 0
    """Points the referrer gets with this checkout (the new member's first purchase)."""

    @property
    def to_next_cents(self) -> int | None:
        if self.next_tier is None:
            return None
        return self.next_tier.min_spend_cents - self.spend_cents


def _aware(conn: Connection, value: Any) -> datetime | None:
    """A timestamp read with plain SQL, as an aware UTC datetime on every database."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return _TS.process_result_value(value, conn.dialect)


def qualifying_spend(conn: Connection, program: ProgramSetup, member_id: int, now: datetime) -> int:
    """The member's qualifying spend in cents before ``now`` (the tier period)."""
    since = program.spend_since(now)
    if since is None:
        return int(conn.execute(_SPEND_ALL, {"member_id": member_id}).scalar_one())
    return int(conn.execute(_SPEND, {"member_id": member_id, "since": since}).scalar_one())


def unspent_earnings(conn: Connection, member_id: int, balance: int) -> list[tuple[datetime, int]]:
    """The newest earnings of a member that together cover ``balance`` (when, points).

    Reads only as many rows as it needs: the check at the till does not grow with the
    member's history.
    """
    result = conn.execute(_EARNINGS, {"member_id": member_id})
    entries: list[tuple[datetime, int]] = []
    covered = 0
    try:
        while covered < balance:
            rows = result.fetchmany(20)
            if not rows:
                break
            for at, points in rows:
                entries.append((_aware(conn, at), points))  # type: ignore[arg-type]
                covered += points
    finally:
        result.close()
    return entries


def expiry_for(
    conn: Connection, program: ProgramSetup, facts: MemberFacts, now: datetime
) -> ExpiryPlan:
    """What expires for this member now and in the next 30 days (nothing with expiry off)."""
    if program.expiry_mode == "never" or facts.balance <= 0:
        return ExpiryPlan(0, 0, None)
    entries: list[tuple[datetime, int]] = []
    if program.expiry_mode == "earned":
        # The usual case in one aggregate: the points earned recently enough to outlive the
        # next 30 days cover the balance, so nothing is due or expiring soon.
        safe_since = months_before(now + timedelta(days=EXPIRY_HORIZON_DAYS), program.expiry_months)
        recent = conn.execute(
            _EARNED_SINCE, {"member_id": facts.member_id, "since": safe_since}
        ).scalar_one()
        if int(recent) >= facts.balance:
            return ExpiryPlan()
        entries = unspent_earnings(conn, facts.member_id, facts.balance)
    return plan_expiry(
        program.expiry_mode,
        program.expiry_months,
        entries=entries,
        balance=facts.balance,
        # Never bought: the months count from joining.
        last_purchase=facts.last_visit or facts.created_at,
        now=now,
        horizon_days=EXPIRY_HORIZON_DAYS,
    )


def member_program(
    conn: Connection, program: ProgramSetup, facts: MemberFacts, now: datetime
) -> MemberProgram:
    """The member's tier, campaigns and bonuses due at a checkout at ``now``."""
    spend = 0
    tier = following = None
    if program.tiers:
        spend = qualifying_spend(conn, program, facts.member_id, now)
        tier = tier_for(program.tiers, spend)
        following = next_tier(program.tiers, spend)
    bonuses: list[AppliedRule] = []
    birthday_gift = False
    referrer_bonus = 0
    wants_first = program.signup_bonus or (program.referral_bonus and facts.referred_by)
    wants_ledger = wants_first or program.profile_bonus or program.birthday_points
    if wants_ledger:
        given = {
            kind: _aware(conn, at)
            for kind, at in conn.execute(_BONUSES_GIVEN, {"member_id": facts.member_id}).all()
        }
        # The first purchase: checkout sets last_visit_at, nothing else does (a merge keeps
        # the latest of both), so no look at the sales is needed.
        first = facts.last_visit is None
        if first and program.signup_bonus and "signup" not in given:
            bonuses.append(AppliedRule("signup", _("welcome"), points=program.signup_bonus))
        if first and program.referral_bonus and facts.referred_by and "referral" not in given:
            bonuses.append(AppliedRule("referral", _("referral"), points=program.referral_bonus))
            referrer_bonus = program.referral_bonus
        if program.profile_bonus and "profile" not in given and profile_complete(facts.__dict__):
            bonuses.append(AppliedRule("profile", _("profile"), points=program.profile_bonus))
        if program.birthday_points and facts.birthday is not None:
            today = program.local(now).date()
            period = birthday_period(facts.birthday, today, program.birthday_period)
            last = given.get("birthday")
            if period is not None and (last is None or program.local(last).date() < period[0]):
                birthday_gift = True
                bonuses.append(
                    AppliedRule("birthday", _("birthday"), points=program.birthday_points)
                )
    return MemberProgram(
        standing=Standing(tier=tier, campaigns=program.campaigns_at(now), bonuses=tuple(bonuses)),
        spend_cents=spend,
        next_tier=following,
        birthday_gift=birthday_gift,
        expiry=expiry_for(conn, program, facts, now),
        referrer_bonus=referrer_bonus,
    )
