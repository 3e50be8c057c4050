"""`loyalty card print` and `loyalty card replace` against a real database file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from app.cli import main
from app.services.views import MemberView
from tests.printing.conftest import assert_both_codes
from tests.services.dbstate import scalar, snapshot


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_print_one_card_as_png(
    capsys: pytest.CaptureFixture[str], member: MemberView, db_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "card.png"
    code, text, err = run(
        capsys,
        "card",
        "print",
        member.card,
        "--format",
        "png",
        "--out",
        str(out),
        "--db",
        str(db_path),
    )
    assert (code, err) == (0, "")
    assert text.strip() == f"Printed card {member.card} (png) to {out}"
    assert_both_codes(Image.open(out), member.card)


def test_print_all_new_as_a_pdf_sheet_with_json(
    capsys: pytest.CaptureFixture[str], member: MemberView, db_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "sheet.pdf"
    argv = ("card", "print", "--all-new", "--format", "pdf", "--out", str(out))
    code, text, _err = run(capsys, *argv, "--json", "--db", str(db_path))
    assert code == 0
    data = json.loads(text)
    assert (data["cards"], data["count"], data["format"]) == ([member.card], 1, "pdf")
    assert out.read_bytes().startswith(b"%PDF")
    code, text, _err = run(capsys, *argv, "--db", str(db_path))
    assert (code, text.strip()) == (0, "No cards waiting to be printed")


def test_replace_with_json_then_the_old_card_is_refused(
    capsys: pytest.CaptureFixture[str], member: MemberView, db_path: Path
) -> None:
    code, text, _err = run(capsys, "--db", str(db_path), "--json", "card", "replace", member.card)
    assert code == 0
    data = json.loads(text)
    assert data["old_card"] == member.card and data["member_id"] == member.member_id
    code, _text, err = run(capsys, "member", "show", member.card, "--db", str(db_path))
    assert code == 1
    assert "ask for the new card or search by name" in err
    code, text, _err = run(capsys, "member", "show", data["new_card"], "--db", str(db_path))
    assert code == 0 and "Anna Müller" in text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--format", "gif", "--out", "x.gif"], "Unknown card format"),
        (["--format", "png", "--out", "/no/such/folder/x.png"], "Cannot write"),
        (["--format", "escpos"], "No receipt printer is set up"),
        (["--all-new"], "Give a card number, or --all-new"),
    ],
)
def test_errors_are_one_line_and_change_nothing(
    capsys: pytest.CaptureFixture[str],
    member: MemberView,
    db_path: Path,
    extra: list[str],
    message: str,
) -> None:
    before = snapshot(db_path)
    code, text, err = run(capsys, "card", "print", member.card, *extra, "--db", str(db_path))
    assert code == 1 and text == ""
    assert err.count("\n") == 1 and message in err
    assert snapshot(db_path) == before
    assert scalar(db_path, "SELECT printed_at FROM card") is None


def test_printer_settings_can_be_set(
    capsys: pytest.CaptureFixture[str], member: MemberView, db_path: Path, tmp_path: Path
) -> None:
    device = tmp_path / "lp0"
    for key, value in (("printer.kind", "file"), ("printer.target", str(device))):
        assert run(capsys, "settings", "set", key, value, "--db", str(db_path))[0] == 0
    code, _text, err = run(capsys, "settings", "set", "printer.kind", "fax", "--db", str(db_path))
    assert code == 1 and "not a valid value for printer.kind" in err
    code, text, _err = run(
        capsys, "card", "print", member.card, "--format", "escpos", "--db", str(db_path)
    )
    assert code == 0 and f"file:{device}" in text
    assert member.card.encode() in device.read_bytes()


def test_a_card_without_format_or_out_is_saved_like_f7_does_without_a_printer(
    capsys: pytest.CaptureFixture[str],
    member: MemberView,
    db_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    pdf = tmp_path / "data" / "loyalty-counter" / "cards" / f"card-{member.card}.pdf"
    code, text, err = run(capsys, "card", "print", member.card, "--db", str(db_path))
    assert (code, err) == (0, "")
    assert text.strip() == f"No receipt printer is set up: card saved as {pdf}"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert scalar(db_path, "SELECT printed_at FROM card") is not None
    code, text, _err = run(capsys, "card", "print", member.card, "--json", "--db", str(db_path))
    assert code == 0
    data = json.loads(text)
    assert (data["cards"], data["format"], data["destination"]) == ([member.card], "pdf", str(pdf))


def test_a_card_without_format_or_out_goes_to_the_receipt_printer_when_there_is_one(
    capsys: pytest.CaptureFixture[str],
    member: MemberView,
    db_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    device = tmp_path / "lp0"
    for key, value in (("printer.kind", "file"), ("printer.target", str(device))):
        assert run(capsys, "settings", "set", key, value, "--db", str(db_path))[0] == 0
    code, text, err = run(capsys, "card", "print", member.card, "--db", str(db_path))
    assert (code, err) == (0, "")
    assert text.strip() == f"Printed card {member.card} (escpos) to file:{device}"
    assert member.card.encode() in device.read_bytes()
    assert not (tmp_path / "data").exists()


def test_an_explicit_pdf_still_needs_a_file(
    capsys: pytest.CaptureFixture[str], member: MemberView, db_path: Path
) -> None:
    code, text, err = run(
        capsys, "card", "print", member.card, "--format", "pdf", "--db", str(db_path)
    )
    assert code == 1 and text == ""
    assert "Give the file to write the card to (--out FILE)" in err
    assert scalar(db_path, "SELECT printed_at FROM card") is None
