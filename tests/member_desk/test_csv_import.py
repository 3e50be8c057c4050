"""Member CSV files: round trip, OSPOS and Square files, encodings, separators, bad rows."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlmodel import select

from app.domain.csv_formats import GENERIC_COLUMNS, OSPOS_COLUMNS, SQUARE_COLUMNS
from app.domain.errors import InvalidInput
from app.domain.profile import MemberDraft
from app.services.adjustments import adjust_points
from app.services.context import Context
from app.services.health import check_database
from app.services.lookup import lookup_card
from app.services.member_desk import update_member
from app.services.member_history import member_ledger
from app.services.member_io import export_members_csv, import_members_csv
from app.services.members import enroll_member
from app.services.search import find_members
from app.services.views import MemberView
from app.store.database import Database
from app.store.models import AuditEntry, Card, LedgerEntry, Member

HEADER = ",".join(GENERIC_COLUMNS)


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _counts(ctx: Context) -> tuple[int, int, int, int]:
    with ctx.db.reading() as session:
        return (
            len(session.exec(select(Member.id)).all()),
            len(session.exec(select(Card.number)).all()),
            len(session.exec(select(LedgerEntry.id)).all()),
            len(session.exec(select(AuditEntry.id)).all()),
        )


@pytest.fixture
def other_ctx(tmp_path: Path, clock) -> Context:
    database = Database(str(tmp_path / "other.db"))
    yield Context(database, clock=clock, actor="tester")
    database.dispose()


def test_export_then_import_round_trips(
    ctx: Context, member: MemberView, other_ctx: Context, tmp_path: Path
) -> None:
    update_member(
        ctx,
        member.member_id,
        {"marketing_consent": True, "tier": "Gold", "notes": 'likes "Zoë"\nand, commas'},
    )
    adjust_points(ctx, member.card, 120, "welcome")
    bob = enroll_member(ctx, MemberDraft(first_name="Bob", last_name="Øster", salutation="mr"))
    first = tmp_path / "members.csv"
    assert export_members_csv(ctx, first) == 2

    report = import_members_csv(other_ctx, first)
    assert (report.format, report.imported, report.new_cards, report.points) == (
        "generic",
        2,
        0,
        120,
    )
    assert report.applied and not report.invalid and not report.duplicates
    anna = lookup_card(other_ctx, member.card)
    assert (anna.first_name, anna.last_name, anna.points) == ("Anna", "Müller", 120)
    assert (anna.email, anna.phone, anna.birthday) == (member.email, member.phone, member.birthday)
    assert lookup_card(other_ctx, bob.card).last_name == "Øster"
    [entry] = member_ledger(other_ctx, anna.member_id)
    assert (entry.kind, entry.points) == ("opening_balance", 120)
    assert check_database(other_ctx).ok

    second = tmp_path / "again.csv"
    export_members_csv(other_ctx, second)
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")


def test_exported_file_is_documented_format(ctx: Context, member: MemberView, tmp_path: Path):
    path = tmp_path / "out.csv"
    export_members_csv(ctx, path)
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8").splitlines()))
    assert list(rows[0]) == list(GENERIC_COLUMNS)
    assert rows[0]["card"] == member.card
    # A text cell starting with + is written with ' (spreadsheet injection); import removes it.
    assert rows[0]["phone"] == "'+491712345678"
    assert rows[0]["birthday"] == "1985-04-12"
    assert (rows[0]["consent"], rows[0]["consent_at"], rows[0]["points"]) == ("no", "", "0")


def test_new_members_get_new_cards_after_the_files_cards(ctx: Context, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "m.csv",
        f"{HEADER}\n"
        "2900100000048,,Eva,Klein,,,,,yes,2024-03-01T09:30:00,5,,\n"
        ",ms,Ida,Roth,ida@example.org,,,,,,,,\n",
    )
    report = import_members_csv(ctx, path)
    assert report.imported == 2 and report.new_cards == 1
    ida = find_members(ctx, "ida")[0]
    assert ida.card == "2900100000055"  # after 2900100000048 from the file
    with ctx.db.reading() as session:
        eva = session.exec(select(Member).where(Member.first_name == "Eva")).one()
    assert eva.marketing_consent and eva.consent_at.isoformat() == "2024-03-01T09:30:00+00:00"
    with ctx.db.reading() as session:
        audit = session.exec(select(AuditEntry).where(AuditEntry.action == "members.import")).one()
    assert '"imported": 2' in audit.detail


def test_ospos_file(ctx: Context, tmp_path: Path) -> None:
    rows = [
        OSPOS_COLUMNS,
        (
            "Jana",
            "Novak",
            "0",
            "1",
            "jana@example.org",
            "030 1234567",
            "Hauptstr. 1",
            "",
            "Berlin",
            "",
            "10115",
            "DE",
            "VIP",
            "Novak GmbH",
            "2900100000017",
            "0",
            "0",
            "1",
        ),
        ("Tom", "Berg", "1", "0", "", "", "", "", "", "", "", "", "", "", "A-77", "", "", ""),
    ]
    path = tmp_path / "ospos.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    report = import_members_csv(ctx, path)
    assert (report.format, report.imported, report.new_cards) == ("ospos", 2, 1)
    jana = lookup_card(ctx, "2900100000017")
    assert (jana.salutation, jana.postcode, jana.phone) == ("ms", "10115", "+49301234567")
    with ctx.db.reading() as session:
        members = {m.first_name: m for m in session.exec(select(Member))}
    assert members["Jana"].marketing_consent is True
    assert members["Jana"].notes == "VIP\nCompany: Novak GmbH"
    assert members["Tom"].salutation == "mr"
    assert members["Tom"].notes == "Account number: A-77"


def test_square_file(ctx: Context, tmp_path: Path) -> None:
    def row(**values: str) -> list[str]:
        return [values.get(c, "") for c in SQUARE_COLUMNS]

    path = tmp_path / "export-20251128-184346.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(SQUARE_COLUMNS)
        writer.writerow(
            row(
                **{
                    "First Name": "Lea",
                    "Last Name": "Wolf",
                    "Email Address": "lea@example.org",
                    "Phone Number": "+4917612345678",
                    "Birthday": "1990-07-04",
                    "Memo": "allergic to nuts",
                    "Email Subscription Status": "Subscribed",
                    "Reference ID": "2900100000024",
                    "Postal Code": "50667",
                }
            )
        )
        writer.writerow(
            row(
                **{
                    "First Name": "Max",
                    "Last Name": "Kern",
                    "Birthday": "0000-09-21",
                    "Email Subscription Status": "Unsubscribed",
                    "Reference ID": "cust-9",
                }
            )
        )
        writer.writerow(row(**{"First Name": "Ole", "Last Name": "Sand", "Birthday": "7/4/1988"}))
    report = import_members_csv(ctx, path)
    assert (report.format, report.imported, report.new_cards) == ("square", 3, 2)
    lea = lookup_card(ctx, "2900100000024")
    assert (lea.email, lea.postcode, lea.birthday.isoformat()) == (
        "lea@example.org",
        "50667",
        "1990-07-04",
    )
    with ctx.db.reading() as session:
        members = {m.first_name: m for m in session.exec(select(Member))}
    assert members["Lea"].marketing_consent and members["Lea"].notes == "allergic to nuts"
    assert not members["Max"].marketing_consent
    assert members["Max"].birthday is None
    assert members["Max"].notes == "Reference ID: cust-9\nBirthday (no year): 09-21"
    assert members["Ole"].birthday.isoformat() == "1988-07-04"


def test_utf8_with_bom(ctx: Context, tmp_path: Path) -> None:
    path = _write(tmp_path / "bom.csv", f"{HEADER}\n,,Jörg,Weiß,,,,,,,,,\n", "utf-8-sig")
    report = import_members_csv(ctx, path)
    assert (report.encoding, report.imported) == ("utf-8-sig", 1)
    assert find_members(ctx, "weiss")[0].first_name == "Jörg"


def test_windows_1252_and_semicolons(ctx: Context, tmp_path: Path) -> None:
    text = (
        "card;salutation;first_name;last_name;email;phone;birthday;postcode;consent;consent_at;"
        "points;tier;notes\r\n"
        ";ms;Bärbel;Größer;;0171 7654321;12.03.1961;80331;ja;;250;Silber;Kundin seit 1999 – €\r\n"
    )
    path = _write(tmp_path / "excel.csv", text, "cp1252")
    report = import_members_csv(ctx, path)
    assert (report.encoding, report.delimiter, report.imported) == ("cp1252", ";", 1)
    found = find_members(ctx, "grosser")[0]
    assert (found.first_name, found.last_name, found.points) == ("Bärbel", "Größer", 250)
    with ctx.db.reading() as session:
        stored = session.exec(select(Member)).one()
    assert stored.tier == "Silber" and stored.notes == "Kundin seit 1999 – €"
    assert stored.birthday.isoformat() == "1961-03-12" and stored.marketing_consent


BAD = (
    f"{HEADER}\n"
    ",,Anna,Gut,anna@example.org,,,,,,10,,\n"  # line 2: fine
    "1234,,Bert,Karte,,,,,,,,,\n"  # line 3: card too short
    ',,Carl,Notiz,,,,,,,,,"two\nlines"\n'  # lines 4-5: fine
    ",,,Ohne,bad-email,,,,maybe,,-5,,\n"  # line 6: several problems
    ",,Dora,Gut,,,,,,,,,\n"  # line 7: fine
)


def test_invalid_rows_reported_with_line_numbers_and_nothing_stored(
    ctx: Context, tmp_path: Path
) -> None:
    before = _counts(ctx)
    report = import_members_csv(ctx, _write(tmp_path / "bad.csv", BAD))
    assert report.refused and not report.applied and report.imported == 0
    assert [i.line for i in report.invalid] == [3, 6]
    assert "13 digits" in report.invalid[0].reason
    reason = report.invalid[1].reason
    for part in ("First name is required", "not an email address", "Consent", "Points"):
        assert part in reason
    assert _counts(ctx) == before


def test_skip_invalid_imports_the_valid_rows(ctx: Context, tmp_path: Path) -> None:
    report = import_members_csv(ctx, _write(tmp_path / "bad.csv", BAD), skip_invalid=True)
    assert report.applied and report.imported == 3 and report.points == 10
    assert [i.line for i in report.invalid] == [3, 6]
    with ctx.db.reading() as session:
        names = sorted(m.first_name for m in session.exec(select(Member)))
        carl = session.exec(select(Member).where(Member.first_name == "Carl")).one()
    assert names == ["Anna", "Carl", "Dora"]
    assert carl.notes == "two\nlines"
    assert check_database(ctx).ok


def test_duplicates_reported_not_doubled(ctx: Context, member: MemberView, tmp_path: Path):
    text = (
        f"{HEADER}\n"
        f"{member.card},,Anna,Müller,,,,,,,,,\n"  # 2: card already in the database
        ",,Anna,M,ANNA.MUELLER@example.org,,,,,,,,\n"  # 3: email already in the database
        ",,Ben,Neu,ben@example.org,,,,,,,,\n"  # 4: new
        ",,Ben,Doppelt,Ben@Example.org,,,,,,,,\n"  # 5: same email as line 4
        "2900100000093,,Cem,Neu,,,,,,,,,\n"  # 6: new card
        "2900100000093,,Cem,Zwei,,,,,,,,,\n"  # 7: same card as line 6
    )
    report = import_members_csv(ctx, _write(tmp_path / "dup.csv", text))
    assert report.imported == 2 and not report.invalid
    assert [(d.line) for d in report.duplicates] == [2, 3, 5, 7]
    assert "already belongs" in report.duplicates[0].reason
    assert "line 4" in report.duplicates[2].reason and "line 6" in report.duplicates[3].reason
    again = import_members_csv(ctx, _write(tmp_path / "dup.csv", text))
    assert again.imported == 0 and len(again.duplicates) == 6
    with ctx.db.reading() as session:
        assert len(session.exec(select(Member.id)).all()) == 3


def test_dry_run_changes_nothing(ctx: Context, member: MemberView, tmp_path: Path) -> None:
    before = _counts(ctx)
    path = _write(tmp_path / "m.csv", f"{HEADER}\n,,Ida,Roth,,,,,,,300,,\n,,Jan,Ek,,,,,,,,,\n")
    report = import_members_csv(ctx, path, dry_run=True)
    assert report.dry_run and not report.applied
    assert (report.imported, report.new_cards, report.points) == (2, 2, 300)
    assert _counts(ctx) == before
    bad = import_members_csv(ctx, _write(tmp_path / "bad.csv", BAD), dry_run=True)
    assert bad.refused and [i.line for i in bad.invalid] == [3, 6]
    assert _counts(ctx) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"name,number\nAnna,1\n", "Unknown file format"),
        (b"first_name,last_name\n\x81\x8d\x8f,x\n", "neither UTF-8 nor Windows-1252"),
    ],
)
def test_unreadable_files(ctx: Context, tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match=message):
        import_members_csv(ctx, path)


def test_missing_file(ctx: Context, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="No such file"):
        import_members_csv(ctx, tmp_path / "nope.csv")


def test_progress_is_reported(ctx: Context, tmp_path: Path) -> None:
    lines = "".join(f",,Person,Nr{chr(97 + i % 26)},,,,,,,,,\n" for i in range(4500))
    seen: list[tuple[int, int]] = []
    report = import_members_csv(
        ctx,
        _write(tmp_path / "many.csv", f"{HEADER}\n{lines}"),
        progress=lambda d, t: seen.append((d, t)),
    )
    assert report.imported == 4500
    assert seen == [(0, 4500), (2000, 4500), (4000, 4500), (4500, 4500)]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_files_are_read(ctx: Context, tmp_path: Path, encoding: str) -> None:
    # Excel's "Unicode text" is UTF-16 with a BOM; without one (-le/-be) the zero bytes tell.
    text = f"{HEADER}\n,,Jörg,Weiß,,,,,,,,,\n"
    path = tmp_path / "u16.csv"
    data = text.encode(encoding)
    if encoding != "utf-16":
        data = ("\ufeff" + text).encode(encoding)
    path.write_bytes(data)
    report = import_members_csv(ctx, path)
    assert report.imported == 1
    assert find_members(ctx, "weiss")[0].first_name == "Jörg"


def test_a_file_mixing_encodings_is_refused_naming_the_first_bad_line(
    ctx: Context, tmp_path: Path
) -> None:
    before = _counts(ctx)
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        f"{HEADER}\n,,Jörg,Weiß,,,,,,,,,\n".encode()
        + ",,Bärbel,Größer,,,,,,,,,\n".encode("latin-1")
        + b",,Anna,Gut,,,,,,,,,\n"
    )
    with pytest.raises(InvalidInput, match="Line 3 is not UTF-8 text like the rest"):
        import_members_csv(ctx, path)
    assert _counts(ctx) == before


def test_a_header_with_a_column_twice_is_refused(ctx: Context, tmp_path: Path) -> None:
    before = _counts(ctx)
    path = _write(tmp_path / "twice.csv", f"{HEADER},email\n,,Anna,Gut,,,,,,,,,,a@b.de\n")
    with pytest.raises(InvalidInput, match="“email” appears twice"):
        import_members_csv(ctx, path)
    assert _counts(ctx) == before


def test_a_control_character_in_a_row_is_reported_on_its_line(ctx: Context, tmp_path: Path) -> None:
    before = _counts(ctx)
    report = import_members_csv(
        ctx, _write(tmp_path / "esc.csv", f"{HEADER}\n,,An\x1bna,Gut,,,,,,,,,\n")
    )
    assert report.refused and report.imported == 0
    assert [i.line for i in report.invalid] == [2]
    assert "U+001B" in report.invalid[0].reason
    assert _counts(ctx) == before
