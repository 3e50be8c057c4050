"""The owner's program rules beyond points per euro: tiers, campaigns, birthdays, expiry.

Pure values and arithmetic, no I/O. Multipliers are kept in hundredths (``200`` = x2,
``150`` = x1.5) so every point computed from them is exact integer arithmetic.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from app.domain.errors import InvalidInput
from app.domain.text import check_text, quote_input, unsafe_character, unsafe_text_message
from app.i18n import (
    WEEKDAY_CODES,
    _,
    date_example,
    format_input_date,
    parse_input_date,
    weekday_number,
    weekday_short,
)

NAME_MAX = 40
WEEKDAYS = WEEKDAY_CODES
MAX_MULTIPLIER = 10_000  # x100: beyond any real program, and points stay far from 64 bits


# --- parsing what the owner types -----------------------------------------------------------


def parse_name(text: str) -> str:
    """A tier or campaign name: trimmed, single spaces, 1 to 40 characters."""
    check_text(str(text), _("The name"))
    name = " ".join(str(text).split())
    if not name:
        raise InvalidInput(_("Give the name"))
    if len(name) > NAME_MAX:
        raise InvalidInput(_("The name is too long (at most 40 characters)"))
    return name


def member_tier(text: str) -> str | None:
    """The tier set on one member (member desk, member file): single spaces, None for none.

    Raises ValueError when it is longer than a tier's name may be.
    """
    char = unsafe_character(text)
    if char is not None:
        raise ValueError(unsafe_text_message(_("The tier"), char))
    tier = " ".join(text.split()) or None
    if tier is not None and len(tier) > NAME_MAX:
        raise ValueError(_("The tier name is too long (at most 40 characters)"))
    return tier


def parse_multiplier(text: str | int | float | Decimal) -> int:
    """``2`` or ``1.5`` (or ``1,5``) as hundredths; from x1 to x100, at most two decimals."""
    raw = str(text).strip().lower().removeprefix("x").replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    # 1e309 or 27 digits: quantize() itself fails on those, so the size is checked first.
    if value.is_finite() and value.adjusted() > 6:
        raise InvalidInput(
            _("The multiplier must be from 1 to 100, not {text}").format(text=quote_input(text))
        )
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        raise InvalidInput(
            _("“{text}” is not a multiplier like 2 or 1.5").format(text=quote_input(text))
        )
    hundredths = int(value * 100)
    if not 100 <= hundredths <= MAX_MULTIPLIER:
        raise InvalidInput(
            _("The multiplier must be from 1 to 100, not {text}").format(text=quote_input(text))
        )
    return hundredths


def format_multiplier(hundredths: int) -> str:
    """``x2`` or ``x1.5`` (``x1,5`` in German): how the till and the lists show a multiplier."""
    from app.i18n import current_locale

    return _multiplier_text(hundredths, current_locale())


@lru_cache(maxsize=256)
def _multiplier_text(hundredths: int, locale: Any) -> str:
    # Every sale with a tier or a campaign names its multiplier in a ledger row's reason: Babel's
    # formatting took a tenth of a millisecond each time, for a handful of distinct values.
    from babel.numbers import format_decimal

    return "x" + format_decimal(Decimal(hundredths) / 100, locale=locale)


def parse_percent(text: str | int) -> int:
    """A member discount in whole percent, 0 to 100."""
    raw = str(text).strip().removesuffix("%")
    try:
        # More than 4,300 digits is a ValueError too; a few more than 3 is out of range anyway.
        value = int(raw) if len(raw) <= 30 else 1000
    except ValueError:
        raise InvalidInput(
            _("“{text}” is not a whole percent").format(text=quote_input(text))
        ) from None
    if not 0 <= value <= 100:
        raise InvalidInput(_("The discount must be from 0 to 100 percent"))
    return value


def parse_weekdays(text: str) -> tuple[int, ...]:
    """``mon,tue`` (or the language's own names, ``mo,di``) as weekday numbers (Monday = 0),
    sorted, each once."""
    days: set[int] = set()
    for part in str(text).replace(" ", "").split(","):
        if not part:
            continue
        day = weekday_number(part)
        if day is None:
            raise InvalidInput(
                _("“{text}” is not a weekday ({days})").format(
                    text=quote_input(part), days=", ".join(weekday_short(d) for d in range(7))
                )
            )
        days.add(day)
    if not days:
        raise InvalidInput(
            _("Give at least one weekday, e.g. {days}").format(
                days=",".join(weekday_short(d) for d in (0, 1))
            )
        )
    return tuple(sorted(days))


def format_weekdays(days: Iterable[int | str]) -> str:
    """Weekdays (numbers or stored codes) as a person reads and types them: ``sat,sun`` in
    English, ``Sa,So`` in German."""
    return ",".join(
        weekday_short(WEEKDAYS.index(day) if isinstance(day, str) else day) for day in days
    )


def format_typed_day(text: str | None) -> str:
    """A stored ``YYYY-MM-DD`` as a person types it (``24.12.2026`` in German); empty stays."""
    if not text:
        return ""
    return format_input_date(date.fromisoformat(text))


def parse_hours(text: str) -> tuple[int, int]:
    """``14-17``: from 14:00 up to (not including) 17:00, local time; ``22-2`` wraps midnight."""
    try:
        start_text, end_text = str(text).replace(" ", "").split("-")
        if len(start_text) > 2 or len(end_text) > 2:
            raise ValueError
        start, end = int(start_text), int(end_text)
    except ValueError:
        start = end = -1
    if not (0 <= start <= 23 and 0 <= end <= 24) or start == end:
        raise InvalidInput(
            _("“{text}” is not an hour range like 14-17").format(text=quote_input(text))
        )
    return start, end


def parse_day(text: str) -> date:
    """A typed date: ``2026-12-24``, or ``24.12.2026``."""
    try:
        return parse_input_date(str(text))
    except ValueError:
        raise InvalidInput(
            _("“{text}” is not a date like {example}").format(
                text=quote_input(text), example=date_example()
            )
        ) from None


# --- tiers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    """A named tier: reached with ``min_spend_cents`` of qualifying spend."""

    name: str
    min_spend_cents: int
    multiplier: int = 100
    """Earning multiplier in hundredths (200 = x2)."""
    discount_percent: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "min_spend_cents": self.min_spend_cents,
            "multiplier": self.multiplier,
            "discount_percent": self.discount_percent,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Tier:
        tier = cls(
            name=parse_name(data["name"]),
            min_spend_cents=int(data["min_spend_cents"]),
            multiplier=int(data.get("multiplier", 100)),
            discount_percent=int(data.get("discount_percent", 0)),
        )
        if tier.min_spend_cents < 0 or not 100 <= tier.multiplier <= MAX_MULTIPLIER:
            raise ValueError(data)
        if not 0 <= tier.discount_percent <= 100:
            raise ValueError(data)
        return tier


def sorted_tiers(tiers: Iterable[Tier]) -> tuple[Tier, ...]:
    """Tiers from the lowest qualifying spend to the highest."""
    return tuple(sorted(tiers, key=lambda t: (t.min_spend_cents, t.name)))


def tier_for(tiers: Sequence[Tier], spend_cents: int) -> Tier | None:
    """The highest tier whose qualifying spend is reached (None: no tier)."""
    reached = [t for t in tiers if spend_cents >= t.min_spend_cents]
    return max(reached, key=lambda t: (t.min_spend_cents, t.name)) if reached else None


def next_tier(tiers: Sequence[Tier], spend_cents: int) -> Tier | None:
    """The next tier up that ``spend_cents`` does not reach yet."""
    ahead = [t for t in tiers if t.min_spend_cents > spend_cents]
    return min(ahead, key=lambda t: (t.min_spend_cents, t.name)) if ahead else None


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the 31st → the month's last)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def months_after(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months later."""
    return months_before(moment, -months)


# --- campaigns ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Campaign:
    """Extra points for a date range, some weekdays and/or some hours (all in local time)."""

    name: str
    multiplier: int
    from_day: date | None = None
    until_day: date | None = None
    """Inclusive: the campaign runs through this whole day."""
    weekdays: tuple[int, ...] = ()
    hours: tuple[int, int] | None = None

    def active_at(self, local: datetime) -> bool:
        """Whether the campaign gives points at this shop-local moment."""
        day = local.date()
        if self.from_day is not None and day < self.from_day:
            return False
        if self.until_day is not None and day > self.until_day:
            return False
        if self.weekdays and local.weekday() not in self.weekdays:
            return False
        if self.hours is not None:
            start, end = self.hours
            hour = local.hour
            inside = start <= hour < end if start < end else (hour >= start or hour < end)
            if not inside:
                return False
        return True

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "multiplier": self.multiplier,
            "from": self.from_day.isoformat() if self.from_day else None,
            "until": self.until_day.isoformat() if self.until_day else None,
            "weekdays": [WEEKDAYS[d] for d in self.weekdays],
            "hours": f"{self.hours[0]}-{self.hours[1]}" if self.hours else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Campaign:
        weekdays = data.get("weekdays") or []
        campaign = cls(
            name=parse_name(data["name"]),
            multiplier=parse_multiplier(Decimal(int(data["multiplier"])) / 100),
            from_day=parse_day(data["from"]) if data.get("from") else None,
            until_day=parse_day(data["until"]) if data.get("until") else None,
            weekdays=parse_weekdays(",".join(weekdays)) if weekdays else (),
            hours=parse_hours(data["hours"]) if data.get("hours") else None,
        )
        check_campaign_days(campaign)
        return campaign


def check_campaign_days(campaign: Campaign) -> None:
    """Refuse a date range that ends before it starts."""
    if campaign.from_day and campaign.until_day and campaign.until_day < campaign.from_day:
        raise InvalidInput(_("The campaign ends before it starts"))


# --- birthday -------------------------------------------------------------------------------


def birthday_this_year(birthday: date, year: int) -> date:
    """The birthday in ``year`` (29 February is kept on the 28th in other years)."""
    if birthday.month == 2 and birthday.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return birthday.replace(year=year)


def birthday_period(birthday: date, today: date, period: str) -> tuple[date, date] | None:
    """The birthday's week (Monday to Sunday) or month this year, if ``today`` lies in it."""
    day = birthday_this_year(birthday, today.year)
    if period == "month":
        start = day.replace(day=1)
        end = day.replace(day=calendar.monthrange(day.year, day.month)[1])
    else:
        start = day - timedelta(days=day.weekday())
        end = start + timedelta(days=6)
    return (start, end) if start <= today <= end else None


# --- profile completion ---------------------------------------------------------------------

PROFILE_FIELDS = ("email", "phone", "birthday", "postcode")


def profile_complete(values: dict[str, Any]) -> bool:
    """A complete profile: email, phone, birthday and postcode are all filled in."""
    return all(values.get(key) for key in PROFILE_FIELDS)


# --- expiry ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpiryPlan:
    """What expiry takes from a member now, and what it will take in the coming days."""

    due_now: int = 0
    soon: int = 0
    soon_by: date | None = None


def open_lots(entries: Iterable[tuple[datetime, int]], balance: int) -> list[tuple[datetime, int]]:
    """The unspent points per earning moment, newest first.

    Every deduction takes the oldest points first, so what is left of the balance is always
    the newest earnings: walk them from the newest back until the balance is covered. (Only
    positive rows matter; the caller may stop reading once the balance is covered.)
    """
    lots: list[tuple[datetime, int]] = []
    left = balance
    for at, points in sorted((e for e in entries if e[1] > 0), key=lambda e: e[0], reverse=True):
        if left <= 0:
            break
        take = min(points, left)
        lots.append((at, take))
        left -= take
    return lots


def plan_expiry(
    mode: str,
    months: int,
    *,
    entries: Sequence[tuple[datetime, int]],
    balance: int,
    last_purchase: datetime | None,
    now: datetime,
    horizon_days: int = 30,
) -> ExpiryPlan:
    """Points that expire now and within ``horizon_days`` under the shop's expiry rule.

    ``earned``: each earning expires ``months`` after it was made, oldest points spent first
    (``entries`` needs only the newest positive rows that cover the balance).
    ``inactive``: the whole balance expires ``months`` after the last purchase.
    """
    if mode == "never" or months <= 0 or balance <= 0:
        return ExpiryPlan(0, 0, None)
    horizon = now + timedelta(days=horizon_days)
    if mode == "inactive":
        if last_purchase is None:
            return ExpiryPlan(0, 0, None)
        ends = months_after(last_purchase, months)
        if ends <= now:
            return ExpiryPlan(balance, 0, None)
        if ends <= horizon:
            return ExpiryPlan(0, balance, ends.date())
        return ExpiryPlan(0, 0, None)
    due = soon = 0
    soon_by: date | None = None
    for earned_at, remaining in open_lots(entries, balance):
        ends = months_after(earned_at, months)
        if ends <= now:
            due += remaining
        elif ends <= horizon:
            soon += remaining
            soon_by = ends.date() if soon_by is None else min(soon_by, ends.date())
    # Never more than the balance: the ledger sum is the balance, but stay safe.
    due = min(due, balance)
    return ExpiryPlan(due, min(soon, balance - due), soon_by)


# --- the whole setup ------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgramSetup:
    """The owner's rules beyond points per euro, as stored in the settings table."""

    tiers: tuple[Tier, ...] = ()
    tier_period: str = "12months"
    """``12months``: spend of the last 12 months qualifies; ``lifetime``: all spend."""
    campaigns: tuple[Campaign, ...] = ()
    birthday_points: int = 0
    birthday_period: str = "week"
    signup_bonus: int = 0
    profile_bonus: int = 0
    referral_bonus: int = 0
    expiry_mode: str = "never"
    expiry_months: int = 12
    timezone: str = ""
    """An IANA zone name (``Europe/Berlin``); empty: the till's own time zone."""

    def local(self, moment: datetime) -> datetime:
        """A moment in the shop's local time: weekdays, hours and birthdays are local."""
        if self.timezone:
            from zoneinfo import ZoneInfo

            return moment.astimezone(ZoneInfo(self.timezone))
        return moment.astimezone()

    def needs_database(self) -> bool:
        """Whether a member's standing needs a look at their sales or ledger."""
        return bool(
            self.tiers
            or self.birthday_points
            or self.signup_bonus
            or self.profile_bonus
            or self.referral_bonus
            or self.expiry_mode != "never"
        )

    def campaigns_at(self, moment: datetime) -> tuple[Campaign, ...]:
        """The campaigns that give points at this moment."""
        if not self.campaigns:
            return ()
        local = self.local(moment)
        return tuple(c for c in self.campaigns if c.active_at(local))

    def spend_since(self, moment: datetime) -> datetime | None:
        """Where the qualifying spend starts (None: all of it counts)."""
        return None if self.tier_period == "lifetime" else months_before(moment, 12)
