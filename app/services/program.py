"""What the program gives one member now: tier from the spend, campaigns, bonuses, expiry.

Read inside the caller's transaction (checkout) or on the hot-path reader (the member panel),
in one statement on the driver connection: each rule that is switched on, and that can apply
to this member, adds one indexed scalar subquery (migration 0008_program_speed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

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
from app.store.models import BONUS_ROWS
from app.store.queries import DriverReads
from app.store.types import parse_sqlite_date, parse_sqlite_timestamp

# Qualifying spend: the money the member paid (after discounts and points), minus the money
# refunded. A sale's refunds give back to_pay × refunded ÷ amount in total (see plan_refund),
# so the sale table alone answers it, from the covering index ix_sale_member_created. (BIGINT:
# cents times cents passes 2^31 on PostgreSQL's 4-byte integers.)
_SPEND = (
    "(SELECT COALESCE(SUM(to_pay_cents - (CAST(to_pay_cents AS BIGINT) * refunded_cents) "
    "/ amount_cents), 0) FROM sale WHERE member_id = ?{since})"
)
EXPIRY_HORIZON_DAYS = 30
# When a bonus was last given: one seek on the partial index ix_ledger_member_bonus, whose
# condition the query repeats word for word (SQLite uses a partial index only then).
_BONUS_GIVEN = (
    f"(SELECT MAX(created_at) FROM ledger_entry WHERE member_id = ? AND {BONUS_ROWS} "
    "AND kind = '{kind}')"
)
# Points earned since a moment: when they cover the balance, nothing of it expires before then
# (a range on the covering index ix_ledger_member_created).
_EARNED_SINCE = (
    "(SELECT COALESCE(SUM(points), 0) FROM ledger_entry WHERE member_id = ? "
    "AND points > 0 AND created_at > ?)"
)
# The newest earnings first, a page at a time: what is left of a balance is always the newest
# points, so reading stops once the balance is covered.
_EARNINGS = (
    "SELECT created_at, points FROM ledger_entry WHERE member_id = ? AND points > 0 "
    "ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
)
EARNINGS_PAGE = 20
# A month shift that clamps the day to a month's end (31 March → 28 February) moves a moment up
# to 3 days less than the calendar says: the quick "nothing expires soon" check keeps 4 days
# of slack so that it never hides points that do expire within the horizon.
_SHIFT_SLACK = timedelta(days=4)


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

    @classmethod
    def of(cls, row: Any) -> MemberFacts:
        """The facts of a member row read by name (``member_id``, ``points_balance``,
        ``created_at``, ...), through SQLAlchemy or the driver (text dates on SQLite)."""
        # In field order, not by keyword: every scan and every sale builds one.
        return cls(
            row.member_id,
            row.points_balance,
            parse_sqlite_timestamp(row.created_at),
            parse_sqlite_timestamp(row.last_visit_at),
            parse_sqlite_date(row.birthday),
            row.email,
            row.phone,
            row.postcode,
            row.referred_by,
        )


@dataclass(frozen=True)
class MemberStanding:
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


def safe_since(program: ProgramSetup, now: datetime) -> datetime:
    """Points earned after this moment cannot expire within the horizon (``earned`` mode)."""
    horizon = now + timedelta(days=EXPIRY_HORIZON_DAYS)
    return months_before(horizon + _SHIFT_SLACK, program.expiry_months)


def _spend(
    reads: DriverReads, program: ProgramSetup, member_id: int, now: datetime
) -> tuple[str, tuple[Any, ...]]:
    """The qualifying spend before ``now`` (the tier period), as a scalar subquery."""
    since = program.spend_since(now)
    if since is None:
        return _SPEND.format(since=""), (member_id,)
    return _SPEND.format(since=" AND created_at >= ?"), (member_id, reads.at(since))


def unspent_earnings(
    reads: DriverReads, member_id: int, balance: int, *, page: int = EARNINGS_PAGE
) -> list[tuple[datetime, int]]:
    """The newest earnings of a member that together cover ``balance`` (when, points).

    Reads a page of ``page`` rows at a time and stops once the balance is covered: the check
    at the till does not grow with the member's history.
    """
    entries: list[tuple[datetime, int]] = []
    covered = 0
    while covered < balance:
        rows = reads.all(_EARNINGS, (member_id, page, len(entries)))
        for row in rows:
            entries.append((reads.moment(row.created_at), row.points))  # type: ignore[arg-type]
            covered += row.points
        if len(rows) < page:
            break
    return entries


def expiry_for(
    reads: DriverReads,
    program: ProgramSetup,
    facts: MemberFacts,
    now: datetime,
    *,
    recent: int | None = None,
) -> ExpiryPlan:
    """What expires for this member now and in the next 30 days (nothing with expiry off).

    ``recent``: the points earned since :func:`safe_since`, when the caller read them already.
    """
    if program.expiry_mode == "never" or facts.balance <= 0:
        return ExpiryPlan(0, 0, None)
    entries: list[tuple[datetime, int]] = []
    if program.expiry_mode == "earned":
        # The usual case in one aggregate: the points earned recently enough to outlive the
        # next 30 days cover the balance, so nothing is due or expiring soon.
        if recent is None:
            since = reads.at(safe_since(program, now))
            recent = int(
                reads.one(f"SELECT {_EARNED_SINCE} AS earned", (facts.member_id, since)).earned
            )
        if recent >= facts.balance:
            return ExpiryPlan()
        entries = unspent_earnings(reads, facts.member_id, facts.balance)
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


def member_standing(
    reads: DriverReads, program: ProgramSetup, facts: MemberFacts, now: datetime
) -> MemberStanding:
    """The member's tier, campaigns and bonuses due at a checkout at ``now``.

    One statement reads what the rules need; a rule that is off, or cannot apply to this
    member (no complete profile, not in the birthday period, bought before), reads nothing.
    """
    columns: list[str] = []
    params: list[Any] = []
    member_id = facts.member_id
    if program.tiers:
        sql, spend_params = _spend(reads, program, member_id, now)
        columns.append(f"{sql} AS spend")
        params.extend(spend_params)
    # The first purchase: checkout sets last_visit_at, nothing else does (a merge keeps the
    # latest of both), so no look at the sales is needed.
    first = facts.last_visit is None
    period = None
    if program.birthday_points and facts.birthday is not None:
        period = birthday_period(facts.birthday, program.local(now).date(), program.birthday_period)
    kinds = [
        kind
        for kind, wanted in (
            ("signup", first and program.signup_bonus),
            ("referral", first and program.referral_bonus and facts.referred_by),
            ("profile", program.profile_bonus and profile_complete(facts.__dict__)),
            ("birthday", period is not None),
        )
        if wanted
    ]
    for kind in kinds:
        columns.append(f"{_BONUS_GIVEN.format(kind=kind)} AS {kind}_given")
        params.append(member_id)
    earned = program.expiry_mode == "earned" and facts.balance > 0
    if earned:
        columns.append(f"{_EARNED_SINCE} AS earned")
        params.extend((member_id, reads.at(safe_since(program, now))))
    row = reads.one(f"SELECT {', '.join(columns)}", tuple(params)) if columns else None
    spend = 0
    tier = following = None
    if program.tiers:
        assert row is not None
        spend = int(row.spend)
        tier = tier_for(program.tiers, spend)
        following = next_tier(program.tiers, spend)
    given = {kind: reads.moment(getattr(row, f"{kind}_given")) for kind in kinds}
    bonuses: list[AppliedRule] = []
    birthday_gift = False
    referrer_bonus = 0
    if "signup" in given and given["signup"] is None:
        bonuses.append(AppliedRule("signup", _("welcome"), points=program.signup_bonus))
    if "referral" in given and given["referral"] is None:
        bonuses.append(AppliedRule("referral", _("referral"), points=program.referral_bonus))
        referrer_bonus = program.referral_bonus
    if "profile" in given and given["profile"] is None:
        bonuses.append(AppliedRule("profile", _("profile"), points=program.profile_bonus))
    if period is not None:
        last = given["birthday"]
        if last is None or program.local(last).date() < period[0]:
            birthday_gift = True
            bonuses.append(AppliedRule("birthday", _("birthday"), points=program.birthday_points))
    return MemberStanding(
        standing=Standing(tier=tier, campaigns=program.campaigns_at(now), bonuses=tuple(bonuses)),
        spend_cents=spend,
        next_tier=following,
        birthday_gift=birthday_gift,
        expiry=expiry_for(
            reads,
            program,
            facts,
            now,
            recent=int(row.earned) if row is not None and earned else None,
        ),
        referrer_bonus=referrer_bonus,
    )
