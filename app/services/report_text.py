"""How the report's figures read: a label and a formatted value each, for the CLI and the screen.

Money through Babel in the shop's currency, rates as percentages, "—" where a figure has no
value (its denominator was 0).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

from babel.numbers import format_decimal

from app.i18n import _, current_locale, format_money, format_points, ngettext
from app.i18n import format_percent as percent
from app.services.reports import Report, Summary

NONE = "—"


def _labels() -> list[tuple[str, str, str]]:
    """(key, label, kind) in reading order; kind says how the value is formatted."""
    return [
        ("customers_start", _("Customers at the start"), "count"),
        ("customers_end", _("Customers at the end"), "count"),
        ("new_customers", _("New customers"), "count"),
        ("crr", _("Retention rate (CRR)"), "rate"),
        ("lost_customers", _("Lost customers"), "count"),
        ("churn", _("Churn"), "rate"),
        ("purchases", _("Purchases"), "count"),
        ("purchasing_members", _("Purchasing members"), "count"),
        ("repeat_rate", _("Repeat purchase rate"), "rate"),
        ("frequency", _("Purchases per member"), "number"),
        ("aov_cents", _("Average basket"), "money"),
        ("aov_first_cents", _("Average first basket"), "money"),
        ("aov_returning_cents", _("Average returning basket"), "money"),
        ("returning_uplift", _("Returning vs first basket"), "signed_rate"),
        ("revenue_cents", _("Revenue"), "money"),
        ("discount_cents", _("Discounts"), "money"),
        ("points_paid_cents", _("Paid with points"), "money"),
        ("ltv_cents", _("Lifetime value (LTV)"), "money"),
        ("points_issued", _("Points issued"), "points"),
        ("points_redeemed", _("Points redeemed"), "points"),
        ("points_expired", _("Points expired"), "points"),
        ("points_adjusted", _("Points adjusted (net)"), "points"),
        ("redemption_rate", _("Redemption rate"), "rate"),
        ("liability_points", _("Outstanding points"), "points"),
        ("liability_cents", _("Points liability"), "money"),
        ("enrolments", _("Enrolments"), "count"),
        ("referrals", _("Referrals"), "count"),
        ("referrals_purchased", _("Referrals who bought"), "count"),
        ("nps", _("Net Promoter Score"), "count"),
        ("nps_responses", _("Feedback answers"), "count"),
    ]


def format_figure(value: object, kind: str, currency: str) -> str:
    """One figure for people."""
    if value is None:
        return NONE
    assert isinstance(value, int | float)
    locale = current_locale()
    formats: dict[str, Callable[[], str]] = {
        "money": lambda: format_money(int(value), currency),
        "points": lambda: format_points(int(value)),
        "count": lambda: format_decimal(value, locale=locale),
        "number": lambda: format_decimal(value, format="#,##0.##", locale=locale),
        "rate": lambda: percent(value * 100, decimals=2),
        "signed_rate": lambda: percent(value * 100, decimals=2, signed=True),
    }
    return formats[kind]()


def figure_rows(summary: Summary, currency: str) -> list[tuple[str, str, str]]:
    """(key, label, formatted value) for each scalar figure of a summary."""
    values = asdict(summary)
    return [
        (key, label, format_figure(values[key], kind, currency)) for key, label, kind in _labels()
    ]


def report_lines(report: Report) -> list[str]:
    """The report as a table for a terminal: figures down, the total and each group across."""
    columns = [(_("Total"), report.summary), *report.groups]
    title = _("Loyalty report {start} – {end}").format(
        start=report.period.start.isoformat(), end=report.period.end.isoformat()
    )
    if report.store is not None:
        title += " · " + _("shop {code}").format(code=report.store)
    rows = [[label, *[""] * len(columns)] for _key, label, _kind in _labels()]
    for index, (_name, summary) in enumerate(columns, start=1):
        for row, (_key, _label, value) in zip(
            rows, figure_rows(summary, report.currency), strict=True
        ):
            row[index] = value
    head = ["", *[name for name, _s in columns]]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = [title, ""]
    for row in [head, *rows]:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    if report.summary.coupons:
        lines += ["", _("Coupons")]
        for coupon in report.summary.coupons:
            lines.append(
                "  "
                + ngettext(
                    "{code}: {uses} use, {discount} off",
                    "{code}: {uses} uses, {discount} off",
                    coupon["uses"],
                ).format(
                    code=coupon["code"],
                    uses=coupon["uses"],
                    discount=format_money(coupon["discount_cents"], report.currency),
                )
            )
    if report.summary.tiers:
        lines += ["", _("Members per tier")]
        lines += [f"  {name}: {count}" for name, count in report.summary.tiers.items()]
    return lines
