"""The program's pure rules: multipliers, tiers, campaigns, birthdays, expiry, the quote."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.domain.errors import InvalidInput, NotEnoughPoints
from app.domain.program import (
    Campaign,
    Tier,
    birthday_period,
    format_multiplier,
    months_before,
    next_tier,
    parse_hours,
    parse_multiplier,
    parse_percent,
    parse_weekdays,
    plan_expiry,
    tier_for,
)
from app.domain.rules import (
    AppliedRule,
    ProgramRules,
    Standing,
    applied_summary,
    quote_checkout,
)

RULES = ProgramRules()
SILVER = Tier("Silver", 10_000, 150)
GOLD = Tier("Gold", 30_000, 200, 10)
TIERS = (SILVER, GOLD)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# --- parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hundredths"), [("2", 200), ("1.5", 150), ("1,25", 125), ("x3", 300), ("1", 100)]
)
def test_multipliers_are_exact_hundredths(text: str, hundredths: int) -> None:
    assert parse_multiplier(text) == hundredths


@pytest.mark.parametrize("text", ["0.5", "abc", "1.234", "101", "", "nan", "-2"])
def test_bad_multipliers_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_multiplier(text)


def test_multipliers_read_like_the_till_shows_them() -> None:
    assert format_multiplier(200) == "x2"
    assert format_multiplier(150) == "x1.5"
    assert format_multiplier(125) == "x1.25"


def test_weekdays_hours_and_percent() -> None:
    assert parse_weekdays("tue,mon") == (0, 1)
    assert parse_weekdays("Monday, sun") == (0, 6)
    assert parse_hours("14-17") == (14, 17)
    assert parse_hours("22-2") == (22, 2)
    assert parse_percent("10%") == 10
    for bad in ("xyz", "mo"):
        with pytest.raises(InvalidInput):
            parse_weekdays(bad)
    for bad in ("14", "25-3", "5-5", "a-b"):
        with pytest.raises(InvalidInput):
            parse_hours(bad)
    with pytest.raises(InvalidInput):
        parse_percent("101")


# --- tiers ---------------------------------------------------------------------------------


def test_the_tier_is_the_highest_reached_and_the_next_is_the_lowest_not_reached() -> None:
    assert tier_for(TIERS, 9_999) is None
    assert next_tier(TIERS, 9_999) == SILVER
    assert tier_for(TIERS, 10_000) == SILVER
    assert next_tier(TIERS, 26_200) == GOLD
    assert tier_for(TIERS, 30_000) == GOLD
    assert next_tier(TIERS, 30_000) is None


def test_twelve_months_back_keeps_the_day_or_takes_the_months_last() -> None:
    assert months_before(at(2026, 11, 20, 10), 12) == at(2025, 11, 20, 10)
    assert months_before(at(2024, 2, 29), 12) == at(2023, 2, 28)
    assert months_before(at(2026, 3, 31), 1) == at(2026, 2, 28)


# --- the quote -----------------------------------------------------------------------------


def test_the_base_alone_is_today_s_behaviour() -> None:
    quote = quote_checkout(RULES, balance=0, amount_cents=4_599)
    assert quote.points_earned == 45
    assert quote.applied == (AppliedRule("base", "base", points=45),)


def test_tier_multiplier_and_discount_are_listed_like_the_till_shows_them() -> None:
    quote = quote_checkout(
        RULES,
        balance=0,
        amount_cents=5_000,
        standing=Standing(tier=GOLD, bonuses=(AppliedRule("birthday", "birthday", 50),)),
    )
    # 10 % of 50.00 off: 45.00 paid, 45 base points, Gold doubles them, the birthday adds 50.
    assert quote.discount_cents == 500
    assert quote.to_pay_cents == 4_500
    assert quote.points_earned == 45 + 45 + 50
    assert applied_summary(quote.applied) == "+45 base · +45 Gold x2 · +50 birthday · -10% Gold"


def test_campaigns_add_their_share_of_the_base_and_do_not_compound() -> None:
    double = Campaign("Tuesday", 200, weekdays=(1,))
    quote = quote_checkout(
        RULES, balance=0, amount_cents=1_000, standing=Standing(tier=SILVER, campaigns=(double,))
    )
    assert [(r.code, r.points) for r in quote.applied] == [
        ("base", 10),
        ("tier", 5),
        ("campaign", 10),
    ]
    assert quote.points_earned == 25


def test_points_paid_and_discounts_earn_only_when_the_settings_say_so() -> None:
    coupon = dict(balance=1_000, amount_cents=2_000, redeem_points=500, discount_cents=500)
    assert quote_checkout(RULES, **coupon).points_earned == 10  # 10.00 paid in money
    paid = ProgramRules(earn_on_points_paid=True)
    assert quote_checkout(paid, **coupon).points_earned == 15
    both = ProgramRules(earn_on_points_paid=True, earn_on_discount=True)
    assert quote_checkout(both, **coupon).points_earned == 20


def test_the_member_discount_shrinks_what_points_can_pay() -> None:
    with pytest.raises(NotEnoughPoints):
        quote_checkout(
            RULES,
            balance=10_000,
            amount_cents=1_000,
            redeem_points=1_000,
            standing=Standing(tier=GOLD),
        )


# --- campaigns -----------------------------------------------------------------------------


def test_a_campaign_is_active_in_its_days_weekdays_and_hours_only() -> None:
    campaign = Campaign(
        "Advent",
        200,
        from_day=date(2026, 11, 30),
        until_day=date(2026, 12, 24),
        weekdays=(1,),
        hours=(14, 17),
    )
    assert campaign.active_at(datetime(2026, 12, 1, 14, 0))  # a Tuesday, 14:00
    assert campaign.active_at(datetime(2026, 12, 1, 16, 59))
    assert not campaign.active_at(datetime(2026, 12, 1, 17, 0))
    assert not campaign.active_at(datetime(2026, 12, 2, 15, 0))  # Wednesday
    assert not campaign.active_at(datetime(2026, 11, 24, 15, 0))  # before the range
    assert campaign.active_at(datetime(2026, 12, 22, 15, 0))
    night = Campaign("Night", 200, hours=(22, 2))
    assert night.active_at(datetime(2026, 12, 1, 23, 0))
    assert night.active_at(datetime(2026, 12, 1, 1, 0))
    assert not night.active_at(datetime(2026, 12, 1, 12, 0))


# --- birthday ------------------------------------------------------------------------------


def test_the_birthday_week_runs_monday_to_sunday_and_the_month_is_the_month() -> None:
    birthday = date(1985, 12, 3)  # a Thursday in 2026
    assert birthday_period(birthday, date(2026, 11, 30), "week") == (
        date(2026, 11, 30),
        date(2026, 12, 6),
    )
    assert birthday_period(birthday, date(2026, 12, 7), "week") is None
    assert birthday_period(birthday, date(2026, 12, 31), "month") == (
        date(2026, 12, 1),
        date(2026, 12, 31),
    )
    assert birthday_period(date(2000, 2, 29), date(2027, 2, 28), "week") is not None


# --- expiry --------------------------------------------------------------------------------


def test_earned_points_expire_oldest_first() -> None:
    entries = [(at(2025, 1, 10), 100), (at(2025, 6, 1), 50), (at(2025, 7, 1), -120)]
    # The 120 spent took the January 100 and 20 of June: 30 of June are left.
    plan = plan_expiry(
        "earned", 12, entries=entries, balance=30, last_purchase=None, now=at(2026, 5, 15)
    )
    assert (plan.due_now, plan.soon, plan.soon_by) == (0, 30, date(2026, 6, 1))
    plan = plan_expiry(
        "earned", 12, entries=entries, balance=30, last_purchase=None, now=at(2026, 6, 2)
    )
    assert (plan.due_now, plan.soon) == (30, 0)
    # An expiry row written is a deduction like any other: the next run finds nothing.
    entries.append((at(2026, 6, 2), -30))
    plan = plan_expiry(
        "earned", 12, entries=entries, balance=0, last_purchase=None, now=at(2026, 6, 3)
    )
    assert plan.due_now == 0


def test_inactivity_takes_the_whole_balance() -> None:
    last = at(2026, 1, 15)
    soon = plan_expiry(
        "inactive", 6, entries=[], balance=80, last_purchase=last, now=at(2026, 7, 1)
    )
    assert (soon.due_now, soon.soon, soon.soon_by) == (0, 80, date(2026, 7, 15))
    due = plan_expiry("inactive", 6, entries=[], balance=80, last_purchase=last, now=at(2026, 8, 1))
    assert due.due_now == 80
    never = plan_expiry("never", 6, entries=[], balance=80, last_purchase=last, now=at(2030, 1, 1))
    assert never.due_now == 0


def test_multipliers_follow_the_language() -> None:
    from app.i18n import set_language

    set_language("de_DE")
    assert format_multiplier(150) == "x1,5"
    assert format_multiplier(200) == "x2"
