"""The program screen's coupon dialogs: a shared code, a batch of single-use codes, and one
coupon with every use of it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Select, Static

from app.domain.coupons import Coupon
from app.domain.money import parse_amount, parse_points
from app.domain.program import parse_day
from app.i18n import _, format_money, format_timestamp
from app.services.context import Context
from app.services.coupons import CouponView, create_batch, create_coupon
from app.tui.screens.form_dialog import Field, FormDialog, optional, whole_number
from app.tui.widgets.key_bar import KeyBar


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
        Binding("escape", "cancel", _("Cancel"), key_display=_("Esc")),
        Binding("f9", "confirm", _("Create"), key_display="F9"),
    ]

    def __init__(self, ctx: Context, *, batch: bool = False) -> None:
        super().__init__(ctx)
        self.is_batch = batch
        self.title_text = _("New batch of single-use codes") if batch else _("New coupon code")
        self.action_label = _("Create")

    def fields(self) -> list[Field]:
        head = (
            [
                Field("count", _("How many codes"), _("e.g. 50"), required=True),
                Field("prefix", _("Prefix"), _("optional, e.g. XMAS")),
            ]
            if self.is_batch
            else [Field("code", _("Code"), _("e.g. SUMMER10"), required=True)]
        )
        rule = [
            Field("kind", _("The coupon gives"), choices=kind_choices()),
            Field("value", value_label("percent"), _("e.g. 10"), required=True),
            Field("min_spend", _("Minimum spend"), _("optional, e.g. 20.00")),
            Field("valid_from", _("Valid from"), _("optional, YYYY-MM-DD")),
            Field("valid_until", _("Valid until"), _("optional, YYYY-MM-DD")),
        ]
        if self.is_batch:
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

    def submit(self) -> Callable[[], Any]:
        rules = self.ctx.rules()
        kind = self.text("kind")
        parsers: dict[str, Callable[[str], Any]] = (
            {"count": whole_number} if self.is_batch else {"code": str}
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
        if not self.is_batch:
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
        if not self.is_batch:
            card = self.text("card").strip() or None
            return lambda: create_coupon(self.ctx, rule, card=card)
        out = self.text("print").strip()
        target = str(Path(out).expanduser()) if out else None
        count, prefix = values["count"], self.text("prefix")
        return lambda: create_batch(
            self.ctx, count, rule, prefix=prefix, fmt="pdf" if target else None, out=target
        )

    def working_text(self) -> str:
        # Thousands of codes (and their printing) take a while: say so at once.
        return _("Creating the codes…") if self.is_batch else ""


class CouponDetails(ModalScreen[None]):
    """One coupon and every use of it (sale, member, till, when; undone by a full refund)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", _("Close"), key_display=_("Esc")),
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
        yield KeyBar()

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
