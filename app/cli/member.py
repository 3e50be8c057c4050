"""`loyalty member`: enroll, show, find, edit, merge, export and erase one member."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from app.cli.common import (
    CliError,
    Subcommands,
    add_command,
    add_group,
    card_arg,
    emit,
    open_context,
    shop_currency,
)
from app.domain.text import quote_input
from app.i18n import _, format_day, format_money, format_points, format_timestamp, ngettext

if TYPE_CHECKING:
    from app.services.views import MemberView


def register(subcommands: Subcommands) -> None:
    """`loyalty member add|show|find|update|merge|export|erase`."""
    msub = add_group(
        subcommands, "member", _("enroll, show, find, edit, merge, export and erase members")
    )
    p = add_command(msub, "add", cmd_member_add, _("enroll a new member and issue a card"))
    p.add_argument("--first-name", required=True)
    p.add_argument("--last-name", required=True)
    p.add_argument("--salutation", choices=["ms", "mr", "mx"])
    p.add_argument("--email")
    p.add_argument("--phone")
    p.add_argument("--birthday", help="YYYY-MM-DD")
    p.add_argument("--postcode")
    p.add_argument("--consent", action="store_true", help=_("the member agreed to marketing"))
    p.add_argument(
        "--referred-by", metavar="CARD", help=_("card of the member who brought this one")
    )
    p.add_argument(
        "--allow-duplicate",
        action="store_true",
        help=_("enroll even when another member has the same email or phone"),
    )
    p = add_command(msub, "show", cmd_member_show, _("show the member of a card"))
    card_arg(p)
    p = add_command(msub, "find", cmd_member_find, _("find members by name, email or phone"))
    p.add_argument("text")
    p.add_argument("--limit", type=int, default=20)
    p = add_command(msub, "update", cmd_member_update, _("change a member's profile"))
    card_arg(p)
    p.add_argument("--first-name")
    p.add_argument("--last-name")
    p.add_argument("--salutation", help=_("ms, mr, mx or empty"))
    p.add_argument("--email", help=_("empty to remove"))
    p.add_argument("--phone", help=_("empty to remove"))
    p.add_argument("--birthday", help="YYYY-MM-DD")
    p.add_argument("--postcode")
    p.add_argument(
        "--consent",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=_("the member agreed to marketing (or withdrew with --no-consent)"),
    )
    p.add_argument("--notes")
    p.add_argument("--tier", help=_("tier name, empty to remove"))
    p = add_command(msub, "merge", cmd_member_merge, _("merge two members who are the same person"))
    p.add_argument("keep_card", metavar="KEEP_CARD", help=_("card of the member to keep"))
    p.add_argument("other_card", metavar="OTHER_CARD", help=_("card of the member merged in"))
    p = add_command(
        msub, "export", cmd_member_export, _("everything stored about a member, as JSON")
    )
    card_arg(p)
    p.add_argument("--out", metavar="FILE", help=_("write to FILE instead of the screen"))
    p = add_command(
        msub, "erase", cmd_member_erase, _("erase a member's personal data (keeps sales)")
    )
    card_arg(p)
    p.add_argument("--yes", action="store_true", help=_("confirm the erasure"))


def _member_lines(view: MemberView, currency: str) -> list[str]:
    from app.domain.profile import display_phone, salutation_label

    name = " ".join(
        p for p in (salutation_label(view.salutation), view.first_name, view.last_name) if p
    )
    lines = [
        f"{name}  ({view.card})",
        _("Points: {points} = {value}").format(
            points=format_points(view.points), value=format_money(view.points_value_cents, currency)
        ),
        _("Member since: {date}").format(date=format_day(view.member_since)),
        _("Last visit: {date}").format(date=format_day(view.last_visit)),
    ]
    for field, label in (("email", _("Email")), ("phone", _("Phone")), ("postcode", _("Postcode"))):
        value = display_phone(view.phone) if field == "phone" else getattr(view, field)
        if value:
            lines.append(f"{label}: {value}")
    if view.birthday:
        lines.append(_("Birthday: {date}").format(date=format_day(view.birthday)))
    if view.tier or view.next_tier:
        tier = _("Tier: {tier}").format(tier=view.tier or _("No tier yet"))
        if view.next_tier and view.to_next_tier_cents is not None:
            tier += " · " + _("{amount} to {tier}").format(
                amount=format_money(view.to_next_tier_cents, currency), tier=view.next_tier
            )
        lines.append(tier)
    if view.birthday_points:
        lines.append(
            ngettext(
                "Happy birthday! +{points} point with this purchase",
                "Happy birthday! +{points} points with this purchase",
                view.birthday_points,
            ).format(points=format_points(view.birthday_points))
        )
    if view.points_expiring:
        lines.append(
            ngettext(
                "{points} point expires by {date}",
                "{points} points expire by {date}",
                view.points_expiring,
            ).format(
                points=format_points(view.points_expiring),
                date=format_day(view.points_expiring_by),
            )
        )
    for sale in view.recent_sales:
        lines.append(
            "  "
            + _("Sale {id} {when}: {amount}, +{earned} / -{redeemed} points").format(
                id=sale.sale_id,
                when=format_timestamp(sale.created_at),
                amount=format_money(sale.amount_cents, currency),
                earned=sale.points_earned,
                redeemed=sale.points_redeemed,
            )
        )
    return lines


def cmd_member_add(args: argparse.Namespace) -> int:
    from app.domain.profile import MemberDraft
    from app.services.members import enroll_member

    ctx = open_context(args)
    view = enroll_member(
        ctx,
        MemberDraft(
            first_name=args.first_name,
            last_name=args.last_name,
            salutation=args.salutation or "",
            email=args.email or "",
            phone=args.phone or "",
            birthday=args.birthday or "",
            postcode=args.postcode or "",
            marketing_consent=args.consent,
        ),
        referred_by=args.referred_by,
        allow_duplicate=args.allow_duplicate,
    )
    emit(args, view.to_json(), [_("Enrolled:"), *_member_lines(view, shop_currency(ctx))])
    return 0


def cmd_member_show(args: argparse.Namespace) -> int:
    from app.services.lookup import lookup_card

    ctx = open_context(args)
    view = lookup_card(ctx, args.card)
    emit(args, view.to_json(), _member_lines(view, shop_currency(ctx)))
    return 0


def cmd_member_find(args: argparse.Namespace) -> int:
    from app.domain.profile import display_phone
    from app.services.search import find_members

    if not 1 <= args.limit <= 1000:
        # A negative LIMIT means "no limit" to SQLite and slices from the end in Python.
        raise CliError(_("--limit takes a number from 1 to 1000"))
    found = find_members(open_context(args), args.text, limit=args.limit)
    lines = [
        f"{m.card or '—':13}  {m.last_name}, {m.first_name}  {m.email or ''}  "
        f"{display_phone(m.phone)}".rstrip()
        for m in found
    ] or [_("No member found")]
    emit(args, {"members": [m.to_json() for m in found], "count": len(found)}, lines)
    return 0


_PROFILE_OPTIONS = (
    "first_name",
    "last_name",
    "salutation",
    "email",
    "phone",
    "birthday",
    "postcode",
    "notes",
    "tier",
)


def cmd_member_update(args: argparse.Namespace) -> int:
    from app.services.member_desk import member_id_for_card, update_member

    changes: dict[str, Any] = {
        key: getattr(args, key) for key in _PROFILE_OPTIONS if getattr(args, key) is not None
    }
    if args.consent is not None:
        changes["marketing_consent"] = args.consent
    if not changes:
        raise CliError(_("Nothing to change: give at least one field, e.g. --email"))
    ctx = open_context(args)
    view = update_member(ctx, member_id_for_card(ctx, args.card), changes)
    emit(args, view.to_json(), [_("Updated:"), *_member_lines(view, shop_currency(ctx))])
    return 0


def cmd_member_merge(args: argparse.Namespace) -> int:
    from app.services.merge import merge_members

    result = merge_members(open_context(args), args.keep_card, args.other_card)
    lines = [
        _("Merged member {other} into member {kept} (card {card})").format(
            other=result.merged_member_id, kept=result.kept_member_id, card=result.kept_card
        ),
        _("Blocked cards: {cards}").format(cards=", ".join(result.blocked_cards) or "—"),
        _("Points moved: {points}, new balance: {balance}").format(
            points=format_points(result.points_moved),
            balance=format_points(result.points_balance),
        ),
    ]
    emit(args, result.to_json(), lines)
    return 0


def cmd_member_export(args: argparse.Namespace) -> int:
    from app.services.privacy import export_member_data

    data = export_member_data(open_context(args), args.card)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if not args.out:
        print(text)
        return 0
    _write_text(args.out, text + "\n")
    emit(
        args,
        {"file": args.out, "member_id": data["member"]["id"]},
        [_("Wrote the member's data to {path}").format(path=args.out)],
    )
    return 0


def _write_text(path: str, text: str) -> None:
    from pathlib import Path

    from app.files import write_atomically

    try:
        # Personal data: readable by its owner only, and never left half written (or as a
        # temporary file) by a killed export.
        write_atomically(Path(path), text.encode("utf-8"), mode=0o600)
    except OSError as exc:
        raise CliError(
            _("Cannot write {path}: {reason}").format(path=path, reason=exc.strerror)
        ) from None


def cmd_member_erase(args: argparse.Namespace) -> int:
    from app.services.privacy import erase_member

    if not args.yes:
        raise CliError(
            _(
                "Erasing cannot be undone: run again with --yes to erase the member of card {card}"
            ).format(card=quote_input(args.card))
        )
    result = erase_member(open_context(args), args.card)
    lines = [
        _("Member {id} erased: personal data removed, cards blocked: {cards}").format(
            id=result.member_id, cards=", ".join(result.blocked_cards) or "—"
        ),
        _("Kept for the accounts: {sales} sales, {entries} ledger entries").format(
            sales=result.sales_kept, entries=result.ledger_entries_kept
        ),
    ]
    emit(args, result.to_json(), lines)
    return 0
