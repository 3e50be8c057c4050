"""The program screen's settings: the form tabs (earning, bonuses, expiry) and the way every
setting on the screen is stored, through the settings service."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Checkbox, Input, Label, Select, Static

from app.domain.errors import LoyaltyError, ValidationFailed
from app.i18n import _, format_points
from app.services.context import Context
from app.services.settings import setting_bounds, write_settings
from app.tui.db_work import DbWork
from app.tui.screens.program.tab import ProgramTab
from app.tui.widgets.field_select import FieldSelect
from app.tui.widgets.ordered_input import OrderedInput

CHECKBOXES = ("program.earn_on_points_paid", "program.earn_on_discount")


class ToggleBox(Checkbox, inherit_bindings=False):
    """A checkbox that only Space toggles: Enter moves on to the next field, like elsewhere."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_button", show=False),
        Binding("enter", "app.focus_next", show=False),
    ]


def widget_id(key: str) -> str:
    """``program.earn_points_per_unit`` -> ``set-earn-points-per-unit``."""
    return "set-" + key.removeprefix("program.").replace("_", "-")


def bounds_hint(key: str) -> str:
    """The range of a number field, shown beside it: "1 to 1,000"."""
    bounds = setting_bounds(key)
    if bounds is None:
        return ""
    return _("{low} to {high}").format(low=format_points(bounds[0]), high=format_points(bounds[1]))


def choices(key: str) -> list[tuple[str, str]]:
    """The choices of a setting shown as a select, in the owner's words."""
    if key == "program.birthday_period":
        return [(_("in the birthday week"), "week"), (_("in the birthday month"), "month")]
    if key == "program.expiry":
        return [
            (_("never"), "never"),
            (_("N months after they were earned"), "earned"),
            (_("after N months without a purchase"), "inactive"),
        ]
    if key == "program.tier_period":
        return [(_("the last 12 months"), "12months"), (_("lifetime"), "lifetime")]
    return []


def save_settings(
    work: DbWork,
    ctx: Context,
    values: dict[str, Any],
    saved: Callable[[dict[str, Any]], None],
    invalid: Callable[[ValidationFailed], None],
) -> None:
    """Store settings through the service, off the event loop (``work``): ``saved`` gets the
    changed ones, after the cached settings are forgotten; ``invalid`` the messages of fields
    that cannot be used; any other failure is said on the work's message line."""

    def stored(changed: dict[str, Any]) -> None:
        ctx.forget_settings()
        saved(changed)

    def refused(exc: LoyaltyError) -> None:
        if isinstance(exc, ValidationFailed):
            invalid(exc)
        else:
            work.tell(exc.message)

    work.run(
        "settings",
        lambda: write_settings(
            ctx.db, values, ctx.now(), actor=ctx.actor, till=ctx.till, approver=ctx.approver
        ),
        stored,
        refused,
    )


class FormTab(ProgramTab):
    """A tab of settings, one per line with its message below; F9 (the screen's) saves every
    form at once, all or nothing."""

    KEYS: ClassVar[frozenset[str]] = frozenset({"save"})
    SETTINGS: ClassVar[tuple[str, ...]]
    """The settings on this tab, in the order shown."""

    def labels(self) -> dict[str, str]:
        """Each setting's label."""
        raise NotImplementedError

    def explain(self) -> str:
        """The note under the fields."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        labels = self.labels()
        with VerticalScroll(classes="form"):
            for key in self.SETTINGS:
                yield from self._setting_row(key, labels[key])
            yield Static(self.explain(), classes="explain", markup=False)

    def _setting_row(self, key: str, label: str) -> ComposeResult:
        with Horizontal(classes="set-row"):
            if key in CHECKBOXES:
                yield ToggleBox(label, compact=True, id=widget_id(key))
            else:
                yield Label(label, markup=False)
                if choices(key):
                    yield FieldSelect(
                        choices(key), allow_blank=False, compact=True, id=widget_id(key)
                    )
                else:
                    yield OrderedInput(compact=True, id=widget_id(key))
                    yield Label(bounds_hint(key), classes="set-hint", markup=False)
        yield Label(id=f"error-{widget_id(key)}", classes="set-error", markup=False)

    def focus_first(self) -> None:
        self.focus_setting(self.SETTINGS[0])

    def focus_setting(self, key: str) -> None:
        self.query_one(f"#{widget_id(key)}").focus()

    def values(self) -> dict[str, Any]:
        """What the fields hold now, by setting."""
        values: dict[str, Any] = {}
        for key in self.SETTINGS:
            widget = self.query_one(f"#{widget_id(key)}")
            if isinstance(widget, Input | Checkbox | Select):
                values[key] = widget.value
        return values

    def show(self, settings: Mapping[str, object]) -> None:
        """Fill the fields with the stored settings."""
        for key in self.SETTINGS:
            widget = self.query_one(f"#{widget_id(key)}")
            value = settings[key]
            if isinstance(widget, Checkbox):
                widget.value = bool(value)
            elif isinstance(widget, Select | Input):
                widget.value = str(value)

    def show_errors(self, errors: dict[str, str]) -> None:
        """A message under each field that cannot be used; none under the others."""
        for key in self.SETTINGS:
            label = self.query_one(f"#error-{widget_id(key)}", Label)
            label.update(errors.get(key, ""))
            label.set_class(key in errors, "-shown")

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        # The field's message goes once it is corrected (the screen hears of the change too).
        for label in self.query(f"#error-{event.input.id}").results(Label):
            label.update("")
            label.remove_class("-shown")

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        self.screen.focus_next()
