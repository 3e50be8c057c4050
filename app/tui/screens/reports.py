"""The owner's Reports screen (Ctrl+O): how the loyalty program is doing, with weekly charts.

The figures are the ones of ``loyalty report summary`` (the same services); they are computed
in a worker thread behind a loading indicator, so a large database never freezes the screen,
and a failure is a message on the screen. The charts are drawn by textual-plotext.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from babel.dates import format_skeleton
from babel.numbers import format_decimal
from rich.console import Console
from rich.table import Table
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Header,
    Input,
    Select,
    Static,
    TabbedContent,
    TabPane,
)
from textual.worker import Worker, WorkerState
from textual_plotext import PlotextPlot

from app.domain import report as rep
from app.domain.errors import LoyaltyError
from app.i18n import _, current_locale, format_day, ngettext
from app.services.context import Context
from app.services.feedback import Detractor, detractors
from app.services.report_series import WeeklySeries, report_series
from app.services.report_text import figure_rows
from app.services.reports import Report, report_summary, today
from app.tui.message_log import remember
from app.tui.widgets.key_bar import KeyBar

# The figures shown first (the rest follow in the README's order).
KEY_FIGURES = (
    "revenue_cents",
    "purchases",
    "purchasing_members",
    "new_customers",
    "crr",
    "churn",
    "repeat_rate",
    "aov_cents",
    "returning_uplift",
    "ltv_cents",
    "points_issued",
    "points_redeemed",
    "redemption_rate",
    "liability_cents",
)


def feedback_lines(report: Report, found: tuple[Detractor, ...]) -> list[str]:
    """NPS of the period, then each detractor to call back: date, score, card, name, phone."""
    summary = report.summary
    score = "—" if summary.nps is None else f"{summary.nps:+d}"
    lines = [
        ngettext(
            "NPS {nps} from {count} answer", "NPS {nps} from {count} answers", summary.nps_responses
        ).format(nps=score, count=summary.nps_responses),
        "",
    ]
    if not found:
        return [*lines, _("No detractors (0–6) to call back in this period.")]
    lines.append(_("To call back (score 0–6):"))
    for d in found:
        lines.append(f"{format_day(d.created_at)}  {d.score}/10  {d.card}")
        lines.append(f"  {d.name}  {d.phone}".rstrip())
        if d.comment:
            lines.append(f"  “{d.comment}”")
    return lines


def period_choices() -> list[tuple[str, str]]:
    """The period picks, as (label, value) for the Select."""
    return [
        (_("Last month"), "last_month"),
        (_("This month"), "this_month"),
        (_("Last 30 days"), "last_30"),
        (_("Last 90 days"), "last_90"),
        (_("This year"), "this_year"),
        (_("Custom from/to"), "custom"),
    ]


def preset_period(choice: str, day: date) -> rep.Period:
    """The period of a pick (not ``custom``) seen from the shop's ``day``."""
    presets = {
        "last_month": lambda: rep.last_month(day),
        "this_month": lambda: rep.this_month(day),
        "last_30": lambda: rep.last_days(day, 30),
        "last_90": lambda: rep.last_days(day, 90),
        "this_year": lambda: rep.this_year(day),
    }
    return presets[choice]()


@dataclass(frozen=True)
class _Computed:
    """What one run of the worker found, tagged with the request it answers."""

    request: int
    report: Report
    series: WeeklySeries
    detractors: tuple[Detractor, ...] = ()


class ReportsScreen(Screen[None]):
    """The period's key figures on the left, the weekly charts on the right; Esc goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", _("Back"), key_display=_("Esc")),
        Binding("f5", "recompute", _("Refresh"), key_display="F5"),
        Binding("f6", "day_close", _("Day's close"), key_display="F6"),
    ]

    CSS_PATH = "reports.tcss"
    AUTO_FOCUS = "#report-period"

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx
        self.request = 0
        self.report: Report | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="report-controls"):
            yield Select(
                period_choices(), value="last_month", allow_blank=False, id="report-period"
            )
            yield Input(placeholder=_("from YYYY-MM-DD"), id="report-from")
            yield Input(placeholder=_("to YYYY-MM-DD"), id="report-to")
        yield Static(id="report-message", markup=False)
        with Horizontal(id="report-body"):
            with VerticalScroll(id="report-figures"):
                yield Static(id="report-table", markup=False)
            with TabbedContent(id="report-charts"):
                with TabPane(_("Purchases"), id="chart-purchases"):
                    yield PlotextPlot(id="plot-purchases")
                # Short tab labels: all four fit the right half of 80 columns in both languages.
                with TabPane(_("Joined"), id="chart-members"):
                    yield PlotextPlot(id="plot-members")
                with TabPane(_("Points"), id="chart-points"):
                    yield PlotextPlot(id="plot-points")
                with TabPane(_("Call back"), id="chart-feedback"), VerticalScroll():
                    yield Static(id="feedback-list", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.title = _("Reports")
        self.show_custom(False)
        self.compute()

    def show_custom(self, shown: bool) -> None:
        for name in ("#report-from", "#report-to"):
            self.query_one(name, Input).display = shown

    def say(self, text: str, kind: str = "") -> None:
        message = self.query_one("#report-message", Static)
        message.update(text)
        message.set_class(kind == "error", "-error")
        remember(self.app, text, kind)

    @on(Select.Changed, "#report-period")
    def period_changed(self, event: Select.Changed) -> None:
        custom = event.value == "custom"
        self.show_custom(custom)
        if custom:
            self.query_one("#report-from", Input).focus()
            return
        self.compute()

    @on(Input.Submitted, "#report-from")
    def from_given(self) -> None:
        self.query_one("#report-to", Input).focus()

    @on(Input.Submitted, "#report-to")
    def to_given(self) -> None:
        self.compute()

    def period(self) -> rep.Period:
        """The picked period; a custom one from the two fields (a readable error if wrong)."""
        choice = str(self.query_one("#report-period", Select).value)
        if choice != "custom":
            return preset_period(choice, today(self.ctx))
        start = self.query_one("#report-from", Input).value.strip()
        end = self.query_one("#report-to", Input).value.strip()
        return rep.period_from(start or None, end or None, today(self.ctx))

    def action_recompute(self) -> None:
        self.compute()

    def compute(self) -> None:
        """Start computing the picked period in a worker; a newer request wins."""
        try:
            period = self.period()
        except LoyaltyError as exc:
            self.say(exc.message, "error")
            return
        self.request += 1
        self.say(
            _("Computing {start} – {end}…").format(
                start=period.start.isoformat(), end=period.end.isoformat()
            )
        )
        # Textual's LoadingIndicator over the figures and charts until the worker answers.
        self.query_one("#report-body").loading = True
        request = self.request
        self.run_worker(
            lambda: self._compute(request, period),
            thread=True,
            exit_on_error=False,
            group="reports",
            exclusive=True,
        )

    def _compute(self, request: int, period: rep.Period) -> _Computed:
        # In the worker thread: the database work, no widgets.
        return _Computed(
            request,
            report_summary(self.ctx, period),
            report_series(self.ctx, period),
            tuple(detractors(self.ctx, period)),
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "reports":
            return
        if event.state == WorkerState.SUCCESS:
            result = worker.result
            if isinstance(result, _Computed) and result.request == self.request:
                self.show(result)
        elif event.state == WorkerState.ERROR:
            self.query_one("#report-body").loading = False
            error = worker.error
            if isinstance(error, LoyaltyError):
                self.say(error.message, "error")
            else:
                self.say(
                    _("The report could not be computed: {error}").format(error=error), "error"
                )

    def show(self, computed: _Computed) -> None:
        """Put the figures and the charts on screen."""
        self.query_one("#report-body").loading = False
        report = computed.report
        self.report = report
        period = report.period
        self.say(
            ngettext(
                "{start} – {end} ({days} day)", "{start} – {end} ({days} days)", period.days
            ).format(start=format_day(period.start), end=format_day(period.end), days=period.days)
        )
        rows = {
            key: (label, value)
            for key, label, value in figure_rows(report.summary, report.currency)
        }
        order = [*KEY_FIGURES, *[key for key in rows if key not in KEY_FIGURES]]
        # A two-column table: long (translated) labels are cut with "…", values never are.
        table = Table(box=None, show_header=False, expand=True, padding=(0, 1, 0, 0))
        table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        table.add_column(justify="right", no_wrap=True)
        for key in order:
            table.add_row(*rows[key])
        self.query_one("#report-table", Static).update(table)
        self.draw(computed.series, report.currency)
        self.query_one("#feedback-list", Static).update(
            "\n".join(feedback_lines(report, computed.detractors))
        )

    def draw(self, series: WeeklySeries, currency: str) -> None:
        """The three weekly charts (weeks labelled by their first day)."""
        x = list(range(1, len(series.weeks) + 1))
        labels = [week_label(day) for day in series.weeks]
        step = max(1, len(x) // 6)  # a label every few weeks, so they never overlap at 80x24
        ticks: tuple[list[float], list[str]] = ([float(v) for v in x[::step]], labels[::step])

        purchases = self.query_one("#plot-purchases", PlotextPlot)
        plt = purchases.plt
        plt.clear_figure()
        plt.plot(x, list(series.purchases), label=_("purchases"), marker="braille")
        revenue = [cents / 100 for cents in series.revenue_cents]
        plt.plot(x, revenue, label=_("revenue"), yside="right", marker="braille")
        plt.xticks(*ticks)
        plt.yticks(*y_ticks(series.purchases))
        plt.yticks(*y_ticks(revenue), yside=2)
        plt.title(
            _("Per week: purchases (left), revenue in {currency} (right)").format(currency=currency)
        )
        purchases.refresh()

        members = self.query_one("#plot-members", PlotextPlot)
        plt = members.plt
        plt.clear_figure()
        plt.bar(x, list(series.new_members))
        plt.xticks(*ticks)
        plt.yticks(*y_ticks(series.new_members))
        plt.title(_("New members per week"))
        members.refresh()

        points = self.query_one("#plot-points", PlotextPlot)
        plt = points.plt
        plt.clear_figure()
        plt.plot(x, list(series.points_issued), label=_("issued"), marker="braille")
        plt.plot(x, list(series.points_redeemed), label=_("redeemed"), marker="braille")
        plt.xticks(*ticks)
        plt.yticks(*y_ticks([*series.points_issued, *series.points_redeemed]))
        plt.title(_("Points issued and redeemed per week"))
        points.refresh()

    def feedback_text(self) -> str:
        """The call-back list as shown (for tests)."""
        return str(self.query_one("#feedback-list", Static).content)

    def figure_text(self) -> str:
        """The figures as the screen shows them, as plain text (for tests)."""
        table = self.query_one("#report-table", Static)
        console = Console(width=table.size.width or 40, record=True, file=io.StringIO())
        console.print(table.content)
        return console.export_text()

    def action_day_close(self) -> None:
        """F6: the day's close per till and cashier."""
        from app.tui.screens.day_close import DayCloseScreen

        self.app.push_screen(DayCloseScreen(self.ctx))

    def action_back(self) -> None:
        self.dismiss(None)


def week_label(day: date) -> str:
    """A week on a chart's axis, by its first day: ``02.11.`` in German, ``11/02`` in English."""
    return format_skeleton("MMdd", day, locale=current_locale())


def y_ticks(values: Sequence[float]) -> tuple[list[float], list[str]]:
    """Ticks from 0 past the largest value at round steps (1, 2, 2.5 or 5 times a power of
    ten), labelled in the locale's numbers (``2,5`` in German)."""
    top = max(values, default=0) or 1
    power = 10 ** math.floor(math.log10(top / 4))
    step = next(power * f for f in (1, 2, 2.5, 5, 10) if power * f * 4 >= top)
    count = math.ceil(top / step)
    ticks = [step * i for i in range(count + 1)]
    return ticks, [format_decimal(round(t, 2), locale=current_locale()) for t in ticks]
