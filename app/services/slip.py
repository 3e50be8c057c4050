"""The customer's slip: after a sale, what the member earned, has and can still get (README
"The customer's slip").

``printer.slip``: ``off`` (the default: only Ctrl+B at the counter prints one), ``ask`` (the
sale's message offers Ctrl+B) or ``always`` (printed after every confirmed sale). The slip is
in the till's language and read fresh after the sale, so the balance is the one saved.
"""

from __future__ import annotations

from app.domain.coupons import coupon_label
from app.i18n import _, format_day, format_money, format_points, format_timestamp, ngettext
from app.services.context import Context
from app.services.lookup import get_member
from app.services.member_desk import member_id_for_card
from app.services.member_offers import member_offers
from app.services.views import MemberView, SaleResult

SLIP_MODES = ("off", "ask", "always")


def slip_mode(ctx: Context) -> str:
    """How the counter offers the slip: off, ask or always."""
    mode = str(ctx.settings().get("printer.slip") or "off")
    return mode if mode in SLIP_MODES else "off"


def _line(label: str, value: str, width: int) -> str:
    room = max(1, width - len(value) - 1)
    name = label if len(label) <= room else label[: room - 1] + "…"
    return f"{name.ljust(room)} {value}"


def _signed(points: int) -> str:
    return ("+" if points > 0 else "") + format_points(points)


def slip_lines(
    sale: SaleResult,
    member: MemberView,
    coupons: tuple[str, ...],
    *,
    shop: str,
    currency: str,
    width: int = 42,
) -> list[str]:
    """The slip's text lines, each at most ``width`` characters."""
    lines = [shop[:width], ""]
    lines.append(_("Thank you, {name}!").format(name=member.first_name)[:width])
    lines.append(
        _line(format_timestamp(sale.created_at), format_money(sale.amount_cents, currency), width)
    )
    lines.append("")
    lines.append(_line(_("Points earned"), _signed(sale.points_earned), width))
    for rule in sale.applied:
        if rule.points:
            lines.append(_line("  " + rule.label, _signed(rule.points), width))
    if sale.points_redeemed:
        lines.append(
            _line(
                _("Points redeemed ({value})").format(
                    value=format_money(sale.redeem_value_cents, currency)
                ),
                _signed(-sale.points_redeemed),
                width,
            )
        )
    lines.append(_line(_("Your balance"), format_points(member.points), width))
    lines.append(_line(_("worth"), format_money(member.points_value_cents, currency), width))
    if member.points_expiring:
        lines.append(
            ngettext(
                "{points} point expires by {day}",
                "{points} points expire by {day}",
                member.points_expiring,
            ).format(
                points=format_points(member.points_expiring),
                day=format_day(member.points_expiring_by),
            )[:width]
        )
    if member.tier:
        lines.append(_line(_("Your tier"), member.tier, width))
    if member.next_tier and member.to_next_tier_cents is not None:
        lines.append(
            _("{money} more to {tier}").format(
                money=format_money(member.to_next_tier_cents, currency), tier=member.next_tier
            )[:width]
        )
    if coupons:
        lines += ["", _("Coupons for you:")]
        lines += [("  " + label)[:width] for label in coupons]
    lines += ["", _("Card {card}").format(card=member.card)]
    return lines


def print_slip(ctx: Context, sale: SaleResult) -> str:
    """Print the customer's slip of ``sale`` on the receipt printer; returns where it went."""
    from app.printing.escpos import send
    from app.printing.receipt import receipt_columns, text_job
    from app.services.cards import printer_config

    config = printer_config(ctx)
    if config.kind == "none":
        send(b"", config)  # raises the readable "no receipt printer is set up"
    member_id = member_id_for_card(ctx, sale.card, usable=False)
    member = get_member(ctx, member_id, recent=0)
    offers = member_offers(ctx, member_id)
    rules = ctx.rules()
    lines = slip_lines(
        sale,
        member,
        tuple(coupon_label(c, rules.currency) for c in offers.coupons),
        shop=str(ctx.settings().get("shop.name") or ""),
        currency=rules.currency,
        width=receipt_columns(config),
    )
    send(text_job(lines, config), config)
    return f"{config.kind}:{config.target}"
