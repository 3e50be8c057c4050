"""Files that cannot be trusted are rejected whole, with the file and the reason named."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from app.domain.errors import CardNotFound
from app.services.chain.exchange import import_events
from app.services.chain.setup import SyncNotSetUp
from app.services.chain.status import sync_status
from app.services.lookup import lookup_card
from app.sync.fileformat import SyncFileRejected, decode_batch, encode_batch, event_line
from tests.sync.shops import SECRET, Shop


def _one_file(folder: Path) -> Path:
    (path,) = [p for p in folder.iterdir() if p.name.startswith("sync-")]
    return path


@pytest.fixture
def exported(shops: Callable[[int], list[Shop]], folder: Path) -> tuple[Shop, Shop, str, Path]:
    a, b = shops(2)
    anna = a.enroll("Anna", "Müller")
    a.sale(anna.card, 25_00)
    a.export()
    return a, b, anna.card, _one_file(folder)


def _assert_nothing_applied(shop: Shop, card: str) -> None:
    with pytest.raises(CardNotFound):
        lookup_card(shop.ctx, card)
    assert shop.query("SELECT COUNT(*) FROM sync_file") == [(0,)]
    assert shop.query("SELECT COUNT(*) FROM member") == [(0,)]


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda d: d.replace(b'"amount_cents":2500', b'"amount_cents":9900'), "signature"),
        (lambda d: d[: len(d) // 2], "cut short"),
        (lambda d: d[: d.rfind(b"\n", 0, len(d) - 1) + 1], "cut short"),
        (lambda d: b"", "empty"),
        (lambda d: b"\x00\xff garbage\n", "cut short"),
    ],
    ids=["tampered", "half", "signature-line-missing", "empty", "garbage"],
)
def test_a_damaged_file_is_rejected_whole_and_named(
    exported: tuple[Shop, Shop, str, Path],
    damage: Callable[[bytes], bytes],
    reason: str,
) -> None:
    _a, b, card, path = exported
    path.write_bytes(damage(path.read_bytes()))
    report = b.import_()
    assert report.files == []
    ((name, why),) = report.rejected
    assert name == path.name and reason in why
    _assert_nothing_applied(b, card)


def test_a_file_signed_with_another_secret_is_rejected(
    exported: tuple[Shop, Shop, str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _a, b, card, path = exported
    monkeypatch.setenv("LOYALTY_SYNC_SECRET", "another-chain-secret-0000000")
    ((name, why),) = b.import_().rejected
    assert name == path.name and "signature" in why
    _assert_nothing_applied(b, card)


def test_a_rejected_file_does_not_stop_the_others(
    shops: Callable[[int], list[Shop]], folder: Path
) -> None:
    a, b, c = shops(3)
    anna = a.enroll("Anna", "Müller")
    a.export()
    bert = b.enroll("Bert", "Bauer")
    b.export()
    bad = next(p for p in folder.iterdir() if p.name.startswith("sync-001"))
    bad.write_bytes(bad.read_bytes()[:-10])
    report = c.import_()
    assert [name for name, _why in report.rejected] == [bad.name]
    assert len(report.files) == 1
    assert lookup_card(c.ctx, bert.card).first_name == "Bert"
    with pytest.raises(CardNotFound):
        lookup_card(c.ctx, anna.card)


def test_a_file_whose_count_does_not_match_is_rejected() -> None:
    secret = SECRET.encode()
    line = event_line("u1", 1, "001", 1, "points", "2026-01-01T00:00:00+00:00", '{"ledger":[]}')
    data = encode_batch(secret, {"node": "n", "count": 2}, [line])
    with pytest.raises(SyncFileRejected, match="announces 2 events but holds 1"):
        decode_batch(secret, data)
    good = encode_batch(secret, {"node": "n", "count": 1}, [line])
    assert decode_batch(secret, good).events[0]["data"] == {"ledger": []}


def test_export_leaves_no_temporary_file_and_each_file_is_complete(
    shops: Callable[[int], list[Shop]], folder: Path
) -> None:
    (a,) = shops(1)
    for index in range(5):
        a.enroll("Anna", "Nummer" + "abcde"[index])
    report = a.export_events_in_files_of(4)
    assert report.events == 10 and len(report.files) == 3
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(report.files)  # nothing left under a temporary name
    total = 0
    for name in names:
        lines = (folder / name).read_bytes().splitlines()
        header = json.loads(lines[0])
        assert header["count"] == len(lines) - 2
        total += header["count"]
    assert total == 10
    assert sync_status(a.ctx).pending == 0
    assert a.export().events == 0  # nothing new: no empty file
    assert len(list(folder.iterdir())) == 3


def test_without_a_secret_or_folder_sync_says_what_to_do(
    shops: Callable[[int], list[Shop]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (a,) = shops(1)
    monkeypatch.delenv("LOYALTY_SYNC_SECRET")
    with pytest.raises(SyncNotSetUp, match="LOYALTY_SYNC_SECRET"):
        a.export()
    monkeypatch.setenv("LOYALTY_SYNC_SECRET", "short")
    with pytest.raises(SyncNotSetUp, match="too short"):
        a.export()
    monkeypatch.setenv("LOYALTY_SYNC_SECRET", SECRET)
    with pytest.raises(SyncNotSetUp, match="does not exist"):
        import_events(a.ctx, tmp_path / "nowhere")
