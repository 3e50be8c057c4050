"""The coupons tab: every code (the newest first), a new shared code (F4), a batch of
single-use codes (F5), and one coupon with every use of it (Enter)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.widgets import Static

from app.domain.errors import LoyaltyError
from app.i18n import _, format_day, format_money, format_points, ngettext
from app.services.coupons import BatchResult, CouponView, list_coupons, show_coupon
from app.tui.screens.program.coupon_dialogs import CouponDetails, CouponDialog
from app.tui.screens.program.lists import ListTab, Row

COUPONS = "program-coupons"
COUPON_ROWS = 1_000
"""The most coupons the list shows (the newest)."""


def coupon_validity(view: CouponView) -> str:
    rule = view.coupon
    if rule.valid_from and rule.valid_until:
        return _("{start} – {end}").format(
            start=format_day(rule.valid_from), end=format_day(rule.valid_until)
        )
    if rule.valid_from:
        return _("from {date}").format(date=format_day(rule.valid_from))
    if rule.valid_until:
        return _("until {date}").format(date=format_day(rule.valid_until))
    return _("always")


def coupon_uses(view: CouponView) -> str:
    rule = view.coupon
    text = (
        _("{uses} of {max}").format(uses=view.uses, max=rule.max_uses)
        if rule.max_uses is not None
        else str(view.uses)
    )
    if rule.per_member is not None:
        text += " · " + _("{n}/member").format(n=rule.per_member)
    return text


class CouponsTab(ListTab):
    """The coupons: shared codes and the single-use codes of batches."""

    TAB_ID: ClassVar[str] = COUPONS
    TABLE_ID: ClassVar[str] = "coupons"
    KEYS: ClassVar[frozenset[str]] = frozenset({"new_coupon", "new_batch", "show_coupon"})

    @staticmethod
    def title() -> str:
        return _("Coupons")

    def columns(self) -> tuple[str, ...]:
        return (_("Code"), _("Gives"), _("Min. spend"), _("Valid"), _("Uses"))

    def load(self, select: str | None = None) -> None:
        """Read the coupons off the event loop (a batch may have made thousands)."""
        self.db.run(
            "coupons",
            lambda: list_coupons(self.ctx),
            lambda views: self._show_coupons(views, select),
            latest=True,
            notice=False,
        )

    def _show_coupons(self, views: list[CouponView], select: str | None) -> None:
        currency = self.ctx.rules().currency
        rows: list[Row] = []
        # The newest first; a table of tens of thousands of codes would only slow the screen.
        for view in views[:COUPON_ROWS]:
            rule = view.coupon
            rows.append(
                (
                    view.code,
                    [
                        Text(view.code),
                        Text(view.label.removesuffix(" " + rule.code)),
                        Text(
                            format_money(rule.min_spend_cents, currency)
                            if rule.min_spend_cents
                            else "–",
                            justify="right",
                        ),
                        Text(coupon_validity(view)),
                        Text(coupon_uses(view), justify="right"),
                    ],
                )
            )
        self.fill(
            rows, _("No coupons yet: F4 creates a shared code, F5 a batch of single-use codes.")
        )
        if len(views) > COUPON_ROWS:
            note = self.query_one(f"#{self.TABLE_ID}-empty", Static)
            note.update(
                ngettext(
                    "The newest {shown} of {count} coupon (all of them: loyalty coupon list)",
                    "The newest {shown} of {count} coupons (all of them: loyalty coupon list)",
                    len(views),
                ).format(shown=format_points(COUPON_ROWS), count=format_points(len(views)))
            )
            note.display = True
        self.screen.refresh_bindings()
        if select is not None:
            self.select(select)

    def new_coupon(self) -> None:
        """F4: one shared code."""
        self.app.push_screen(CouponDialog(self.ctx), self._coupons_created)

    def new_batch(self) -> None:
        """F5: a batch of single-use codes, printed to a PDF if wanted."""
        from app.domain.roles import Action
        from app.tui.screens.gate import require

        require(
            self,
            Action.COUPON_BATCH,
            lambda ctx: self.app.push_screen(CouponDialog(ctx, batch=True), self._coupons_created),
        )

    def _coupons_created(self, result: object) -> None:
        if isinstance(result, CouponView):
            self.load(select=result.code)
            self.say(_("Coupon created: {code}").format(code=result.code), "success")
        elif isinstance(result, BatchResult):
            text = ngettext(
                "{count} single-use code created",
                "{count} single-use codes created",
                len(result.codes),
            ).format(count=len(result.codes))
            if result.destination:
                text += " · " + _("printable PDF: {path}").format(path=result.destination)
            self.say(text, "success")
            self.load(select=result.codes[0] if result.codes else None)

    def open_row(self) -> None:
        self.show()

    def show(self) -> None:
        """Enter on a coupon: what it gives, its limits and every use."""
        code = self.selected()
        if code is None:
            return
        try:
            view = show_coupon(self.ctx, code)
        except LoyaltyError as exc:
            self.say(exc.message, "error")
            return
        currency = self.ctx.rules().currency
        rule = view.coupon
        lines = [_("Gives: {what}").format(what=view.label.removesuffix(" " + rule.code))]
        if rule.min_spend_cents:
            lines.append(
                _("Minimum spend: {amount}").format(
                    amount=format_money(rule.min_spend_cents, currency)
                )
            )
        lines.append(_("Valid: {when}").format(when=coupon_validity(view)))
        lines.append(_("Uses: {uses}").format(uses=coupon_uses(view)))
        if rule.member_id is not None:
            lines.append(_("Only for member {id}").format(id=rule.member_id))
        if view.batch:
            lines.append(_("A single-use code of a batch"))
        self.app.push_screen(CouponDetails(view, lines, currency))
