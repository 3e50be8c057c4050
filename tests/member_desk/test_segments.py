"""Segments (`--segment`, the desk's filter) and the newsletter layouts that respect consent."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.cli import main
from app.domain.errors import InvalidInput
from app.domain.profile import MemberDraft
from app.services.checkout import checkout
from app.services.context import Context
from app.services.member_list import list_members
from app.services.members import enroll_member
from app.services.newsletter import export_members
from app.services.program_rules import add_tier
from app.services.refunds import refund_sale
from app.services.segments import read_segment, segment_member_ids
from app.services.views import MemberView
from tests.conftest import FIXED_NOW, Clock


def _at(clock: Clock, when: datetime) -> None:
    clock.now = when


def _enroll(ctx: Context, clock: Clock, when: datetime, **fields: object) -> MemberView:
    _at(clock, when)
    view = enroll_member(ctx, MemberDraft(**fields))  # type: ignore[arg-type]
    _at(clock, FIXED_NOW)
    return view


@pytest.fixture
def shop(ctx: Context, clock: Clock) -> dict[str, MemberView]:
    """Five members with known histories, the clock back at 2026-11-20."""
    add_tier(ctx, "Gold", 100_00, 150)
    old = datetime(2024, 3, 1, 9, tzinfo=UTC)
    anna = _enroll(
        ctx,
        clock,
        old,
        first_name="Anna",
        last_name="Arndt",
        email="anna@example.org",
        phone="+49 171 1111111",
        birthday="1980-06-30",
        marketing_consent=True,
    )
    ben = _enroll(
        ctx,
        clock,
        datetime(2026, 11, 1, 9, tzinfo=UTC),
        first_name="Ben",
        last_name="Bauer",
        email="ben@example.org",
        birthday="1990-12-05",
        marketing_consent=True,
    )
    clara = _enroll(ctx, clock, old, first_name="Clara", last_name="Conrad")
    dora = _enroll(ctx, clock, old, first_name="Dora", last_name="Dahl", marketing_consent=True)
    emil = _enroll(ctx, clock, old, first_name="Emil", last_name="Ernst", email="emil@example.org")
    _at(clock, datetime(2025, 2, 1, 12, tzinfo=UTC))
    checkout(ctx, anna.card, 20_00)
    _at(clock, datetime(2026, 11, 10, 12, tzinfo=UTC))
    checkout(ctx, clara.card, 150_00)
    checkout(ctx, clara.card, 30_00)
    _at(clock, datetime(2026, 11, 15, 12, tzinfo=UTC))
    # Wholly refunded: no purchase, Emil stays lapsed.
    refund_sale(ctx, checkout(ctx, emil.card, 40_00).sale_id)
    _at(clock, FIXED_NOW)
    return {"anna": anna, "ben": ben, "clara": clara, "dora": dora, "emil": emil}


def _names(ctx: Context, text: str) -> list[str]:
    ids = segment_member_ids(ctx, read_segment(ctx, text))
    page = list_members(ctx, text, limit=100)
    assert [m.member_id for m in page.members] == ids
    return [m.first_name for m in page.members]


def test_each_segment_finds_its_members(ctx: Context, shop: dict[str, MemberView]) -> None:
    assert _names(ctx, "lapsed:90") == ["Anna", "Dora", "Emil"]
    assert _names(ctx, "lapsed:3000") == []
    assert _names(ctx, "new:30") == ["Ben"]
    assert _names(ctx, "birthday:next-month") == ["Ben"]
    assert _names(ctx, "tier:gold") == ["Clara"]
    assert _names(ctx, "top:1") == ["Clara"]
    assert _names(ctx, "top:5") == ["Clara"]  # no spend in the last 12 months: not in a top
    # Two buyers: Clara is best in recency, frequency and money; Anna is worst in each.
    assert _names(ctx, "rfm:champions") == ["Clara"]
    assert _names(ctx, "rfm:lost") == ["Anna"]


def test_the_desk_pages_through_a_segment(ctx: Context, shop: dict[str, MemberView]) -> None:
    first = list_members(ctx, "lapsed:90", limit=2)
    assert [m.first_name for m in first.members] == ["Anna", "Dora"]
    assert first.next_key == (2,)
    second = list_members(ctx, "lapsed:90", after_key=first.next_key, limit=2)
    assert [m.first_name for m in second.members] == ["Emil"] and second.next_key is None


def test_a_wrong_segment_is_one_message(ctx: Context, shop: dict[str, MemberView]) -> None:
    with pytest.raises(InvalidInput, match="no tier “Platin” \\(tiers: Gold\\)"):
        list_members(ctx, "tier:Platin")


def _read(path: Path, delimiter: str = ",") -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh, delimiter=delimiter))


def test_mailchimp_holds_only_consenting_members_with_email(
    ctx: Context, shop: dict[str, MemberView], tmp_path: Path
) -> None:
    segment = read_segment(ctx, "lapsed:90")
    path = tmp_path / "mc.csv"
    result = export_members(
        ctx,
        path,
        layout="mailchimp",
        member_ids=segment_member_ids(ctx, segment),
        segment=segment,
    )
    # Dora consented but has no email; Emil has an email but no consent.
    assert (result.written, result.left_out) == (1, 2)
    assert _read(path) == [
        ["Email Address", "First Name", "Last Name", "Birthday", "Tags"],
        ["anna@example.org", "Anna", "Arndt", "06/30", "lapsed:90"],
    ]
    assert path.stat().st_mode & 0o777 == 0o600


def test_brevo_is_semicolon_separated_with_the_phone_for_sms(
    ctx: Context, shop: dict[str, MemberView], tmp_path: Path
) -> None:
    path = tmp_path / "brevo.csv"
    result = export_members(ctx, path, layout="brevo")
    assert (result.written, result.left_out) == (2, 3)
    assert _read(path, ";") == [
        ["EMAIL", "FIRSTNAME", "LASTNAME", "SMS"],
        ["anna@example.org", "Anna", "Arndt", "491711111111"],
        ["ben@example.org", "Ben", "Bauer", ""],
    ]


def test_the_cli_exports_a_segment_and_counts_who_was_left_out(
    capsys: pytest.CaptureFixture[str],
    db_path: Path,
    shop: dict[str, MemberView],
    tmp_path: Path,
) -> None:
    out_file = tmp_path / "news.csv"
    code = main(
        [
            "members",
            "export",
            str(out_file),
            "--segment",
            "lapsed:90",
            "--format",
            "mailchimp",
            "--db",
            str(db_path),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"Exported 1 member to {out_file}" in out
    assert "2 members left out: no marketing consent or no email" in out
    code = main(
        [
            "members",
            "export",
            str(tmp_path / "all.csv"),
            "--segment",
            "new:60",
            "--json",
            "--db",
            str(db_path),
        ]
    )
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert code == 0, err
    assert data["members"] == 1 and data["segment"] == "new:60"
    assert _read(tmp_path / "all.csv")[1][2] == "Ben"
    code = main(
        ["members", "export", str(tmp_path / "x.csv"), "--segment", "vip", "--db", str(db_path)]
    )
    out, err = capsys.readouterr()
    assert code == 1 and "“vip” is no segment" in err and "Traceback" not in err
    assert not (tmp_path / "x.csv").exists()
