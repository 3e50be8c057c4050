"""The owner's report: periods in the shop's local dates and the figures' formulas.

See README "Reports" for the definitions.

Pure arithmetic: the services count rows, this module says what the counts mean. Rates are
fractions rounded to 4 places, money is integer cents, and a figure whose denominator is 0 is
None (null in JSON), never 0 and never an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

from app.domain.errors import InvalidInput
from app.domain.text import quote_input
from app.i18n import _, date_example, parse_input_date

ACTIVE_DAYS = 365
"""A member is a customer on day D with a purchase in this many days ending with D."""
LIFETIME_CAP_YEARS = 10
"""The expected lifetime in LTV is 1 / churn, at most this many years."""
RATE_PLACES = 4

# Ledger kinds that are no earning rule: every other kind with positive points is points issued
# (base "earn", tier, campaign, birthday, sign-up, profile, referral, coupon, ...).
NOT_ISSUED_KINDS = frozenset(
    {"redeem", "expire", "adjustment", "opening_balance", "refund_earned", "refund_redeemed"}
)


@dataclass(frozen=True)
class Period:
    """The days from ``start`` to ``end``, both included, in the shop's local dates."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def weeks(self) -> list[date]:
        """The first day of each week of the period: 7-day steps from its start."""
        return [self.start + timedelta(days=7 * i) for i in range((self.days + 6) // 7)]


def last_month(today: date) -> Period:
    """The calendar month before ``today``'s (the report's default)."""
    end = today.replace(day=1) - timedelta(days=1)
    return Period(end.replace(day=1), end)


def this_month(today: date) -> Period:
    """From the first of ``today``'s month to ``today``."""
    return Period(today.replace(day=1), today)


def last_days(today: date, days: int) -> Period:
    """The ``days`` days ending with ``today``."""
    return Period(today - timedelta(days=days - 1), today)


def this_year(today: date) -> Period:
    """From the first of January to ``today``."""
    return Period(today.replace(month=1, day=1), today)


def parse_day(text: str) -> date:
    """A date typed by a person (``2026-10-31``, or ``31.10.2026``), or a readable error."""
    try:
        return parse_input_date(text)
    except ValueError:
        raise InvalidInput(
            _("“{text}” is not a date like {example}").format(
                text=quote_input(text), example=date_example()
            )
        ) from None


def period_from(start: str | None, end: str | None, today: date) -> Period:
    """The period of ``--from``/``--to`` (either may be missing): last month by default.

    Only ``--from``: up to today. Only ``--to``: the calendar month that day ends.
    """
    if start is None and end is None:
        return last_month(today)
    last = parse_day(end) if end is not None else today
    first = parse_day(start) if start is not None else last.replace(day=1)
    if first > last:
        raise InvalidInput(
            _("The period starts ({start}) after it ends ({end})").format(
                start=first.isoformat(), end=last.isoformat()
            )
        )
    return Period(first, last)


def day_start(day: date, timezone: str) -> datetime:
    """The UTC moment the shop's local ``day`` begins (empty zone: the computer's own)."""
    if timezone:
        from zoneinfo import ZoneInfo

        return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(timezone)).astimezone(UTC)
    # A naive datetime's astimezone() applies the system's rules for that date (summer time).
    return datetime(day.year, day.month, day.day).astimezone().astimezone(UTC)


def rate(numerator: int | Fraction, denominator: int | Fraction) -> float | None:
    """A fraction rounded to 4 places, None when the denominator is 0."""
    if not denominator:
        return None
    return round(float(Fraction(numerator) / Fraction(denominator)), RATE_PLACES)


def mean_cents(total: int, count: int) -> int | None:
    """A mean amount in whole cents (halves away from zero), None for no rows."""
    if not count:
        return None
    quotient = Fraction(total, count)
    return int(quotient + Fraction(1, 2)) if quotient >= 0 else -int(-quotient + Fraction(1, 2))


def crr(customers_end: int, new_customers: int, customers_start: int) -> float | None:
    """Customer retention rate (E − N) / S."""
    return rate(customers_end - new_customers, customers_start)


def uplift(returning_total: int, returning: int, first_total: int, first: int) -> float | None:
    """How much larger a returning customer's basket is: returning mean / first mean − 1."""
    if not returning or not first or not first_total:
        return None
    return rate(
        Fraction(returning_total, returning) - Fraction(first_total, first),
        Fraction(first_total, first),
    )


def lifetime_years(lost: int, customers: int) -> Fraction | None:
    """Expected lifetime: 1 / churn, at most 10 years (no churn at all: 10)."""
    if not customers:
        return None
    if not lost:
        return Fraction(LIFETIME_CAP_YEARS)
    return min(Fraction(customers, lost), Fraction(LIFETIME_CAP_YEARS))


def ltv_cents(
    year_spend_cents: int, year_customers: int, lost: int, customers_before: int
) -> int | None:
    """Lifetime value: mean yearly spend per customer × expected lifetime in years.

    ``year_spend_cents`` is what the ``year_customers`` (customers on ``--to``) spent in the
    365 days ending with ``--to``; ``lost`` of the ``customers_before`` (customers a year
    earlier) are no customers any more (churn over the year).
    """
    years = lifetime_years(lost, customers_before)
    if years is None or not year_customers:
        return None
    value = Fraction(year_spend_cents, year_customers) * years
    return int(value + Fraction(1, 2)) if value >= 0 else -int(-value + Fraction(1, 2))


def points_value_cents(points: int, redeem_points_per_unit: int) -> int:
    """What ``points`` are worth when redeemed, in whole cents (rounded down, like the till)."""
    return points * 100 // redeem_points_per_unit


def points_by_kind(sums: dict[str, tuple[int, int]]) -> dict[str, int]:
    """issued, redeemed, expired and adjusted (net) from the ledger's points per kind.

    ``sums`` holds, per kind, the sum of its positive and of its negative rows: points issued
    count the earning rules' positive rows only, whatever came back by refunds.
    """
    issued = sum(plus for kind, (plus, _minus) in sums.items() if kind not in NOT_ISSUED_KINDS)
    redeem, expire, adjust = (sums.get(k, (0, 0)) for k in ("redeem", "expire", "adjustment"))
    return {
        "points_issued": issued,
        "points_redeemed": -redeem[1],
        "points_expired": -expire[1],
        "points_adjusted": adjust[0] + adjust[1],
    }
