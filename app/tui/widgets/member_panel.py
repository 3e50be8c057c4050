"""The member panel: who is at the till, their points and their recent sales."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from app.domain.feedback import is_detractor
from app.domain.profile import salutation_label
from app.i18n import _, format_day, format_money, format_points, ngettext
from app.services.member_offers import MemberOffers
from app.services.views import MemberView, SaleLine


def member_display_name(member: MemberView) -> str:
    """Salutation, first and last name, as the cashier greets the member."""
    parts = (salutation_label(member.salutation), member.first_name, member.last_name)
    return " ".join(p for p in parts if p)


def local_day(moment: datetime) -> str:
    """The day of a stored (UTC) moment as the shop sees it: in the till's time zone."""
    return format_day(moment.astimezone().date())


def _sale_line(sale: SaleLine, currency: str) -> Content:
    text = _("{when}  {amount}  +{earned} −{redeemed} pts").format(
        when=local_day(sale.created_at),
        amount=format_money(sale.amount_cents, currency),
        earned=format_points(sale.points_earned),
        redeemed=format_points(sale.points_redeemed),
    )
    line = Content(text)
    if sale.refunded_cents:
        refunded = _("refunded {amount}").format(amount=format_money(sale.refunded_cents, currency))
        line = Content.assemble(line, "  ", (refunded, "$text-warning"))
    return line


class MemberPanel(Vertical):
    """Shows the member set by the screen, or a welcome (with demo cards) when nobody is."""

    member: reactive[MemberView | None] = reactive(None)
    offers: reactive[MemberOffers | None] = reactive(None)
    """The member's coupons and stamp cards, read by the screen after the scan."""

    def __init__(
        self,
        *,
        currency: str,
        demo_cards: list[tuple[str, str]] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.currency = currency
        self.demo_cards = list(demo_cards or [])

    def compose(self) -> ComposeResult:
        yield Static(id="member-name", markup=False)
        yield Static(id="member-details")
        yield Static(id="member-program")
        yield Static(id="member-coupons")
        yield Static(id="member-sales")
        yield Static(self._welcome(), id="member-welcome")

    def on_mount(self) -> None:
        self.border_title = _("Member")

    def _welcome(self) -> Content:
        parts: list[Content | str | tuple[str, str]] = [
            _("Scan a member card, or type a name, an email or a phone number and press Enter.")
        ]
        if self.demo_cards:
            parts += ["\n\n", (_("Demo cards to try:"), "bold")]
            for card, name in self.demo_cards[:4]:
                parts += ["\n", (card, "$accent"), "  ", name]
        return Content.assemble(*parts)

    def watch_member(self, member: MemberView | None) -> None:
        name = self.query_one("#member-name", Static)
        details = self.query_one("#member-details", Static)
        sales = self.query_one("#member-sales", Static)
        # Display flags rather than a CSS class: a class change restyles the whole panel,
        # and this runs on every scan.
        self.query_one("#member-welcome").display = member is None
        program = self.query_one("#member-program", Static)
        for part in (name, details, sales):
            part.display = member is not None
        if member is None:
            name.update("")
            details.update("")
            sales.update("")
            program.display = False
            self.watch_offers(self.offers)
            return
        name.update(member_display_name(member))
        details.update(self._details(member))
        sales.update(self._sales(member))
        lines = self._program(member)
        # Without tiers, birthday gift or expiry the panel looks as it always did.
        program.display = bool(lines)
        program.update(Content("\n").join(lines) if lines else "")
        self.watch_offers(self.offers)

    def _program(self, member: MemberView) -> list[Content]:
        """Tier and progress, the birthday banner, points expiring soon."""
        lines: list[Content] = []
        if member.tier or member.next_tier:
            tier = member.tier or _("No tier yet")
            parts: list[Content | str | tuple[str, str]] = [(tier, "bold $accent")]
            if member.next_tier and member.to_next_tier_cents is not None:
                parts += [
                    " · ",
                    _("{amount} to {tier}").format(
                        amount=format_money(member.to_next_tier_cents, self.currency),
                        tier=member.next_tier,
                    ),
                ]
            lines.append(Content.assemble(*parts))
        if member.birthday_points:
            lines.append(
                Content.styled(
                    ngettext(
                        "Happy birthday! +{points} point with this purchase",
                        "Happy birthday! +{points} points with this purchase",
                        member.birthday_points,
                    ).format(points=format_points(member.birthday_points)),
                    "bold $warning",
                )
            )
        if member.points_expiring:
            lines.append(
                Content.styled(
                    ngettext(
                        "{points} point expires by {date}",
                        "{points} points expire by {date}",
                        member.points_expiring,
                    ).format(
                        points=format_points(member.points_expiring),
                        date=format_day(member.points_expiring_by),
                    ),
                    "$text-warning",
                )
            )
        return lines

    def watch_offers(self, offers: MemberOffers | None) -> None:
        line = self.query_one("#member-coupons", Static)
        member = self.member
        if member is None or offers is None or offers.member_id != member.member_id:
            line.display = False
            line.update("")
            return
        parts: list[Content | str | tuple[str, str]] = []
        for card in offers.stamps:
            if parts:
                parts.append("\n")
            parts.append(
                (_("Stamps: {card}").format(card=card.label), "bold $warning" if card.full else "")
            )
        if offers.coupons:
            if parts:
                parts.append("\n")
            parts.append(_("Coupons: {coupons}").format(coupons=" · ".join(offers.coupon_labels)))
        if offers.feedback is not None:
            if parts:
                parts.append("\n")
            score = offers.feedback.score
            parts.append(
                (
                    _("Last feedback: {score}/10 on {day}").format(
                        score=score, day=local_day(offers.feedback.created_at)
                    ),
                    "$text-error" if is_detractor(score) else "",
                )
            )
        line.display = bool(parts)
        line.update(Content.assemble(*parts) if parts else Content(""))

    def _details(self, member: MemberView) -> Content:
        last_visit = local_day(member.last_visit) if member.last_visit else "—"
        return Content.assemble(
            (
                ngettext(
                    "{points} point = {value}", "{points} points = {value}", member.points
                ).format(
                    points=format_points(member.points),
                    value=format_money(member.points_value_cents, self.currency),
                ),
                "bold $success",
            ),
            "\n",
            _("Card: {card}").format(card=member.card or "—"),
            "\n",
            _("Member since: {date}").format(date=local_day(member.member_since)),
            "\n",
            _("Last visit: {date}").format(date=last_visit),
        )

    def _sales(self, member: MemberView) -> Content:
        if not member.recent_sales:
            return Content.styled(_("No sales yet"), "dim")
        lines: list[Content | str | tuple[str, str]] = [(_("Recent sales"), "bold")]
        for sale in member.recent_sales:
            lines += ["\n", _sale_line(sale, self.currency)]
        return Content.assemble(*lines)
