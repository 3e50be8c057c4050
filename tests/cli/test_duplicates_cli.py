"""`loyalty member add` refuses an email or phone already on another member, naming that
card, unless --allow-duplicate (issue 15, item 7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_cli_commands import Cli

pytestmark = pytest.mark.migrated_db


@pytest.fixture
def cli(db_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(db_path, capsys)


def test_the_same_email_or_phone_is_refused_unless_allowed(cli: Cli) -> None:
    emma = cli.json(
        "member", "add", "--first-name", "Emma", "--last-name", "Fischer",
        "--email", "emma@example.org", "--phone", "0171 5550123",
    )  # fmt: skip
    err = cli.refused(
        "member", "add", "--first-name", "Eva", "--last-name", "Klein",
        "--email", "EMMA@example.org", match=emma["card"],
    )  # fmt: skip
    assert "Emma Fischer" in err and "--allow-duplicate" in err
    cli.refused(
        "member", "add", "--first-name", "Eva", "--last-name", "Klein",
        "--phone", "+49 171 5550123", match=emma["card"],
    )  # fmt: skip
    eva = cli.json(
        "member", "add", "--first-name", "Eva", "--last-name", "Klein",
        "--email", "emma@example.org", "--allow-duplicate",
    )  # fmt: skip
    assert eva["card"] != emma["card"]


def test_a_same_name_alone_is_enrolled(cli: Cli) -> None:
    cli.json("member", "add", "--first-name", "Emma", "--last-name", "Fischer")
    cli.json("member", "add", "--first-name", "Emma", "--last-name", "Fischer")
