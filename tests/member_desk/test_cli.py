"""The member desk commands of the `loyalty` CLI: output, JSON, errors that change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.domain.csv_formats import GENERIC_COLUMNS
from app.services.context import Context
from app.services.lookup import lookup_card
from app.services.views import MemberView

# The database the commands open is a migrated copy (see db_path): the first `loyalty` call
# does not migrate it again in every test.
pytestmark = pytest.mark.migrated_db

HEADER = ",".join(GENERIC_COLUMNS)


def run(capsys: pytest.CaptureFixture[str], db_path: Path, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--db", str(db_path)])
    out, err = capsys.readouterr()
    return code, out, err


def _enroll(capsys, db_path: Path, first: str, last: str, *extra: str) -> str:
    code, out, _err = run(
        capsys,
        db_path,
        "member",
        "add",
        "--first-name",
        first,
        "--last-name",
        last,
        *extra,
        "--json",
    )
    assert code == 0
    return json.loads(out)["card"]


def test_update(capsys, db_path: Path, member: MemberView, ctx: Context) -> None:
    code, out, err = run(
        capsys,
        db_path,
        "member",
        "update",
        member.card,
        "--email",
        "a@example.com",
        "--phone",
        "0151 23456789",
        "--consent",
        "--tier",
        "Gold",
        "--json",
    )
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert (data["email"], data["phone"]) == ("a@example.com", "+4915123456789")
    code, out, err = run(capsys, db_path, "member", "update", member.card, "--no-consent")
    assert code == 0 and "Updated:" in out


def test_update_errors_change_nothing(capsys, db_path: Path, member: MemberView, ctx) -> None:
    code, out, err = run(capsys, db_path, "member", "update", member.card, "--email", "bad")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "not an email address" in err
    code, _out, err = run(capsys, db_path, "member", "update", member.card)
    assert code == 1 and "Nothing to change" in err
    code, _out, err = run(capsys, db_path, "member", "update", "2900100000016", "--notes", "x")
    assert code == 1 and "check digit" in err
    assert lookup_card(ctx, member.card).email == "anna.mueller@example.org"


def test_merge(capsys, db_path: Path, member: MemberView, ctx: Context) -> None:
    other = _enroll(capsys, db_path, "Anna", "Mueller")
    run(capsys, db_path, "adjust", other, "--points", "30", "--reason", "welcome")
    code, out, err = run(capsys, db_path, "member", "merge", member.card, other, "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["points_balance"] == 30
    code, out, err = run(capsys, db_path, "member", "merge", member.card, other)
    assert code == 1 and out == "" and "replaced" in err and err.count("\n") == 1
    assert lookup_card(ctx, member.card).points == 30


def test_member_export(capsys, db_path: Path, member: MemberView, tmp_path: Path) -> None:
    code, out, _err = run(capsys, db_path, "member", "export", member.card)
    assert code == 0 and json.loads(out)["member"]["last_name"] == "Müller"
    target = tmp_path / "anna.json"
    code, out, _err = run(capsys, db_path, "member", "export", member.card, "--out", str(target))
    assert code == 0 and str(target) in out
    assert json.loads(target.read_text(encoding="utf-8"))["cards"][0]["number"] == member.card
    code, out, err = run(
        capsys, db_path, "member", "export", member.card, "--out", str(tmp_path / "no" / "x.json")
    )
    assert code == 1 and "Cannot write" in err


def test_erase_asks_for_confirmation(capsys, db_path: Path, member: MemberView, ctx) -> None:
    code, out, err = run(capsys, db_path, "member", "erase", member.card)
    assert code == 1 and out == "" and "--yes" in err and err.count("\n") == 1
    assert lookup_card(ctx, member.card).first_name == "Anna"
    code, out, err = run(capsys, db_path, "member", "erase", member.card, "--yes", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["blocked_cards"] == [member.card]
    code, _out, err = run(capsys, db_path, "member", "show", member.card)
    assert code == 1 and "blocked" in err
    code, _out, err = run(capsys, db_path, "member", "erase", member.card, "--yes")
    assert code == 1 and "already erased" in err


def test_members_export_and_import(capsys, db_path: Path, member: MemberView, tmp_path: Path):
    target = tmp_path / "all.csv"
    code, out, _err = run(capsys, db_path, "members", "export", str(target))
    assert code == 0 and "Exported 1 member to" in out
    assert target.read_text(encoding="utf-8").startswith(HEADER)
    other_db = tmp_path / "other.db"
    assert run(capsys, other_db, "init", "--store", "002", "--till", "1")[0] == 0
    code, out, err = run(capsys, other_db, "members", "import", str(target), "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["imported"] == 1
    code, out, _err = run(capsys, other_db, "member", "show", member.card)
    assert code == 0 and "Anna" in out


def test_members_import_reports_and_refuses(capsys, db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(f"{HEADER}\n,,Ida,Roth,,,,,,,,,\n,,Jan,,,,,,,,,,\n", encoding="utf-8")
    code, out, err = run(capsys, db_path, "members", "import", str(path))
    assert code == 1
    assert "Line 3: invalid: Last name is required" in out
    assert err.count("\n") == 1 and "1 invalid row: nothing imported" in err
    code, out, err = run(
        capsys, db_path, "members", "import", str(path), "--dry-run", "--skip-invalid"
    )
    assert code == 0 and "Dry run: would import 1 member" in out
    code, out, _err = run(capsys, db_path, "member", "find", "roth")
    assert "No member found" in out
    code, out, err = run(capsys, db_path, "members", "import", str(path), "--skip-invalid")
    assert code == 0 and "Imported 1 member (1 new cards, 0 points)" in out
    code, out, _err = run(capsys, db_path, "member", "find", "roth")
    assert "Roth" in out


def test_members_import_missing_file(capsys, db_path: Path, tmp_path: Path) -> None:
    code, out, err = run(capsys, db_path, "members", "import", str(tmp_path / "none.csv"))
    assert code == 1 and out == "" and "No such file" in err


def test_members_list_pages(capsys, db_path: Path, member: MemberView) -> None:
    for first in ("Bea", "Cem", "Dan"):
        _enroll(capsys, db_path, first, "Zorn")
    code, out, _err = run(capsys, db_path, "members", "list", "--limit", "2", "--json")
    page = json.loads(out)
    assert code == 0 and [m["first_name"] for m in page["members"]] == ["Anna", "Bea"]
    after = json.dumps(page["next_key"])
    code, out, _err = run(capsys, db_path, "members", "list", "--limit", "2", "--after", after)
    assert code == 0 and "Zorn, Cem" in out and "Zorn, Dan" in out and "More" not in out
    code, out, _err = run(capsys, db_path, "members", "list", "zo", "--sort", "newest")
    assert out.splitlines()[0].endswith("Zorn, Dan  0")
    code, out, err = run(capsys, db_path, "members", "list", "--after", "nonsense")
    assert code == 1 and out == "" and "--after" in err
