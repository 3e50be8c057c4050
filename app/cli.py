"""The `loyalty` command: the counter (TUI) and a scriptable interface with JSON output.

Every command takes ``--db`` and ``--json``. Errors are one human line on stderr and a
non-zero exit; nothing is changed when a command fails.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from app.domain.errors import LoyaltyError
from app.domain.money import REFUND_TYPING_LIMIT_CENTS
from app.i18n import _, format_day, format_money, format_points, format_timestamp, set_language

EXIT_ERROR = 1
EXIT_CHECK_FAILED = 2


class CliError(LoyaltyError):
    """A usage problem found by the CLI itself."""


def _emit(args: argparse.Namespace, data: dict[str, Any], lines: Sequence[str]) -> None:
    if args.json:
        print(json.dumps(data, ensure_ascii=False, default=str))
    else:
        for line in lines:
            print(line)


def _context(args: argparse.Namespace, *, demo: bool = False) -> Any:
    from app.config import load_config
    from app.services.context import Context
    from app.store.database import Database

    if args.db is not None and not args.db.strip():
        # `--db "$UNSET"` in a script must not quietly open the shop's default database.
        raise CliError(_("Give the database a file path"))
    config = load_config(args.db, demo=demo)
    ctx = Context(Database(config.db), actor=config.actor)
    ctx.till = config.till if config.till is not None else int(ctx.settings()["shop.till"])
    return ctx


def _member_lines(view: Any, currency: str) -> list[str]:
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
            _("Happy birthday! +{points} points with this purchase").format(
                points=format_points(view.birthday_points)
            )
        )
    if view.points_expiring:
        lines.append(
            _("{points} points expire by {date}").format(
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


def _currency(ctx: Any) -> str:
    """The shop's currency setting: amounts are shown in it, not always in euros."""
    return ctx.rules().currency


def _member_json(view: Any) -> dict[str, Any]:
    return view.to_json()


# --- commands -----------------------------------------------------------------------------


def cmd_tui(args: argparse.Namespace) -> int:
    ctx = _context(args)
    from app.tui.app import LoyaltyApp

    LoyaltyApp(ctx).run()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from app.services.demo import DEMO_COUPON, demo_coupon_hint, seed_demo

    ctx = _context(args, demo=True)
    cards = seed_demo(ctx, members=args.members)
    data = {"db": ctx.db.display_name, "cards": [{"card": c, "name": n} for c, n in cards]}
    lines = [_("Demo database: {path}").format(path=ctx.db.display_name), _("Demo cards to scan:")]
    lines += [f"  {card}  {name}" for card, name in cards]
    lines.append(demo_coupon_hint(ctx))
    data["coupon"] = DEMO_COUPON
    _emit(args, data, lines)
    if args.no_open or args.json:
        return 0
    from app.tui.app import LoyaltyApp

    LoyaltyApp(ctx, demo_cards=cards).run()
    return 0


def cmd_member_add(args: argparse.Namespace) -> int:
    from app.domain.profile import MemberDraft
    from app.services.members import enroll_member

    ctx = _context(args)
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
    )
    _emit(args, _member_json(view), [_("Enrolled:"), *_member_lines(view, _currency(ctx))])
    return 0


def cmd_member_show(args: argparse.Namespace) -> int:
    from app.services.lookup import lookup_card

    ctx = _context(args)
    view = lookup_card(ctx, args.card)
    _emit(args, _member_json(view), _member_lines(view, _currency(ctx)))
    return 0


def cmd_member_find(args: argparse.Namespace) -> int:
    from app.domain.profile import display_phone
    from app.services.search import find_members

    if not 1 <= args.limit <= 1000:
        # A negative LIMIT means "no limit" to SQLite and slices from the end in Python.
        raise CliError(_("--limit takes a number from 1 to 1000"))
    found = find_members(_context(args), args.text, limit=args.limit)
    lines = [
        f"{m.card or '—':13}  {m.last_name}, {m.first_name}  {m.email or ''}  "
        f"{display_phone(m.phone)}".rstrip()
        for m in found
    ] or [_("No member found")]
    _emit(args, {"members": [m.to_json() for m in found], "count": len(found)}, lines)
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
    ctx = _context(args)
    view = update_member(ctx, member_id_for_card(ctx, args.card), changes)
    _emit(args, _member_json(view), [_("Updated:"), *_member_lines(view, _currency(ctx))])
    return 0


def cmd_member_merge(args: argparse.Namespace) -> int:
    from app.services.merge import merge_members

    result = merge_members(_context(args), args.keep_card, args.other_card)
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
    _emit(args, result.to_json(), lines)
    return 0


def cmd_member_export(args: argparse.Namespace) -> int:
    from app.services.privacy import export_member_data

    data = export_member_data(_context(args), args.card)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if not args.out:
        print(text)
        return 0
    _write_text(args.out, text + "\n")
    _emit(
        args,
        {"file": args.out, "member_id": data["member"]["id"]},
        [_("Wrote the member's data to {path}").format(path=args.out)],
    )
    return 0


def _write_text(path: str, text: str) -> None:
    from pathlib import Path

    try:
        Path(path).write_text(text, encoding="utf-8")
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
            ).format(card=args.card)
        )
    result = erase_member(_context(args), args.card)
    lines = [
        _("Member {id} erased: personal data removed, cards blocked: {cards}").format(
            id=result.member_id, cards=", ".join(result.blocked_cards) or "—"
        ),
        _("Kept for the accounts: {sales} sales, {entries} ledger entries").format(
            sales=result.sales_kept, entries=result.ledger_entries_kept
        ),
    ]
    _emit(args, result.to_json(), lines)
    return 0


def cmd_members_list(args: argparse.Namespace) -> int:
    from app.services.member_desk import list_members

    after = None
    if args.after:
        try:
            after = json.loads(args.after)
        except json.JSONDecodeError:
            after = None
        if not isinstance(after, list):
            raise CliError(_("--after takes the next_key of the previous page, as JSON"))
    page = list_members(
        _context(args), args.text or "", sort=args.sort, after_key=after, limit=args.limit
    )
    lines = [
        f"{m.card or '—':13}  {m.last_name}, {m.first_name}  {format_points(m.points)}"
        for m in page.members
    ] or [_("No member found")]
    if page.next_key is not None:
        lines.append(
            _("More: --after '{key}'").format(
                key=json.dumps(list(page.next_key), ensure_ascii=False)
            )
        )
    _emit(args, page.to_json(), lines)
    return 0


def cmd_members_export(args: argparse.Namespace) -> int:
    from app.services.member_io import export_members_csv

    count = export_members_csv(_context(args), args.file)
    _emit(
        args,
        {"file": args.file, "members": count},
        [_("Exported {count} members to {path}").format(count=count, path=args.file)],
    )
    return 0


def cmd_members_import(args: argparse.Namespace) -> int:
    from app.services.member_io import import_members_csv

    report = import_members_csv(
        _context(args), args.file, dry_run=args.dry_run, skip_invalid=args.skip_invalid
    )
    delimiter = {"\t": "tab"}.get(report.delimiter, report.delimiter)
    lines = [
        _("File: {path} ({format}, {encoding}, separator “{sep}”), {rows} rows").format(
            path=report.file,
            format=report.format,
            encoding=report.encoding,
            sep=delimiter,
            rows=report.rows,
        )
    ]
    lines += [
        _("Line {line}: invalid: {reason}").format(line=i.line, reason=i.reason)
        for i in report.invalid
    ]
    lines += [
        _("Line {line}: duplicate, skipped: {reason}").format(line=d.line, reason=d.reason)
        for d in report.duplicates
    ]
    if not report.refused:
        template = (
            _("Dry run: would import {count} members ({cards} new cards, {points} points)")
            if report.dry_run
            else _("Imported {count} members ({cards} new cards, {points} points)")
        )
        lines.append(
            template.format(
                count=report.imported,
                cards=report.new_cards,
                points=format_points(report.points),
            )
        )
    _emit(args, report.to_json(), lines)
    if report.refused:
        raise CliError(
            _(
                "{count} invalid rows: nothing imported "
                "(fix them, or use --skip-invalid to import the valid rows)"
            ).format(count=len(report.invalid))
        )
    return 0


def cmd_card_print(args: argparse.Namespace) -> int:
    from app.services.cards import print_card, print_new_cards

    if args.all_new == bool(args.card):
        raise CliError(_("Give a card number, or --all-new for every card not printed yet"))
    ctx = _context(args)
    if args.all_new:
        result = print_new_cards(ctx, args.format, args.out, limit=args.limit)
    else:
        result = print_card(ctx, args.card, args.format, args.out)
    if not result.cards:
        lines = [_("No cards waiting to be printed")]
    elif len(result.cards) == 1:
        lines = [
            _("Printed card {card} ({format}) to {destination}").format(
                card=result.cards[0], format=result.format, destination=result.destination
            )
        ]
    else:
        lines = [
            _("Printed {count} cards ({format}) to {destination}").format(
                count=len(result.cards), format=result.format, destination=result.destination
            )
        ]
    _emit(args, result.to_json(), lines)
    return 0


def cmd_card_replace(args: argparse.Namespace) -> int:
    from app.services.cards import replace_card

    result = replace_card(_context(args), args.card)
    lines = [
        _("Card {old} replaced by card {new}").format(old=result.old_card, new=result.new_card),
        _("The old card is blocked; points and history stay with the member."),
    ]
    _emit(args, result.to_json(), lines)
    return 0


def _amount(ctx: Any, text: str) -> int:
    from app.domain.money import parse_amount

    rules = ctx.rules()
    return parse_amount(text, max_cents=rules.max_sale_cents, currency=rules.currency)


def cmd_sale(args: argparse.Namespace) -> int:
    from app.services.checkout import checkout

    ctx = _context(args)
    if args.redeem is not None and args.redeem < 0:
        raise CliError(_("Points cannot be negative"))
    result = checkout(
        ctx,
        args.card,
        _amount(ctx, args.amount),
        redeem_points=args.redeem or 0,
        coupon=args.coupon,
    )
    currency = _currency(ctx)
    lines = [
        _("Sale {id}: {amount}").format(
            id=result.sale_id, amount=format_money(result.amount_cents, currency)
        ),
    ]
    lines += [
        _("Coupon: {label}").format(label=rule.label)
        for rule in result.applied
        if rule.code == "coupon"
    ]
    if result.discount_cents:
        lines.append(
            _("Discount: -{amount}").format(amount=format_money(result.discount_cents, currency))
        )
    lines += [
        _("Points redeemed: {points} (-{value})").format(
            points=format_points(result.points_redeemed),
            value=format_money(result.redeem_value_cents, currency),
        ),
        _("To pay: {amount}").format(amount=format_money(result.to_pay_cents, currency)),
        _("Points earned: {points}").format(points=format_points(result.points_earned)),
        _("New balance: {points}").format(points=format_points(result.points_balance)),
    ]
    if any(rule.code != "base" for rule in result.applied):
        # Like the till: the base points alone are the "Points earned" line already.
        from app.domain.rules import applied_summary

        lines.append(_("Rules: {rules}").format(rules=applied_summary(result.applied, currency)))
    if result.points_expired:
        lines.append(
            _("{points} expired points were written off first").format(
                points=format_points(result.points_expired)
            )
        )
    _emit(args, {**result.to_json(), "points_balance": result.points_balance}, lines)
    return 0


def cmd_refund(args: argparse.Namespace) -> int:
    from app.domain.money import parse_amount
    from app.services.refunds import refund_sale

    ctx = _context(args)
    # Not bounded by today's maximum sale: a sale made before the owner lowered it must still
    # be refundable in part. The service refuses anything beyond what is left of the sale.
    amount = (
        parse_amount(
            args.amount,
            max_cents=REFUND_TYPING_LIMIT_CENTS,
            currency=ctx.rules().currency,
        )
        if args.amount is not None
        else None
    )
    result = refund_sale(ctx, args.sale_id, amount)
    currency = _currency(ctx)
    lines = [
        _("Refund {id} of sale {sale}: {amount}").format(
            id=result.refund_id,
            sale=result.sale_id,
            amount=format_money(result.amount_cents, currency),
        ),
        _("Money back: {amount}").format(amount=format_money(result.money_back_cents, currency)),
        _("Points taken back: {points}, points given back: {returned}").format(
            points=format_points(result.points_reversed),
            returned=format_points(result.points_returned),
        ),
        _("New balance: {points}").format(points=format_points(result.points_balance)),
    ]
    if result.points_not_recovered:
        lines.append(
            _("{points} earned points were already spent and could not be taken back").format(
                points=format_points(result.points_not_recovered)
            )
        )
    for code in result.coupons_returned:
        lines.append(_("Coupon {code} can be used again").format(code=code))
    _emit(args, result.to_json(), lines)
    return 0


def cmd_adjust(args: argparse.Namespace) -> int:
    from app.services.adjustments import adjust_points

    result = adjust_points(_context(args), args.card, args.points, args.reason)
    lines = [
        _("Adjusted {card} by {points} points ({reason})").format(
            card=result.card, points=f"{result.points:+d}", reason=result.reason
        ),
        _("New balance: {points}").format(points=format_points(result.points_balance)),
    ]
    _emit(args, result.to_json(), lines)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from app.services.health import check_database

    report = check_database(_context(args))
    lines = [
        _("Members: {n}, ledger entries: {e}").format(n=report.members, e=report.ledger_entries),
        _("Database integrity: {result}").format(result=report.integrity),
    ]
    lines += [
        _("Member {id}: cached balance {cached} but ledger sum {ledger}").format(
            id=m.member_id, cached=m.cached, ledger=m.ledger
        )
        for m in report.mismatches
    ]
    lines.append(_("Everything is consistent") if report.ok else _("PROBLEMS FOUND"))
    _emit(args, report.to_json(), lines)
    return 0 if report.ok else EXIT_CHECK_FAILED


def _day(text: str | None, option: str) -> Any:
    from datetime import date

    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CliError(
            _("{option}: “{text}” is not a date: use YYYY-MM-DD").format(option=option, text=text)
        ) from None


def _coupon_rule(ctx: Any, args: argparse.Namespace, code: str) -> Any:
    """The coupon rule from the command line (exactly one of --percent/--amount/--points/--item)."""
    from app.domain.coupons import Coupon
    from app.domain.money import parse_amount

    currency = _currency(ctx)
    given = [k for k in ("percent", "amount", "points", "item") if getattr(args, k) is not None]
    if len(given) != 1:
        raise CliError(_("Give exactly one of --percent, --amount, --points or --item"))
    kind = given[0]
    value = 0
    if kind == "percent" or kind == "points":
        value = getattr(args, kind)
    elif kind == "amount":
        value = parse_amount(args.amount, max_cents=ctx.rules().max_sale_cents, currency=currency)
    min_spend = (
        parse_amount(
            args.min_spend,
            max_cents=ctx.rules().max_sale_cents,
            allow_zero=True,
            currency=currency,
        )
        if args.min_spend is not None
        else 0
    )
    return Coupon(
        code=code,
        kind=kind,
        value=value,
        item=(args.item or "").strip(),
        min_spend_cents=min_spend,
        valid_from=_day(args.valid_from, "--valid-from"),
        valid_until=_day(args.valid_until, "--valid-until"),
        max_uses=getattr(args, "max_uses", None),
        per_member=getattr(args, "per_member", None),
    )


def _coupon_line(view: Any, currency: str) -> str:
    rule = view.coupon
    parts = [view.label.removesuffix(" " + rule.code)]
    if rule.min_spend_cents:
        parts.append(_("from {amount}").format(amount=format_money(rule.min_spend_cents, currency)))
    if rule.valid_from:
        parts.append(_("valid from {day}").format(day=format_day(rule.valid_from)))
    if rule.valid_until:
        parts.append(_("valid until {day}").format(day=format_day(rule.valid_until)))
    if rule.max_uses is not None:
        parts.append(_("used {uses} of {max}").format(uses=view.uses, max=rule.max_uses))
    else:
        parts.append(_("uses: {n}").format(n=view.uses))
    if rule.per_member is not None:
        parts.append(_("{n} per member").format(n=rule.per_member))
    if rule.member_id is not None:
        parts.append(_("only member {id}").format(id=rule.member_id))
    return f"{rule.code}: " + " · ".join(parts)


def cmd_coupon_create(args: argparse.Namespace) -> int:
    from app.services.coupons import create_coupon

    ctx = _context(args)
    view = create_coupon(ctx, _coupon_rule(ctx, args, args.code), card=args.card)
    line = _("Coupon created: {line}").format(line=_coupon_line(view, _currency(ctx)))
    _emit(args, view.to_json(), [line])
    return 0


def cmd_coupon_batch(args: argparse.Namespace) -> int:
    from app.services.coupons import create_batch

    ctx = _context(args)
    if args.format is not None and args.out is None:
        raise CliError(_("Give the file or folder to print the coupons to (--out)"))
    fmt = args.format or ("pdf" if args.out is not None else None)
    result = create_batch(
        ctx,
        args.count,
        _coupon_rule(ctx, args, "BATCH"),
        prefix=args.prefix or "",
        fmt=fmt,
        out=args.out,
    )
    lines = [_("{count} single-use codes created").format(count=len(result.codes))]
    lines += [f"  {code}" for code in result.codes]
    if result.destination:
        lines.append(
            _("Printed ({format}) to {destination}").format(
                format=result.format, destination=result.destination
            )
        )
    _emit(args, result.to_json(), lines)
    return 0


def cmd_coupon_list(args: argparse.Namespace) -> int:
    from app.services.coupons import list_coupons

    ctx = _context(args)
    views = list_coupons(ctx)
    currency = _currency(ctx)
    lines = [_coupon_line(v, currency) for v in views] or [_("No coupons yet")]
    _emit(args, {"coupons": [v.to_json() for v in views]}, lines)
    return 0


def cmd_coupon_show(args: argparse.Namespace) -> int:
    from datetime import datetime

    from app.services.coupons import show_coupon

    ctx = _context(args)
    view = show_coupon(ctx, args.code)
    currency = _currency(ctx)
    lines = [_coupon_line(view, currency)]
    for r in view.redemptions:
        line = _("  Sale {sale} by member {member}, store {store} till {till}, {when}").format(
            sale=r["sale_id"],
            member=r["member_id"],
            store=r["store_code"],
            till=r["till"],
            when=format_timestamp(datetime.fromisoformat(r["created_at"])),
        )
        if r["undone_at"]:
            line += " " + _("(undone by a full refund)")
        lines.append(line)
    _emit(args, view.to_json(), lines)
    return 0


def _program_line(program: Any) -> str:
    return _("{name}: {stamps} stamps give {reward}").format(
        name=program.name, stamps=program.stamps, reward=program.reward
    )


def cmd_stamps_add(args: argparse.Namespace) -> int:
    from app.services.stamps import add_program

    program = add_program(_context(args), args.name, args.stamps, args.reward)
    line = _("Stamp program added: {line}").format(line=_program_line(program))
    _emit(args, program.to_json(), [line])
    return 0


def cmd_stamps_list(args: argparse.Namespace) -> int:
    from app.services.stamps import list_programs

    programs = list_programs(_context(args))
    lines = [_program_line(p) for p in programs] or [_("No stamp programs yet")]
    _emit(args, {"programs": [p.to_json() for p in programs]}, lines)
    return 0


def cmd_stamps_remove(args: argparse.Namespace) -> int:
    from app.services.stamps import remove_program

    program = remove_program(_context(args), args.name)
    line = _("Stamp program {name} removed; the stamps given stay in the history").format(
        name=program.name
    )
    _emit(args, program.to_json(), [line])
    return 0


def cmd_stamps_give(args: argparse.Namespace) -> int:
    from app.services.stamps import stamp_by_card

    card = stamp_by_card(_context(args), args.card, args.program)
    line = _("Stamp added: {card}").format(card=card.label)
    _emit(args, _stamp_card_json(card), [line])
    return 0


def cmd_stamps_card(args: argparse.Namespace) -> int:
    from app.services.stamps import member_stamp_cards

    cards = member_stamp_cards(_context(args), args.card)
    lines = [c.label for c in cards] or [_("No stamp programs yet")]
    _emit(args, {"cards": [_stamp_card_json(c) for c in cards]}, lines)
    return 0


def _stamp_card_json(card: Any) -> dict[str, Any]:
    return {
        "program": card.name,
        "stamps": min(card.stamps, card.stamps_needed),
        "needed": card.stamps_needed,
        "reward": card.reward,
        "full": card.full,
    }


def cmd_settings_list(args: argparse.Namespace) -> int:
    ctx = _context(args)
    values = ctx.settings()
    _emit(
        args,
        {"settings": values},
        [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in values.items()],
    )
    return 0


def cmd_settings_set(args: argparse.Namespace) -> int:
    from app.services.settings import write_setting

    ctx = _context(args)
    try:
        value: Any = json.loads(args.value)
    except json.JSONDecodeError:
        value = args.value
    stored = write_setting(ctx.db, args.key, value, ctx.now(), actor=ctx.actor, till=ctx.till)
    _emit(
        args,
        {"key": args.key, "value": stored},
        [f"{args.key} = {json.dumps(stored, ensure_ascii=False)}"],
    )
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from app.services.sync import init_shop

    ctx = _context(args)
    result = init_shop(ctx, args.store, args.till, args.sync_dir, args.secret_file)
    lines = [
        _("Store {store}, till {till}").format(store=result.store, till=result.till),
        _("Sync folder: {path}").format(path=result.sync_dir or _("none")),
        _("Chain secret file: {path}").format(path=result.secret_file or _("none")),
    ]
    if result.secret_created:
        lines.append(
            _("A new chain secret was written: copy this file to every shop of the chain.")
        )
    _emit(args, result.to_json(), lines)
    return 0


def cmd_sync_export(args: argparse.Namespace) -> int:
    from app.services.sync import export_events

    report = export_events(_context(args), args.dir)
    lines = [_("{count} events exported").format(count=report.events)]
    lines += [f"  {name}" for name in report.files]
    _emit(args, report.to_json(), lines)
    return 0


def _tier_json(tier: Any) -> dict[str, Any]:
    from app.domain.program import format_multiplier

    return {**tier.to_json(), "multiplier_text": format_multiplier(tier.multiplier)}


def _tier_line(tier: Any, currency: str) -> str:
    from app.domain.program import format_multiplier

    line = _("{name}: from {spend}, points {multiplier}").format(
        name=tier.name,
        spend=format_money(tier.min_spend_cents, currency),
        multiplier=format_multiplier(tier.multiplier),
    )
    if tier.discount_percent:
        line += ", " + _("{percent}% member discount").format(percent=tier.discount_percent)
    return line


def cmd_tier_add(args: argparse.Namespace) -> int:
    from app.domain.money import parse_amount
    from app.domain.program import parse_multiplier, parse_percent
    from app.services.program_rules import add_tier

    ctx = _context(args)
    currency = _currency(ctx)
    spend = parse_amount(
        args.min_spend, max_cents=REFUND_TYPING_LIMIT_CENTS, allow_zero=True, currency=currency
    )
    tier = add_tier(
        ctx,
        args.name,
        spend,
        parse_multiplier(args.multiplier),
        parse_percent(args.discount_percent) if args.discount_percent is not None else 0,
    )
    _emit(args, _tier_json(tier), [_("Tier saved: {line}").format(line=_tier_line(tier, currency))])
    return 0


def cmd_tier_list(args: argparse.Namespace) -> int:
    from app.services.program_rules import list_tiers

    ctx = _context(args)
    tiers = list_tiers(ctx)
    lines = [_tier_line(t, _currency(ctx)) for t in tiers] or [_("No tiers set up")]
    lines.append(
        _("Qualifying spend: {period}").format(
            period=_("lifetime")
            if ctx.program().tier_period == "lifetime"
            else _("the last 12 months")
        )
    )
    _emit(
        args,
        {"tiers": [_tier_json(t) for t in tiers], "period": ctx.program().tier_period},
        lines,
    )
    return 0


def cmd_tier_remove(args: argparse.Namespace) -> int:
    from app.services.program_rules import remove_tier

    tier = remove_tier(_context(args), args.name)
    _emit(args, _tier_json(tier), [_("Tier removed: {name}").format(name=tier.name)])
    return 0


def _campaign_line(campaign: Any) -> str:
    from app.domain.program import format_multiplier

    parts = [f"{campaign.name}: {format_multiplier(campaign.multiplier)}"]
    if campaign.from_day:
        parts.append(_("from {date}").format(date=format_day(campaign.from_day)))
    if campaign.until_day:
        parts.append(_("until {date}").format(date=format_day(campaign.until_day)))
    data = campaign.to_json()
    if data["weekdays"]:
        parts.append(",".join(data["weekdays"]))
    if data["hours"]:
        parts.append(_("hours {hours}").format(hours=data["hours"]))
    return " ".join(parts)


def cmd_campaign_add(args: argparse.Namespace) -> int:
    from app.domain.program import parse_day, parse_hours, parse_multiplier, parse_weekdays
    from app.services.program_rules import add_campaign

    campaign = add_campaign(
        _context(args),
        args.name,
        parse_multiplier(args.multiplier),
        from_day=parse_day(args.from_day) if args.from_day else None,
        until_day=parse_day(args.until_day) if args.until_day else None,
        weekdays=parse_weekdays(args.weekdays) if args.weekdays else (),
        hours=parse_hours(args.hours) if args.hours else None,
    )
    _emit(
        args,
        campaign.to_json(),
        [_("Campaign saved: {line}").format(line=_campaign_line(campaign))],
    )
    return 0


def cmd_campaign_list(args: argparse.Namespace) -> int:
    from app.services.program_rules import list_campaigns

    ctx = _context(args)
    campaigns = list_campaigns(ctx)
    active = {c.name for c in ctx.program().campaigns_at(ctx.now())}
    lines = [
        _campaign_line(c) + ("  " + _("(active now)") if c.name in active else "")
        for c in campaigns
    ] or [_("No campaigns set up")]
    _emit(
        args,
        {"campaigns": [{**c.to_json(), "active_now": c.name in active} for c in campaigns]},
        lines,
    )
    return 0


def cmd_campaign_remove(args: argparse.Namespace) -> int:
    from app.services.program_rules import remove_campaign

    campaign = remove_campaign(_context(args), args.name)
    _emit(args, campaign.to_json(), [_("Campaign removed: {name}").format(name=campaign.name)])
    return 0


def cmd_points_expire(args: argparse.Namespace) -> int:
    from app.services.expiry import expire_points

    report = expire_points(_context(args))
    lines = [
        _("{points} points expired for {members} members").format(
            points=format_points(report.points), members=report.members
        )
    ]
    _emit(args, report.to_json(), lines)
    return 0


def _import_lines(report: Any) -> list[str]:
    lines = [
        _("{file}: {applied} applied, {skipped} already here, {deferred} waiting").format(
            file=f.name, applied=f.applied, skipped=f.skipped, deferred=f.deferred
        )
        for f in report.files
    ]
    lines += [
        _("{file} rejected: {reason}").format(file=name, reason=reason)
        for name, reason in report.rejected
    ]
    lines.append(
        _(
            "{count} events applied, {waiting} waiting for other files, {conflicts} new conflicts"
        ).format(
            count=report.events_applied,
            waiting=report.still_deferred,
            conflicts=report.conflicts,
        )
    )
    return lines


def cmd_sync_import(args: argparse.Namespace) -> int:
    from app.services.sync import import_events

    report = import_events(_context(args), args.dir)
    _emit(args, report.to_json(), _import_lines(report))
    for name, reason in report.rejected:
        print(_("Rejected {file}: {reason}").format(file=name, reason=reason), file=sys.stderr)
    return EXIT_ERROR if report.rejected else 0


def cmd_sync_run(args: argparse.Namespace) -> int:
    from app.services.sync import run_sync

    result = run_sync(_context(args), args.dir)
    lines = [_("{count} events exported").format(count=result.exported.events)]
    _emit(args, result.to_json(), lines + _import_lines(result.imported))
    for name, reason in result.imported.rejected:
        print(_("Rejected {file}: {reason}").format(file=name, reason=reason), file=sys.stderr)
    return EXIT_ERROR if result.imported.rejected else 0


def cmd_sync_status(args: argparse.Namespace) -> int:
    from app.services.sync import sync_status

    status = sync_status(_context(args))
    never = _("never")
    lines = [
        _("Store {store}, till {till}, node {node}").format(
            store=status.store, till=status.till, node=status.node
        ),
        _("Sync folder: {path}").format(path=status.sync_dir or _("none")),
        _("Chain secret: {state}").format(state=_("set") if status.secret else _("missing")),
        _("Events waiting for export: {count}").format(count=status.pending),
        _("Last export: {time}").format(time=status.last_export or never),
        _("Last import: {time}").format(time=status.last_import or never),
        _("Files applied: {count}; events waiting for other files: {deferred}").format(
            count=status.files_applied, deferred=status.deferred
        ),
        _("Open conflicts: {count}").format(count=status.open_conflicts),
    ]
    _emit(args, status.to_json(), lines)
    return 0


def cmd_sync_conflicts(args: argparse.Namespace) -> int:
    from app.services.sync import list_conflicts, resolve_conflict

    ctx = _context(args)
    if args.resolve is not None:
        resolve_conflict(ctx, args.resolve, args.note or "")
        _emit(
            args,
            {"resolved": args.resolve},
            [_("Conflict {id} resolved").format(id=args.resolve)],
        )
        return 0
    conflicts = list_conflicts(ctx, include_all=args.all)
    lines = [
        f"#{c.id} {c.created_at:%Y-%m-%d %H:%M} "
        + c.summary(str(ctx.settings()["shop.currency"]))
        + ("" if c.resolved_at is None else f" ({_('resolved')}: {c.resolution})")
        for c in conflicts
    ] or [_("No open conflicts")]
    _emit(args, {"conflicts": [c.to_json() for c in conflicts]}, lines)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from app.bench import run_bench

    results = run_bench(members=args.members, keep=args.keep, progress=not args.json)
    _emit(args, results, [f"{k}: {v}" for k, v in results.items()])
    return 0


# --- parser -------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        # One line, like every other error: scripts read stderr line by line.
        print(
            _("{prog}: {message} (see {prog} --help)").format(prog=self.prog, message=message),
            file=sys.stderr,
        )
        raise SystemExit(EXIT_ERROR)


def _card_arg(parser: argparse.ArgumentParser, *flags: str) -> None:
    parser.add_argument(
        *flags or ("card",),
        metavar="CARD",
        help=_("13-digit card number"),
        **({"dest": "card", "required": True} if flags else {}),
    )


def build_parser() -> argparse.ArgumentParser:
    def options(suppress: bool) -> argparse.ArgumentParser:
        # Subcommands repeat --db/--json so they may come before or after the command name;
        # their copies default to SUPPRESS so they never overwrite a value given earlier.
        opts = argparse.ArgumentParser(add_help=False)
        extra: dict[str, Any] = {"default": argparse.SUPPRESS} if suppress else {}
        opts.add_argument(
            "--db",
            help=_("database file or URL (default: $LOYALTY_DB or the user data folder)"),
            **extra,
        )
        opts.add_argument("--json", action="store_true", help=_("print one JSON object"), **extra)
        return opts

    common = options(suppress=True)
    parser = _Parser(
        prog="loyalty",
        description=_("Loyalty counter for small shops."),
        parents=[options(suppress=False)],
    )
    parser.set_defaults(func=cmd_tui)
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    def add(
        name: str, func: Callable[[argparse.Namespace], int], help_text: str, target: Any = sub
    ) -> argparse.ArgumentParser:
        p = target.add_parser(name, parents=[common], help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    p = add(
        "demo", cmd_demo, _("create a demo database with realistic members and open the counter")
    )
    p.add_argument("--members", type=int, default=24, help=_("how many demo members"))
    p.add_argument(
        "--no-open", action="store_true", help=_("only create the data and print demo cards")
    )

    member = sub.add_parser(
        "member", help=_("enroll, show, find, edit, merge, export and erase members")
    )
    msub = member.add_subparsers(dest="member_command", required=True, parser_class=_Parser)
    p = add("add", cmd_member_add, _("enroll a new member and issue a card"), msub)
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
    p = add("show", cmd_member_show, _("show the member of a card"), msub)
    _card_arg(p)
    p = add("find", cmd_member_find, _("find members by name, email or phone"), msub)
    p.add_argument("text")
    p.add_argument("--limit", type=int, default=20)
    p = add("update", cmd_member_update, _("change a member's profile"), msub)
    _card_arg(p)
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
    p = add("merge", cmd_member_merge, _("merge two members who are the same person"), msub)
    p.add_argument("keep_card", metavar="KEEP_CARD", help=_("card of the member to keep"))
    p.add_argument("other_card", metavar="OTHER_CARD", help=_("card of the member merged in"))
    p = add("export", cmd_member_export, _("everything stored about a member, as JSON"), msub)
    _card_arg(p)
    p.add_argument("--out", metavar="FILE", help=_("write to FILE instead of the screen"))
    p = add("erase", cmd_member_erase, _("erase a member's personal data (keeps sales)"), msub)
    _card_arg(p)
    p.add_argument("--yes", action="store_true", help=_("confirm the erasure"))

    members = sub.add_parser("members", help=_("list all members; import and export them as CSV"))
    mssub = members.add_subparsers(dest="members_command", required=True, parser_class=_Parser)
    p = add("list", cmd_members_list, _("list members page by page, optionally filtered"), mssub)
    p.add_argument("text", nargs="?", help=_("filter: start of a name, an email or a phone"))
    p.add_argument("--sort", choices=["name", "points", "newest"], default="name")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--after", metavar="KEY", help=_("next_key of the previous page (JSON)"))
    p = add("export", cmd_members_export, _("write all members to a CSV file"), mssub)
    p.add_argument("file", metavar="FILE.csv")
    p = add(
        "import",
        cmd_members_import,
        _("import members from a CSV file (generic, OSPOS, Square)"),
        mssub,
    )
    p.add_argument("file", metavar="FILE.csv")
    p.add_argument(
        "--dry-run", action="store_true", help=_("report what would happen, change nothing")
    )
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help=_("import the valid rows even if some are invalid"),
    )

    card = sub.add_parser("card", help=_("print member cards, replace a lost card"))
    csub = card.add_subparsers(dest="card_command", required=True, parser_class=_Parser)
    p = add(
        "print", cmd_card_print, _("print a member card to a file or the receipt printer"), csub
    )
    p.add_argument("card", nargs="?", metavar="CARD", help=_("13-digit card number"))
    p.add_argument("--all-new", action="store_true", help=_("every card that was never printed"))
    p.add_argument(
        "--limit", type=int, metavar="N", help=_("with --all-new: only the first N cards")
    )
    p.add_argument(
        "--format",
        default="pdf",
        metavar="png|svg|pdf|escpos",
        help=_("file format, or escpos for a receipt printer (default: pdf)"),
    )
    p.add_argument(
        "--out",
        metavar="FILE",
        help=_("file to write (a folder for --all-new as png or svg); escpos without it prints"),
    )
    p = add("replace", cmd_card_replace, _("give a member a new card number (lost card)"), csub)
    _card_arg(p)

    p = add("sale", cmd_sale, _("check out a sale for a member"))
    _card_arg(p, "--card")
    p.add_argument("--amount", required=True, help=_("amount, e.g. 12.50 or 12,50"))
    p.add_argument("--redeem", type=int, metavar="POINTS", help=_("points to redeem"))
    p.add_argument("--coupon", metavar="CODE", help=_("a coupon code to apply"))

    p = add("refund", cmd_refund, _("refund a sale, fully or partly"))
    p.add_argument("sale_id", type=int, metavar="SALE_ID")
    p.add_argument("--amount", help=_("part of the sale to refund (default: all that is left)"))

    p = add("adjust", cmd_adjust, _("add or remove points by hand, with a reason"))
    _card_arg(p)
    p.add_argument("--points", type=int, required=True, help=_("e.g. 50 or -50"))
    p.add_argument("--reason", required=True)

    add("check", cmd_check, _("prove every balance equals its ledger and the database is sound"))

    coupon = sub.add_parser("coupon", help=_("create, list and show coupons"))
    cosub = coupon.add_subparsers(dest="coupon_command", required=True, parser_class=_Parser)

    def rule_options(p: argparse.ArgumentParser, *, batch: bool) -> None:
        p.add_argument("--percent", type=int, metavar="P", help=_("percent off (1-100)"))
        p.add_argument("--amount", metavar="A", help=_("amount off, e.g. 5.00"))
        p.add_argument("--points", type=int, metavar="N", help=_("extra points"))
        p.add_argument("--item", metavar="TEXT", help=_("a free item, e.g. coffee"))
        p.add_argument("--min-spend", metavar="A", help=_("smallest purchase it applies to"))
        p.add_argument("--valid-from", metavar="YYYY-MM-DD", help=_("first day it is valid"))
        p.add_argument("--valid-until", metavar="YYYY-MM-DD", help=_("last day it is valid"))
        if not batch:
            p.add_argument("--max-uses", type=int, metavar="N", help=_("uses in total"))
            p.add_argument("--per-member", type=int, metavar="N", help=_("uses per member"))

    p = add("create", cmd_coupon_create, _("create a coupon with one code"), cosub)
    p.add_argument("--code", required=True, help=_("the code, e.g. SUMMER10"))
    rule_options(p, batch=False)
    p.add_argument("--card", metavar="CARD", help=_("only the member of this card may use it"))
    p = add("batch", cmd_coupon_batch, _("create a batch of unique single-use codes"), cosub)
    p.add_argument("--count", type=int, required=True, metavar="N", help=_("how many codes"))
    p.add_argument("--prefix", metavar="P", help=_("text before each code, e.g. XMAS"))
    rule_options(p, batch=True)
    p.add_argument(
        "--out", metavar="FILE", help=_("print the codes to FILE (pdf) or a folder (png, svg)")
    )
    p.add_argument("--format", metavar="pdf|png|svg", help=_("print format (default: pdf)"))
    add("list", cmd_coupon_list, _("list every coupon with its uses"), cosub)
    p = add("show", cmd_coupon_show, _("show a coupon and where it was used"), cosub)
    p.add_argument("code", metavar="CODE")

    stamps = sub.add_parser("stamps", help=_("stamp card programs (buy 9, the 10th is free)"))
    stsub = stamps.add_subparsers(dest="stamps_command", required=True, parser_class=_Parser)
    p = add("add", cmd_stamps_add, _("start a stamp program"), stsub)
    p.add_argument("name", metavar="NAME", help=_("e.g. Coffee"))
    p.add_argument("--stamps", type=int, required=True, help=_("stamps for a full card"))
    p.add_argument("--reward", required=True, help=_("what a full card gives"))
    add("list", cmd_stamps_list, _("list the stamp programs"), stsub)
    p = add("remove", cmd_stamps_remove, _("end a stamp program"), stsub)
    p.add_argument("name", metavar="NAME")
    p = add("give", cmd_stamps_give, _("one stamp on a member's card"), stsub)
    p.add_argument("card", metavar="CARD")
    p.add_argument("--program", metavar="NAME", help=_("needed when there are several programs"))
    p = add("card", cmd_stamps_card, _("a member's stamp cards"), stsub)
    p.add_argument("card", metavar="CARD")

    settings = sub.add_parser("settings", help=_("program rules and shop settings"))
    ssub = settings.add_subparsers(dest="settings_command", required=True, parser_class=_Parser)
    add("list", cmd_settings_list, _("list every setting"), ssub)
    p = add("set", cmd_settings_set, _("change a setting"), ssub)
    p.add_argument("key")
    p.add_argument("value")

    p = add("init", cmd_init, _("set this shop's store code and till, and the sync folder"))
    p.add_argument("--store", required=True, metavar="CODE", help=_("3-digit store code"))
    p.add_argument("--till", required=True, type=int, metavar="N", help=_("till number"))
    p.add_argument("--sync-dir", metavar="DIR", help=_("the chain's central sync folder"))
    p.add_argument(
        "--secret-file",
        metavar="FILE",
        help=_("the chain secret (created if missing; copy it to every shop)"),
    )

    sync = sub.add_parser("sync", help=_("exchange changes with the other shops of the chain"))
    ysub = sync.add_subparsers(dest="sync_command", required=True, parser_class=_Parser)
    for name, func, text in (
        ("export", cmd_sync_export, _("write this shop's new changes to the sync folder")),
        ("import", cmd_sync_import, _("apply the other shops' files from the sync folder")),
        ("run", cmd_sync_run, _("export, then import")),
    ):
        p = add(name, func, text, ysub)
        p.add_argument("--dir", metavar="DIR", help=_("sync folder (default: set by init)"))
    add("status", cmd_sync_status, _("pending changes, last sync, open conflicts"), ysub)
    p = add("conflicts", cmd_sync_conflicts, _("what sync could not settle by itself"), ysub)
    p.add_argument("--all", action="store_true", help=_("also resolved ones and logged edits"))
    p.add_argument("--resolve", type=int, metavar="ID", help=_("mark a conflict as resolved"))
    p.add_argument("--note", help=_("with --resolve: what was done"))

    tier = sub.add_parser("tier", help=_("tiers: qualifying spend, multiplier, member discount"))
    tsub = tier.add_subparsers(dest="tier_command", required=True, parser_class=_Parser)
    p = add("add", cmd_tier_add, _("add a tier or change the one of that name"), tsub)
    p.add_argument("name", metavar="NAME")
    p.add_argument(
        "--min-spend", required=True, metavar="AMOUNT", help=_("qualifying spend, e.g. 500")
    )
    p.add_argument("--multiplier", required=True, metavar="X", help=_("points multiplier, e.g. 2"))
    p.add_argument("--discount-percent", metavar="P", help=_("member discount in percent"))
    add("list", cmd_tier_list, _("list the tiers"), tsub)
    p = add("remove", cmd_tier_remove, _("remove a tier"), tsub)
    p.add_argument("name", metavar="NAME")

    campaign = sub.add_parser("campaign", help=_("extra points for dates, weekdays or hours"))
    casub = campaign.add_subparsers(dest="campaign_command", required=True, parser_class=_Parser)
    p = add("add", cmd_campaign_add, _("add a campaign or change the one of that name"), casub)
    p.add_argument("name", metavar="NAME")
    p.add_argument("--multiplier", required=True, metavar="X", help=_("points multiplier, e.g. 2"))
    p.add_argument("--from", dest="from_day", metavar="YYYY-MM-DD", help=_("first day"))
    p.add_argument("--until", dest="until_day", metavar="YYYY-MM-DD", help=_("last day"))
    p.add_argument("--weekdays", metavar="mon,tue", help=_("only on these weekdays"))
    p.add_argument("--hours", metavar="14-17", help=_("only in these hours (local time)"))
    add("list", cmd_campaign_list, _("list the campaigns"), casub)
    p = add("remove", cmd_campaign_remove, _("remove a campaign"), casub)
    p.add_argument("name", metavar="NAME")

    points = sub.add_parser("points", help=_("points housekeeping"))
    psub = points.add_subparsers(dest="points_command", required=True, parser_class=_Parser)
    add("expire", cmd_points_expire, _("write off the points that expired"), psub)

    p = add("bench", cmd_bench, _("measure lookup, search, checkout and start-up speed"))
    p.add_argument("--members", type=int, default=100_000)
    p.add_argument("--keep", metavar="PATH", help=_("keep the benchmark database at PATH"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    set_language()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except LoyaltyError as exc:
        print(_("Error: {message}").format(message=exc.message), file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except SQLAlchemyError as exc:
        # Typically another till holding the database longer than the busy timeout.
        print(
            _("The database is busy or unavailable, nothing was changed: {reason}").format(
                reason=str(getattr(exc, "orig", exc)).splitlines()[0]
            ),
            file=sys.stderr,
        )
        return EXIT_ERROR
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: not an error of ours, and nothing to print.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        if os.environ.get("LOYALTY_DEBUG"):
            raise
        print(
            _("Unexpected error: {error}. Run again with LOYALTY_DEBUG=1 for details.").format(
                error=f"{type(exc).__name__}: {exc}"
            ),
            file=sys.stderr,
        )
        return EXIT_ERROR
