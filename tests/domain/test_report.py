"""The report's period arithmetic and formulas (app/domain/report.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.domain import report as rep
from app.domain.errors import InvalidInput

TODAY = date(2026, 1, 15)


def test_the_period_picks() -> None:
    assert rep.last_month(TODAY) == rep.Period(date(2025, 12, 1), date(2025, 12, 31))
    assert rep.last_month(date(2024, 3, 31)) == rep.Period(date(2024, 2, 1), date(2024, 2, 29))
    assert rep.this_month(TODAY) == rep.Period(date(2026, 1, 1), TODAY)
    assert rep.last_days(TODAY, 30) == rep.Period(date(2025, 12, 17), TODAY)
    assert rep.last_days(TODAY, 30).days == 30
    assert rep.this_year(TODAY) == rep.Period(date(2026, 1, 1), TODAY)


def test_from_and_to_as_typed() -> None:
    assert rep.period_from(None, None, TODAY) == rep.last_month(TODAY)
    assert rep.period_from("2025-06-10", None, TODAY) == rep.Period(date(2025, 6, 10), TODAY)
    assert rep.period_from(None, "2025-06-10", TODAY) == rep.Period(
        date(2025, 6, 1), date(2025, 6, 10)
    )
    with pytest.raises(InvalidInput, match="not a date"):
        rep.period_from("2025-02-30", None, TODAY)
    with pytest.raises(InvalidInput, match="after it ends"):
        rep.period_from("2025-06-10", "2025-06-09", TODAY)


def test_a_local_day_begins_at_the_zones_midnight() -> None:
    assert rep.day_start(date(2026, 7, 1), "Europe/Berlin") == datetime(2026, 6, 30, 22, tzinfo=UTC)
    assert rep.day_start(date(2026, 12, 1), "Europe/Berlin") == datetime(
        2026, 11, 30, 23, tzinfo=UTC
    )
    assert rep.day_start(date(2026, 12, 1), "UTC") == datetime(2026, 12, 1, tzinfo=UTC)


def test_rates_round_to_four_places_and_are_none_without_a_denominator() -> None:
    assert rep.crr(162, 30, 150) == 0.88
    assert rep.crr(5, 5, 0) is None
    assert rep.rate(1, 3) == 0.3333
    assert rep.rate(2, 3) == 0.6667
    assert rep.mean_cents(10, 4) == 3  # 2.5 rounds up
    assert rep.mean_cents(0, 0) is None
    assert rep.uplift(8000, 2, 7000, 2) == 0.1429
    assert rep.uplift(8000, 2, 0, 0) is None


def test_ltv_lifetime_is_one_over_churn_capped_at_ten_years() -> None:
    assert rep.ltv_cents(10_000, 2, 1, 2) == 10_000  # 50.00 a year x 2 years
    assert rep.ltv_cents(10_000, 2, 0, 2) == 50_000  # no churn: the cap
    assert rep.ltv_cents(10_000, 2, 1, 100) == 50_000  # 100 years: the cap
    assert rep.ltv_cents(10_000, 2, 1, 0) is None  # nobody a year earlier
    assert rep.ltv_cents(0, 0, 0, 5) is None


def test_points_issued_are_the_earning_rules_only() -> None:
    sums = {
        "earn": (100, 0),
        "tier": (50, 0),
        "coupon": (20, 0),
        "referral": (30, 0),
        "redeem": (0, -40),
        "expire": (0, -5),
        "adjustment": (25, -10),
        "opening_balance": (500, 0),
        "refund_redeemed": (40, 0),
        "refund_earned": (0, -10),
    }
    assert rep.points_by_kind(sums) == {
        "points_issued": 200,
        "points_redeemed": 40,
        "points_expired": 5,
        "points_adjusted": 15,
    }
