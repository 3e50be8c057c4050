"""How the day's close reads: blocks of labelled figures, for the terminal, screen and receipt.

Each block is one group (the shop's total, a till, a cashier): a label, a count and, where the
figure has one, its money value — money through Babel, counts with the locale's separators.
``width`` keeps every line within a receipt's columns (42 or 48 on 80 mm paper).
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict

from babel.dates import format_time
from babel.numbers import format_decimal

from app.domain.spreadsheet import escape_row
from app.i18n import _, current_locale, format_day, format_money, format_points
from app.services.context import Context
from app.services.day_close import CloseFigures, DayClose

RECEIPT_COLUMNS = 42


def _count(value: int) -> str:
    return format_decimal(value, locale=current_locale())


def figure_lines(figures: CloseFigures, currency: str) -> list[tuple[str, str, str]]:
    """(label, count, money value or "") of one group, in reading order."""
    f = figures

    def money(cents: int) -> str:
        return format_money(cents, currency)

    return [
        (_("Sales with members"), _count(f.sales), money(f.sales_cents)),
        (_("Paid in money"), "", money(f.paid_cents)),
        (_("Points issued"), format_points(f.points_issued), money(f.points_issued_cents)),
        (_("Points redeemed"), format_points(f.points_redeemed), money(f.points_redeemed_cents)),
        (_("Coupons used"), _count(f.coupons_used), money(-f.coupon_discount_cents)),
        (_("Refunds"), _count(f.refunds), money(-f.refunded_cents)),
        (_("Adjustments"), _count(f.adjustments), format_points(f.points_adjusted)),
        (_("Enrolments"), _count(f.enrolments), ""),
        (_("Stamp rewards"), _count(f.stamp_rewards), ""),
    ]


def _block(title: str, figures: CloseFigures, currency: str, width: int) -> list[str]:
    lines = [title]
    for label, count, value in figure_lines(figures, currency):
        figures_text = f"{count:>7} {value:>12}"
        room = max(1, width - 2 - len(figures_text) - 1)
        name = label if len(label) <= room else label[: room - 1] + "…"
        lines.append(f"  {name.ljust(room)} {figures_text}".rstrip())
    return lines


def _signed_points(points: int) -> str:
    return ("+" if points > 0 else "") + format_points(points)


def day_close_title(close: DayClose) -> str:
    """The heading: the day, the shop and (when one is asked for) the till."""
    title = _("Day's close {day} · shop {store}").format(
        day=format_day(close.day), store=close.store
    )
    if close.till is not None:
        title += " · " + _("till {till}").format(till=close.till)
    return title


def day_close_lines(close: DayClose, width: int = 60) -> list[str]:
    """The day's close as text lines no wider than ``width``."""
    lines = [day_close_title(close), ""]
    lines += _block(_("Total"), close.total, close.currency, width)
    for till, figures in close.tills:
        lines += ["", *_block(_("Till {till}").format(till=till), figures, close.currency, width)]
    for name, figures in close.staff:
        who = name or _("(nobody named)")
        lines += ["", *_block(_("Cashier {name}").format(name=who), figures, close.currency, width)]
    if close.adjustments:
        lines += ["", _("Adjustments")]
        for a in close.adjustments:
            head = "  {time} {till} {who} {card} {points}".format(
                time=format_time(a.at, format="short", tzinfo=a.at.tzinfo, locale=current_locale()),
                till=_("till {till}").format(till=a.till),
                who=a.staff or "—",
                card=a.card,
                points=_signed_points(a.points),
            )
            lines.append(head[:width])
            if a.reason:
                lines.append(("    " + a.reason)[:width])
    if not close.total.sales and not close.total.refunds and not close.total.adjustments:
        lines += ["", _("Nothing was booked on this day.")]
    return lines


def day_close_csv(close: DayClose) -> str:
    """One row per group (total, each till, each cashier): the figures in README order."""
    names = [name for name in asdict(close.total)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(escape_row(["date", "store", "currency", "group", "name", *names]))
    groups: list[tuple[str, str, CloseFigures]] = [("total", "", close.total)]
    groups += [("till", str(till), f) for till, f in close.tills]
    groups += [("staff", name, f) for name, f in close.staff]
    for kind, name, figures in groups:
        values = asdict(figures)
        row = [close.day.isoformat(), close.store, close.currency, kind, name]
        writer.writerow(escape_row(row + [values[n] for n in names]))
    return out.getvalue()


def print_day_close(ctx: Context, close: DayClose) -> str:
    """Send the day's close to the receipt printer; returns where it went."""
    from app.printing.escpos import send
    from app.printing.receipt import receipt_columns, text_job
    from app.services.cards import printer_config

    config = printer_config(ctx)
    if config.kind == "none":
        send(b"", config)  # raises the readable "no receipt printer is set up"
    lines = day_close_lines(close, width=receipt_columns(config))
    send(text_job(lines, config), config)
    return f"{config.kind}:{config.target}"
