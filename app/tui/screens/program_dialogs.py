"""The program screen's forms: a tier, a campaign, a coupon (or a batch), a stamp program.

Each dialog parses what the owner typed with the domain's parsers, shows a message next to
each field it cannot use, and saves through the program services; nothing is stored until
every field is right. Dismisses with what was saved, or None when cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Footer, Input, Label, Select, Static

from app.domain.coupons import Coupon
from app.domain.errors import InvalidInput, LoyaltyError, ValidationFailed
from app.domain.money import REFUND_TYPING_LIMIT_CENTS, parse_amount, parse_points
from app.domain.program import (
    Campaign,
    Tier,
    parse_day,
    parse_hours,
    parse_multiplier,
    parse_percent,
    parse_weekdays,
)
from app.i18n import _, format_money, format_timestamp
from app.services.context import Context
from app.services.coupons import CouponView, create_batch, create_coupon
from app.services.program_rules import add_campaign, add_tier
from app.services.stamps import add_program
from app.tui.counter import DATABASE_ERRORS


@dataclass(frozen=True)
class Field:
    """One line of a form: an input, or a choice when ``choices`` are given."""

    name: str
    label: str
    placeholder: str = ""
    value: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    required: bool = False
    disabled: bool = False


def whole_number(text: str) -> int:
    """A typed whole number (stamps, uses, a count)."""
    raw = text.strip()
    if not (raw.isascii() and raw.isdigit()):
        raise InvalidInput(_("“{text}” is not a whole number").format(text=raw))
    return int(raw)


def optional(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """A parser for a field that may stay empty (then ``None``)."""
    return lambda text: parse(text) if text.strip() else None


class FormDialog(ModalScreen[Any]):
    """A titled form with a message under each field; F9 saves, Esc cancels, Enter moves on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", _("Cancel"), key_display="Esc"),
        Binding("f9", "confirm", _("Save"), key_display="F9"),
    ]

    DEFAULT_CSS = """
    FormDialog {
        align: center middle;
    }
    FormDialog #dialog {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $accent;
        padding: 0 1;
        background: $surface;
    }
    FormDialog .title {
        text-style: bold;
        width: 100%;
        content-align: center middle;
    }
    FormDialog #form {
        height: auto;
        max-height: 16;
        margin-top: 1;
    }
    FormDialog .row {
        height: 1;
    }
    FormDialog .row Label {
        width: 20;
    }
    FormDialog .row Input, FormDialog .row Select {
        width: 1fr;
    }
    FormDialog .field-error {
        color: $text-error;
        padding-left: 20;
        display: none;
    }
    FormDialog .field-error.-shown {
        display: block;
    }
    FormDialog #dialog-error {
        color: $text-error;
        margin-top: 1;
        display: none;
    }
    FormDialog #dialog-error.-shown {
        display: block;
    }
    FormDialog #dialog-error.-busy {
        color: $text-muted;
    }
    FormDialog #buttons {
        height: 1;
        margin-top: 1;
        align-horizontal: center;
    }
    FormDialog #buttons Button {
        margin: 0 1;
    }
    FormDialog .hint {
        color: $text-muted;
        width: 100%;
        content-align: center middle;
    }
    """

    title_text = ""
    action_label = ""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx
        self.busy = False

    def fields(self) -> list[Field]:
        raise NotImplementedError

    def submit(self) -> Any:
        """Parse the fields and save; raise ValidationFailed (by field) or a LoyaltyError."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, classes="title", markup=False)
            with VerticalScroll(id="form"):
                for field in self.fields():
                    with Horizontal(classes="row"):
                        yield Label(field.label, id=f"label-{field.name}", markup=False)
                        if field.choices:
                            yield Select(
                                field.choices,
                                value=field.value or field.choices[0][1],
                                allow_blank=False,
                                compact=True,
                                id=f"field-{field.name}",
                            )
                        else:
                            yield Input(
                                value=field.value,
                                placeholder=field.placeholder,
                                compact=True,
                                disabled=field.disabled,
                                id=f"field-{field.name}",
                            )
                    yield Label(id=f"error-{field.name}", classes="field-error", markup=False)
            yield Static(id="dialog-error", markup=False)
            with Horizontal(id="buttons"):
                yield Button(
                    _("{action} (F9)").format(action=self.action_label),
                    variant="primary",
                    compact=True,
                    id="confirm",
                )
                yield Button(_("Cancel (Esc)"), compact=True, id="cancel")
            yield Static(_("Enter: next field · F9: save · Esc: cancel"), classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        for widget in self.query("#form Input, #form Select"):
            if not widget.disabled:
                widget.focus()
                break

    # --- reading the form ----------------------------------------------------------------

    def text(self, name: str) -> str:
        widget = self.query_one(f"#field-{name}")
        if isinstance(widget, Select):
            return str(widget.value)
        assert isinstance(widget, Input)
        return widget.value

    def parse(self, parsers: dict[str, Callable[[str], Any]]) -> dict[str, Any]:
        """Every field through its parser; with any error, ValidationFailed names each field."""
        required = {f.name for f in self.fields() if f.required}
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for name, parse in parsers.items():
            text = self.text(name)
            if name in required and not text.strip():
                errors[name] = _("Required")
                continue
            try:
                values[name] = parse(text)
            except LoyaltyError as exc:
                errors[name] = exc.message
        if errors:
            raise ValidationFailed(errors)
        return values

    def show_errors(self, errors: dict[str, str], general: str = "") -> None:
        for label in self.query(".field-error").results(Label):
            name = (label.id or "").removeprefix("error-")
            label.update(errors.get(name, ""))
            label.set_class(name in errors, "-shown")
        box = self.query_one("#dialog-error", Static)
        box.update(general)
        box.set_class(bool(general), "-shown")

    # --- keys ----------------------------------------------------------------------------

    def action_confirm(self) -> None:
        if self.busy:
            return
        try:
            result = self.submit()
        except ValidationFailed as exc:
            self.show_errors(exc.errors)
            first = next(iter(exc.errors))
            widget = self.query(f"#field-{first}")
            if widget:
                widget.first().focus()
            return
        except LoyaltyError as exc:
            self.show_errors({}, exc.message)
            return
        except DATABASE_ERRORS:
            self.show_errors({}, _("The database is busy or unavailable: try again"))
            return
        if result is not None:
            self.dismiss(result)

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("field-")
        for label in self.query(f"#error-{name}").results(Label):
            label.update("")
            label.remove_class("-shown")

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        event.stop()
        fields = [w for w in self.query("#form Input, #form Select") if not w.disabled]
        if event.input is fields[-1]:
            self.action_confirm()
        else:
            self.focus_next()

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()


# --- tiers ------------------------------------------------------------------------------------


class TierDialog(FormDialog):
    """Add a tier, or change one (its name stays)."""

    def __init__(self, ctx: Context, tier: Tier | None = None) -> None:
        super().__init__(ctx)
        self.tier = tier
        self.title_text = _("Change tier {name}").format(name=tier.name) if tier else _("New tier")
        self.action_label = _("Save")

    def fields(self) -> list[Field]:
        from decimal import Decimal

        from babel.numbers import format_decimal

        from app.i18n import current_locale

        tier = self.tier
        spend = multiplier = discount = ""
        if tier is not None:
            spend = format_decimal(
                Decimal(tier.min_spend_cents) / 100, "0.00", locale=current_locale()
            )
            multiplier = format_decimal(Decimal(tier.multiplier) / 100, locale=current_locale())
            discount = str(tier.discount_percent)
        return [
            Field(
                "name",
                _("Name"),
                _("e.g. Gold"),
                tier.name if tier else "",
                required=True,
                disabled=tier is not None,
            ),
            Field("min_spend", _("Qualifying spend"), _("e.g. 300.00"), spend, required=True),
            Field(
                "multiplier", _("Points multiplier"), _("e.g. 2 or 1.5"), multiplier, required=True
            ),
            Field("discount", _("Member discount %"), _("optional, e.g. 5"), discount),
        ]

    def submit(self) -> Tier:
        currency = self.ctx.rules().currency
        values = self.parse(
            {
                "name": str,
                "min_spend": lambda t: parse_amount(
                    t, max_cents=REFUND_TYPING_LIMIT_CENTS, allow_zero=True, currency=currency
                ),
                "multiplier": parse_multiplier,
                "discount": lambda t: parse_percent(t) if t.strip() else 0,
            }
        )
        return add_tier(
            self.ctx, values["name"], values["min_spend"], values["multiplier"], values["discount"]
        )


# --- campaigns --------------------------------------------------------------------------------


class CampaignDialog(FormDialog):
    """Add a campaign, or change one (its name stays)."""

    def __init__(self, ctx: Context, campaign: Campaign | None = None) -> None:
        super().__init__(ctx)
        self.campaign = campaign
        self.title_text = (
            _("Change campaign {name}").format(name=campaign.name)
            if campaign
            else _("New campaign")
        )
        self.action_label = _("Save")

    def fields(self) -> list[Field]:
        from decimal import Decimal

        from babel.numbers import format_decimal

        from app.i18n import current_locale

        data: dict[str, Any] = self.campaign.to_json() if self.campaign else {}
        multiplier = (
            format_decimal(Decimal(self.campaign.multiplier) / 100, locale=current_locale())
            if self.campaign
            else ""
        )
        return [
            Field(
                "name",
                _("Name"),
                _("e.g. Double Tuesday"),
                data.get("name", ""),
                required=True,
                disabled=self.campaign is not None,
            ),
            Field(
                "multiplier", _("Points multiplier"), _("e.g. 2 or 1.5"), multiplier, required=True
            ),
            Field("from", _("From (date)"), _("optional, YYYY-MM-DD"), data.get("from") or ""),
            Field("until", _("Until (date)"), _("optional, YYYY-MM-DD"), data.get("until") or ""),
            Field(
                "weekdays",
                _("Weekdays"),
                _("optional, e.g. tue or sat,sun"),
                ",".join(data.get("weekdays") or []),
            ),
            Field("hours", _("Hours"), _("optional, e.g. 14-17"), data.get("hours") or ""),
        ]

    def submit(self) -> Campaign:
        values = self.parse(
            {
                "name": str,
                "multiplier": parse_multiplier,
                "from": optional(parse_day),
                "until": optional(parse_day),
                "weekdays": lambda t: parse_weekdays(t) if t.strip() else (),
                "hours": optional(parse_hours),
            }
        )
        return add_campaign(
            self.ctx,
            values["name"],
            values["multiplier"],
            from_day=values["from"],
            until_day=values["until"],
            weekdays=values["weekdays"],
            hours=values["hours"],
        )


# --- stamp programs ---------------------------------------------------------------------------


class StampProgramDialog(FormDialog):
    """Start a stamp program: its name, the stamps of a full card and the reward."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", _("Cancel"), key_display="Esc"),
        Binding("f9", "confirm", _("Add"), key_display="F9"),
    ]

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.title_text = _("New stamp card")
        self.action_label = _("Add")

    def fields(self) -> list[Field]:
        return [
            Field("name", _("Name"), _("e.g. Coffee"), required=True),
            Field("stamps", _("Stamps for a full card"), _("e.g. 10"), required=True),
            Field("reward", _("Reward"), _("e.g. a free coffee"), required=True),
        ]

    def submit(self) -> Any:
        values = self.parse({"name": str, "stamps": whole_number, "reward": str})
        return add_program(self.ctx, values["name"], values["stamps"], values["reward"])


# --- coupons ----------------------------------------------------------------------------------


def kind_choices() -> tuple[tuple[str, str], ...]:
    return (
        (_("percent off"), "percent"),
        (_("amount off"), "amount"),
        (_("extra points"), "points"),
        (_("a free item"), "item"),
    )


def value_label(kind: str) -> str:
    """The value field's label for a coupon kind."""
    labels = {
        "percent": _("Percent off"),
        "amount": _("Amount off"),
        "points": _("Extra points"),
        "item": _("Free item"),
    }
    return labels.get(kind, _("Value"))


class CouponDialog(FormDialog):
    """One shared code (``SUMMER10``), or with ``batch`` a number of single-use codes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", _("Cancel"), key_display="Esc"),
        Binding("f9", "confirm", _("Create"), key_display="F9"),
    ]

    def __init__(self, ctx: Context, *, batch: bool = False) -> None:
        super().__init__(ctx)
        self.batch = batch
        self.title_text = _("New batch of single-use codes") if batch else _("New coupon code")
        self.action_label = _("Create")

    def fields(self) -> list[Field]:
        head = (
            [
                Field("count", _("How many codes"), _("e.g. 50"), required=True),
                Field("prefix", _("Prefix"), _("optional, e.g. XMAS")),
            ]
            if self.batch
            else [Field("code", _("Code"), _("e.g. SUMMER10"), required=True)]
        )
        rule = [
            Field("kind", _("The coupon gives"), choices=kind_choices()),
            Field("value", value_label("percent"), _("e.g. 10"), required=True),
            Field("min_spend", _("Minimum spend"), _("optional, e.g. 20.00")),
            Field("valid_from", _("Valid from"), _("optional, YYYY-MM-DD")),
            Field("valid_until", _("Valid until"), _("optional, YYYY-MM-DD")),
        ]
        if self.batch:
            tail = [Field("print", _("Print to PDF file"), _("optional, e.g. ~/coupons.pdf"))]
        else:
            tail = [
                Field("max_uses", _("Uses in total"), _("optional, e.g. 100")),
                Field("per_member", _("Uses per member"), _("optional, e.g. 1")),
                Field("card", _("Only for card"), _("optional: scan the member's card")),
            ]
        return head + rule + tail

    @on(Select.Changed, "#field-kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        kind = str(event.value)
        self.query_one("#label-value", Label).update(value_label(kind))
        examples = {
            "percent": _("e.g. 10"),
            "amount": _("e.g. 5.00"),
            "points": _("e.g. 50"),
            "item": _("e.g. coffee"),
        }
        self.query_one("#field-value", Input).placeholder = examples.get(kind, "")

    def _value(self, kind: str, text: str) -> tuple[int, str]:
        """The coupon's value (percent, cents or points) and item text, for its kind."""
        if kind == "item":
            return 0, text.strip()
        if kind == "amount":
            rules = self.ctx.rules()
            return parse_amount(text, max_cents=rules.max_sale_cents, currency=rules.currency), ""
        if kind == "points":
            return parse_points(text), ""
        return whole_number(text), ""

    def submit(self) -> Any:
        rules = self.ctx.rules()
        kind = self.text("kind")
        parsers: dict[str, Callable[[str], Any]] = (
            {"count": whole_number} if self.batch else {"code": str}
        )
        parsers["value"] = lambda t: self._value(kind, t)
        parsers["min_spend"] = lambda t: (
            parse_amount(
                t, max_cents=rules.max_sale_cents, allow_zero=True, currency=rules.currency
            )
            if t.strip()
            else 0
        )
        parsers["valid_from"] = optional(parse_day)
        parsers["valid_until"] = optional(parse_day)
        if not self.batch:
            parsers["max_uses"] = optional(whole_number)
            parsers["per_member"] = optional(whole_number)
        values = self.parse(parsers)
        value, item = values["value"]
        rule = Coupon(
            code=values.get("code", "BATCH"),
            kind=kind,
            value=value,
            item=item,
            min_spend_cents=values["min_spend"],
            valid_from=values["valid_from"],
            valid_until=values["valid_until"],
            max_uses=values.get("max_uses"),
            per_member=values.get("per_member"),
        )
        if not self.batch:
            return create_coupon(self.ctx, rule, card=self.text("card").strip() or None)
        out = self.text("print").strip()
        target = str(Path(out).expanduser()) if out else None
        # Thousands of codes (and their printing) are written off the event loop.
        self.busy = True
        self.show_errors({}, _("Creating the codes…"))
        self.query_one("#dialog-error").add_class("-busy")
        self._create_batch(values["count"], rule, self.text("prefix"), target)
        return None

    @work(thread=True, group="coupon-batch")
    def _create_batch(self, count: int, rule: Coupon, prefix: str, target: str | None) -> None:
        try:
            result = create_batch(
                self.ctx,
                count,
                rule,
                prefix=prefix,
                fmt="pdf" if target else None,
                out=target,
            )
        except LoyaltyError as exc:
            self.app.call_from_thread(self._batch_failed, exc.message)
        except DATABASE_ERRORS:
            self.app.call_from_thread(
                self._batch_failed, _("The database is busy or unavailable: try again")
            )
        except OSError as exc:
            self.app.call_from_thread(self._batch_failed, str(exc))
        else:
            self.app.call_from_thread(self.dismiss, result)

    def _batch_failed(self, message: str) -> None:
        self.busy = False
        self.query_one("#dialog-error").remove_class("-busy")
        self.show_errors({}, message)


class CouponDetails(ModalScreen[None]):
    """One coupon and every use of it (sale, member, till, when; undone by a full refund)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", _("Close"), key_display="Esc"),
        Binding("enter", "close", show=False),
    ]

    DEFAULT_CSS = """
    CouponDetails {
        align: center middle;
    }
    CouponDetails #dialog {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $accent;
        padding: 0 1;
        background: $surface;
    }
    CouponDetails .title {
        text-style: bold;
        width: 100%;
        content-align: center middle;
    }
    CouponDetails #coupon-rule {
        margin: 1 0;
    }
    CouponDetails #coupon-uses {
        height: auto;
        max-height: 12;
    }
    CouponDetails .hint {
        color: $text-muted;
    }
    """

    def __init__(self, view: CouponView, lines: list[str], currency: str) -> None:
        super().__init__()
        self.view = view
        self.lines = lines
        self.currency = currency

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(_("Coupon {code}").format(code=self.view.code), classes="title")
            yield Static("\n".join(self.lines), id="coupon-rule", markup=False)
            if self.view.redemptions:
                yield DataTable(cursor_type="row", zebra_stripes=True, id="coupon-uses")
            else:
                yield Static(_("Not used yet."), classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        if not self.view.redemptions:
            return
        currency = self.currency
        table = self.query_one("#coupon-uses", DataTable)
        for label in (_("Time"), _("Sale"), _("Member"), _("Discount"), _("Points"), _("Till")):
            table.add_column(label)
        for use in self.view.redemptions:
            when = format_timestamp(datetime.fromisoformat(use["created_at"]))
            if use["undone_at"]:
                when += " " + _("(refunded)")
            table.add_row(
                when,
                str(use["sale_id"]),
                str(use["member_id"]),
                format_money(use["discount_cents"], currency) if use["discount_cents"] else "–",
                str(use["points"] or "–"),
                f"{use['store_code']}/{use['till']}",
            )

    def action_close(self) -> None:
        self.dismiss(None)
