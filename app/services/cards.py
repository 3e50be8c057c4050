"""Member cards: print one card or every card never printed, and replace a lost card.

Rendering is done first, then the file or printer gets the finished bytes, and only then is
the card marked printed: a failed write or an unreachable printer changes nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlmodel import col, select

from app.config import data_dir
from app.domain.cards import validate_card_number
from app.domain.errors import InvalidInput, LoyaltyError
from app.domain.text import quote_input
from app.files import PRIVATE_FILE, private_folder, write_atomically
from app.i18n import _
from app.printing.face import DEFAULT_LOGO, CardFace
from app.services.audit import record
from app.services.context import Context
from app.services.lookup import check_card_row
from app.services.members import lock_member_by_card, next_card_number
from app.store.models import Card, Member
from app.sync import events

if TYPE_CHECKING:
    from app.printing.escpos import PrinterConfig

FORMATS = ("png", "svg", "pdf", "escpos")


class PrintFailed(LoyaltyError):
    """The card could not be written or printed; nothing was marked printed."""


@dataclass(frozen=True)
class PrintResult:
    """What was printed, in which format, and where it went."""

    cards: tuple[str, ...]
    format: str
    destination: str | None
    no_printer: bool = False
    """No receipt printer is set up, so the card was saved as a PDF (``destination``) instead."""

    def to_json(self) -> dict[str, Any]:
        return {
            "cards": list(self.cards),
            "format": self.format,
            "destination": self.destination,
            "count": len(self.cards),
        }


@dataclass(frozen=True)
class ReplaceResult:
    """A lost or damaged card replaced by a new number."""

    member_id: int
    old_card: str
    new_card: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InvalidInput(
            _("Unknown card format “{format}”: use one of {formats}").format(
                format=quote_input(fmt), formats=", ".join(FORMATS)
            )
        )
    return fmt


def _logo(ctx: Context) -> Path | None:
    value = str(ctx.settings().get("shop.logo") or "")
    if not value:
        return DEFAULT_LOGO if DEFAULT_LOGO.is_file() else None
    if value.lower() == "none":
        return None
    return Path(value).expanduser()


def _face(ctx: Context, number: str, first_name: str, last_name: str) -> CardFace:
    name = " ".join(part for part in (first_name, last_name) if part)
    return CardFace(
        shop_name=str(ctx.settings()["shop.name"]),
        member_name=name,
        number=number,
        logo=_logo(ctx),
    )


def card_face(ctx: Context, card: str) -> CardFace:
    """What the card of this number shows; replaced or blocked cards are refused."""
    number = validate_card_number(card)
    with ctx.db.reading() as session:
        row = session.exec(
            select(Card, Member)
            .join(Member, col(Member.id) == Card.member_id)
            .where(Card.number == number)
        ).first()
        if row is None:
            check_card_row(None, number)
        assert row is not None
        found, member = row
        if found.status == "replaced" and found.replaced_by:
            raise PrintFailed(
                _("Card {number} was replaced by card {new}: print the new card").format(
                    number=number, new=found.replaced_by
                )
            )
        check_card_row((found.number, found.status, found.replaced_by, member.status), number)
        return _face(ctx, number, member.first_name, member.last_name)


def _printer_kind(ctx: Context) -> str:
    """The receipt printer's connection, ``none`` when the shop has none."""
    return str(ctx.settings().get("printer.kind") or "none")


def printer_config(ctx: Context) -> PrinterConfig:
    from app.printing.escpos import PrinterConfig

    s = ctx.settings()
    return PrinterConfig(
        kind=_printer_kind(ctx),
        target=str(s.get("printer.target") or ""),
        profile=str(s.get("printer.profile") or "default"),
        qr=str(s.get("printer.qr") or "native"),
    )


def _render(ctx: Context, faces: Sequence[CardFace], fmt: str) -> bytes:
    """One file's bytes: a card, an A4 sheet (PDF, several cards) or a printer job."""
    if fmt == "escpos":
        from app.printing.escpos import build_job

        return build_job(faces, printer_config(ctx))
    if fmt == "pdf":
        from app.printing.pdf import render_pdf, render_sheet

        return render_pdf(faces[0]) if len(faces) == 1 else render_sheet(faces)
    if fmt == "svg":
        from app.printing.svg import render_svg

        return render_svg(faces[0])
    from app.printing.png import render_png

    return render_png(faces[0])


def _write_file(path: Path, data: bytes) -> None:
    """Write a card file; a failure leaves no half file and is a readable error."""
    if path.is_dir():
        raise PrintFailed(_("Cannot write {path}: it is a folder").format(path=path))
    try:
        write_atomically(path, data, mode=PRIVATE_FILE)  # a member's name and card number
    except OSError as exc:
        raise PrintFailed(
            _("Cannot write {path}: {reason}").format(path=path, reason=exc.strerror)
        ) from None


def _deliver(ctx: Context, data: bytes, fmt: str, out: str | Path | None) -> str:
    """Write to ``out``, or send an ESC/POS job to the configured printer; returns where."""
    if out is not None and str(out) != "":
        _write_file(Path(out), data)
        return str(out)
    if fmt != "escpos":
        raise InvalidInput(_("Give the file to write the card to (--out FILE)"))
    from app.printing.escpos import send

    config = printer_config(ctx)
    send(data, config)
    return f"{config.kind}:{config.target}"


def _mark_printed(ctx: Context, numbers: Sequence[str], fmt: str) -> None:
    now = ctx.now()
    with ctx.db.transaction() as session:
        session.exec(
            update(Card)
            .where(col(Card.number).in_(numbers), col(Card.status) == "active")
            .values(printed_at=now)
        )
        for number in numbers:
            record(session, ctx, "card.print", "card", number, format=fmt)
        events.cards_changed(session, ctx, numbers)


def print_card(ctx: Context, card: str, fmt: str, out: str | Path | None = None) -> PrintResult:
    """Print (or reprint) one member's card to a file or the receipt printer."""
    _check_format(fmt)
    face = card_face(ctx, card)
    destination = _deliver(ctx, _render(ctx, [face], fmt), fmt, out)
    _mark_printed(ctx, [face.number], fmt)
    return PrintResult((face.number,), fmt, destination)


def print_or_save_card(ctx: Context, card: str) -> PrintResult:
    """Print a card on the receipt printer; without one, save it as a PDF in the data folder.

    The PDF is ``cards/card-<number>.pdf`` in the user data folder, and the result says so
    (``no_printer``, ``destination``): the counter's F7 and `loyalty card print CARD`.
    """
    if _printer_kind(ctx) != "none":
        return print_card(ctx, card, "escpos")
    number = validate_card_number(card)
    folder = data_dir() / "cards"
    try:
        private_folder(folder)
    except OSError as exc:
        raise PrintFailed(
            _("Cannot write {path}: {reason}").format(path=folder, reason=exc.strerror)
        ) from None
    result = print_card(ctx, number, "pdf", folder / f"card-{number}.pdf")
    return replace(result, no_printer=True)


def new_cards(ctx: Context, limit: int | None = None) -> list[CardFace]:
    """Every usable card that was never printed (the first ``limit``), in number order."""
    with ctx.db.reading() as session:
        rows = session.exec(
            select(Card.number, Member.first_name, Member.last_name)
            .join(Member, col(Member.id) == Card.member_id)
            .where(
                col(Card.printed_at).is_(None),
                col(Card.status) == "active",
                col(Member.status) == "active",
            )
            .order_by(col(Card.number))
            .limit(limit)
        ).all()
    return [_face(ctx, number, first, last) for number, first, last in rows]


def print_new_cards(
    ctx: Context, fmt: str, out: str | Path | None = None, *, limit: int | None = None
) -> PrintResult:
    """Print every card never printed: a PDF of A4 sheets, one printer job, or one file each.

    For PNG and SVG ``out`` is a folder that gets ``card-<number>.png`` per card. ``limit``
    takes only the first cards (e.g. 10 for one sheet); the others wait for the next run.
    """
    _check_format(fmt)
    if limit is not None and limit < 1:
        raise InvalidInput(_("The number of cards must be at least 1"))
    faces = new_cards(ctx, limit)
    if not faces:
        return PrintResult((), fmt, None)
    numbers = [face.number for face in faces]
    if fmt in ("pdf", "escpos"):
        data = _render(ctx, faces, fmt) if fmt == "escpos" else _sheet(faces)
        destination = _deliver(ctx, data, fmt, out)
    else:
        destination = _write_each(ctx, faces, fmt, out)
    _mark_printed(ctx, numbers, fmt)
    return PrintResult(tuple(numbers), fmt, destination)


def _sheet(faces: Sequence[CardFace]) -> bytes:
    from app.printing.pdf import render_sheet

    return render_sheet(faces)


def _write_each(ctx: Context, faces: Sequence[CardFace], fmt: str, out: str | Path | None) -> str:
    if out is None or str(out) == "":
        raise InvalidInput(_("Give the folder to write the cards to (--out FOLDER)"))
    folder = Path(out)
    if not folder.is_dir():
        raise PrintFailed(
            _("Cannot write the cards to {path}: not an existing folder").format(path=folder)
        )
    written: list[Path] = []
    try:
        for face in faces:
            path = folder / f"card-{face.number}.{fmt}"
            _write_file(path, _render(ctx, [face], fmt))
            written.append(path)
    except LoyaltyError:
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    return str(folder)


def replace_card(ctx: Context, card: str) -> ReplaceResult:
    """Issue a new number for a lost or damaged card; the old one is blocked for good.

    Balance, sales and ledger belong to the member, not the card, so they stay as they are.
    """
    now = ctx.now()
    with ctx.db.transaction() as session:
        member, number = lock_member_by_card(session, card)
        new_number = next_card_number(session, ctx.layout())
        old = session.get(Card, number)
        assert old is not None and member.id is not None
        old.status = "replaced"
        old.replaced_by = new_number
        old.blocked_at = now
        session.add(old)
        session.add(Card(number=new_number, member_id=member.id, issued_at=now))
        record(
            session,
            ctx,
            "card.replace",
            "card",
            number,
            member_id=member.id,
            new_card=new_number,
            member=member.id,
        )
        member_id = member.id
        session.flush()
        events.cards_changed(session, ctx, [number, new_number])
    return ReplaceResult(member_id, number, new_number)
