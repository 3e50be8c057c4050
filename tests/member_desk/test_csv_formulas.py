"""Spreadsheet injection: text cells that look like formulas are written with ' and read back."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.domain.profile import MemberDraft
from app.domain.spreadsheet import escape_cell, unescape_cell
from app.services.checkout import checkout
from app.services.context import Context
from app.services.day_close import day_close
from app.services.day_close_text import day_close_csv
from app.services.member_history import member_profile
from app.services.member_io import export_members_csv, import_members_csv
from app.services.members import enroll_member
from app.store.database import Database
from tests.conftest import Clock

NASTY = {
    "first_name": '=HYPERLINK("http://evil.example","Klick")',
    "last_name": "+cmd' /C calc'!A",
    "notes": "@SUM(1+1)*cmd|' /C calc'!A0",
}


@pytest.fixture
def other_ctx(tmp_path: Path, clock: Clock) -> Iterator[Context]:
    database = Database(str(tmp_path / "other.db"))
    yield Context(database, clock=clock, actor="tester")
    database.dispose()


def _profile(ctx: Context, member_id: int) -> dict[str, object]:
    p = member_profile(ctx, member_id)
    return {k: getattr(p, k) for k in ("first_name", "last_name", "notes", "phone", "email")}


def test_formula_looking_values_are_escaped_and_re_import_exactly(
    ctx: Context, other_ctx: Context, tmp_path: Path
) -> None:
    people = [
        enroll_member(ctx, MemberDraft(**NASTY, phone="+49 30 1234567")),
        enroll_member(ctx, MemberDraft(first_name="-Minus", last_name="'=already quoted")),
        enroll_member(ctx, MemberDraft(first_name="Anna", last_name="O'Brien", notes="'plain")),
    ]
    path = tmp_path / "members.csv"
    export_members_csv(ctx, path)
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8"))))
    by_card = {r["card"]: r for r in rows}
    first = by_card[people[0].card]
    assert first["first_name"] == "'" + NASTY["first_name"]
    assert first["last_name"] == "'" + NASTY["last_name"]
    assert first["notes"] == "'" + NASTY["notes"]
    assert first["phone"].startswith("'+49")
    assert by_card[people[1].card]["last_name"] == "''=already quoted"
    assert by_card[people[2].card]["last_name"] == "O'Brien"
    assert by_card[people[2].card]["notes"] == "'plain"  # not formula-like: as it is
    for row in rows:  # no text cell of the file starts a formula
        assert not any(v[:1] in "=+-@\t\r" for v in row.values() if v and not v.isdigit())

    report = import_members_csv(other_ctx, path)
    assert report.applied and report.imported == 3
    for person in people:
        [theirs] = [r for r in rows if r["card"] == person.card]
        assert _profile(other_ctx, _member_id(other_ctx, person.card)) == _profile(
            ctx, person.member_id
        ), theirs
    again = tmp_path / "again.csv"
    export_members_csv(other_ctx, again)
    assert again.read_text("utf-8") == path.read_text("utf-8")


def _member_id(ctx: Context, card: str) -> int:
    from app.services.lookup import lookup_card

    return lookup_card(ctx, card).member_id


def test_numbers_are_not_escaped_text_is() -> None:
    assert escape_cell(-120) == -120
    assert escape_cell("-120") == "'-120"
    assert escape_cell("\tx") == "'\tx" and escape_cell("\rx") == "'\rx"
    assert escape_cell("'=x") == "''=x" and escape_cell("'x") == "'x"
    for text in ("=1+1", "'=1", "''@a", "'x", "x", "", "-", "'"):
        assert unescape_cell(escape_cell(text)) == text


def test_the_days_close_csv_escapes_a_cashiers_name(ctx: Context, member: object) -> None:
    ctx.actor = "=cmd|'/C calc'!A0"
    checkout(ctx, member.card, 12_00)  # type: ignore[attr-defined]
    text = day_close_csv(day_close(ctx))
    rows = list(csv.reader(io.StringIO(text)))
    names = [r[4] for r in rows if r[3] == "staff"]
    assert "'=cmd|'/C calc'!A0" in names and "=cmd|'/C calc'!A0" not in names


def test_the_newsletter_layouts_escape_formula_looking_names(ctx: Context, tmp_path: Path) -> None:
    from app.services.newsletter import export_members

    enroll_member(
        ctx,
        MemberDraft(
            first_name=NASTY["first_name"],
            last_name="-Berg",
            email="eve@example.org",
            phone="+49 30 1234567",
            marketing_consent=True,
        ),
    )
    for layout, delimiter in (("mailchimp", ","), ("brevo", ";")):
        path = tmp_path / f"{layout}.csv"
        export_members(ctx, path, layout=layout)
        [_head, row] = list(csv.reader(io.StringIO(path.read_text("utf-8")), delimiter=delimiter))
        assert row[1:3] == ["'" + NASTY["first_name"], "'-Berg"]
        assert not any(cell and cell[0] in "=+-@\t\r" for cell in row)
