"""Files with personal data are their owner's only (0600), the folders made for them 0700."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.config import default_db_path
from app.files import protect_stream
from app.printing.escpos import PrinterConfig, send
from app.services.cards import print_card
from app.services.chain.setup import init_shop
from app.services.context import Context
from app.services.member_io import export_members_csv
from app.services.views import MemberView
from app.store.database import Database
from tests.conftest import Clock


def mode(path: Path) -> str:
    return oct(path.stat().st_mode & 0o777)


@pytest.fixture(autouse=True)
def open_umask() -> object:
    """The most open umask: what the program sets must not depend on the user's."""
    before = os.umask(0o002)
    yield None
    os.umask(before)


def test_a_new_database_its_wal_and_its_folder_are_the_owners_only(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "shop" / "data" / "loyalty.db"
    db = Database(str(path))
    try:
        ctx = Context(db, clock=clock, actor="t", till=1)
        from app.domain.profile import MemberDraft
        from app.services.members import enroll_member

        enroll_member(ctx, MemberDraft(first_name="Anna", last_name="Berg"))
        assert mode(path) == "0o600"
        for suffix in ("-wal", "-shm"):
            assert mode(path.with_name(path.name + suffix)) == "0o600"
        assert mode(path.parent) == "0o700"
        assert mode(path.parent.parent) == "0o700"
    finally:
        db.dispose()


def test_the_data_folder_is_made_the_owners_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    path = default_db_path()
    path.parent.mkdir(mode=0o755)
    os.chmod(path.parent, 0o755)
    assert default_db_path() == path
    assert mode(path.parent) == "0o700"


def test_exports_card_files_and_secrets_are_the_owners_only(
    tmp_path: Path, ctx: Context, member: MemberView, monkeypatch: pytest.MonkeyPatch
) -> None:
    export_members_csv(ctx, tmp_path / "members.csv")
    assert mode(tmp_path / "members.csv") == "0o600"
    print_card(ctx, member.card, "pdf", tmp_path / "card.pdf")
    assert mode(tmp_path / "card.pdf") == "0o600"
    monkeypatch.delenv("LOYALTY_SYNC_SECRET", raising=False)
    secret = tmp_path / "keys" / "chain.key"
    init_shop(ctx, "001", 1, str(tmp_path / "sync"), str(secret))
    assert mode(secret) == "0o600"
    assert mode(secret.parent) == "0o700"


def test_a_file_printer_and_a_redirected_report_are_the_owners_only(tmp_path: Path) -> None:
    target = tmp_path / "printer.bin"
    send(b"\x1b@hello", PrinterConfig(kind="file", target=str(target)))
    assert mode(target) == "0o600"
    report = tmp_path / "close.csv"
    with report.open("w") as fh:  # what `loyalty report day --csv > close.csv` gets
        os.chmod(report, 0o644)
        protect_stream(fh)
    assert mode(report) == "0o600"
