"""A hostile sync folder: links, FIFOs, devices, huge files and lines, settings no shop sends.

Each bad file is rejected with its name and reason while the good files beside it are applied.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.services.settings import write_setting
from app.store.settings import DEFAULTS, SYNCED_SETTINGS
from app.sync.fileformat import MAX_LINE, encode_batch, event_line
from tests.sync.shops import SECRET, Shop

FAKE = "sync-009-{node}-0000000001-0000000002-00000000.jsonl"


def _name(node: str = "deadbeef") -> str:
    return FAKE.format(node=node)


@pytest.fixture
def chain(shops: Callable[[int], list[Shop]], folder: Path) -> tuple[Shop, Shop, str]:
    """A has exported one member; B has imported nothing yet."""
    a, b = shops(2)
    card = a.enroll("Anna", "Müller").card
    a.sale(card, 12_00)
    a.export()
    return a, b, card


def _import_rejects(b: Shop, card: str, name: str, reason: str) -> None:
    """B rejects ``name`` for ``reason`` and still applies A's good file."""
    report = b.import_()
    assert [(n, reason in why) for n, why in report.rejected] == [(name, True)], report.rejected
    assert [f.applied for f in report.files] == [3]
    assert b.balance(card) == 12
    b.assert_sound()


def test_a_link_to_a_file_outside_is_not_followed(
    chain: tuple[Shop, Shop, str], folder: Path, tmp_path: Path
) -> None:
    a, b, card = chain
    # A signed file of the chain, but outside the folder: a link to it is still never read.
    outside = tmp_path / "elsewhere.jsonl"
    a.enroll("Ben", "Schmidt")
    a.export()
    newest = max(folder.iterdir(), key=lambda p: p.name)
    newest.rename(outside)
    (folder / _name()).symlink_to(outside)
    _import_rejects(b, card, _name(), "symbolic link")
    assert b.query("SELECT COUNT(*) FROM member") == [(1,)]


def test_a_link_to_dev_zero_is_rejected_and_the_other_files_applied(
    chain: tuple[Shop, Shop, str], folder: Path
) -> None:
    _a, b, card = chain
    (folder / _name()).symlink_to("/dev/zero")
    _import_rejects(b, card, _name(), "symbolic link")


def test_a_fifo_does_not_block_the_import(chain: tuple[Shop, Shop, str], folder: Path) -> None:
    _a, b, card = chain
    os.mkfifo(folder / _name())  # no writer: a plain open would wait for one forever
    _import_rejects(b, card, _name(), "not a regular file")


def test_a_file_above_the_size_limit_is_rejected_before_reading(
    chain: tuple[Shop, Shop, str], folder: Path
) -> None:
    _a, b, card = chain
    write_setting(b.ctx.db, "sync.max_file_mb", 1, b.ctx.now())
    b.ctx.forget_settings()
    with (folder / _name()).open("wb") as fh:
        fh.truncate(3 << 20)  # 3 MB of holes: reading them would take nothing from the disk
    _import_rejects(b, card, _name(), "larger than 1 MB")


def _signed(events: list[tuple[str, dict[str, object]]], node: str | None = None) -> bytes:
    """A file of the chain (signed with its secret) holding ``events`` (kind, data)."""
    node = node or str(uuid.uuid4())
    at = datetime(2026, 3, 1, 9, tzinfo=UTC).isoformat()
    lines = [
        event_line(str(uuid.uuid4()), seq, "009", 1, kind, at, json.dumps(data))
        for seq, (kind, data) in enumerate(events, 1)
    ]
    header = {
        "node": node,
        "store": "009",
        "till": 1,
        "first_seq": 1,
        "last_seq": len(lines),
        "count": len(lines),
        "created_at": at,
    }
    return encode_batch(SECRET.encode(), header, lines)


def _rule(key: str, value: object) -> tuple[str, dict[str, object]]:
    return "setting", {"key": key, "value": value, "updated_at": "2030-01-01T00:00:00+00:00"}


def test_a_file_with_an_over_long_line_is_rejected(
    chain: tuple[Shop, Shop, str], folder: Path
) -> None:
    _a, b, card = chain
    note = {"note": "x" * (MAX_LINE + 10)}
    data = _signed([_rule("program.earn_points_per_unit", 7), ("points", note)])
    (folder / _name()).write_bytes(data)
    _import_rejects(b, card, _name(), f"longer than {MAX_LINE} bytes")
    assert b.ctx.settings()["program.earn_points_per_unit"] == 1  # nothing of it applied


@pytest.mark.parametrize(
    "key",
    [
        "printer.target",
        "printer.kind",
        "shop.store_code",
        "shop.name",
        "sync.secret_file",
        "sync.dir",
        "card.prefix",
        "feedback.every_n_sales",
        "made.up",
    ],
)
def test_a_file_with_a_setting_no_shop_sends_is_rejected_whole(
    chain: tuple[Shop, Shop, str], folder: Path, key: str
) -> None:
    _a, b, card = chain
    value = DEFAULTS[key][0] if key in DEFAULTS else "x"
    # A program rule first: it is not applied either, the file is rejected whole.
    data = _signed([_rule("program.earn_points_per_unit", 7), _rule(key, value or "002")])
    (folder / _name()).write_bytes(data)
    _import_rejects(b, card, _name(), key)
    assert b.ctx.settings()["program.earn_points_per_unit"] == 1


def test_a_setting_spelt_with_escapes_is_rejected_too(
    chain: tuple[Shop, Shop, str], folder: Path
) -> None:
    _a, b, card = chain
    data = _signed([_rule("program.earn_points_per_unit", 7), _rule("printer.target", "/x")])
    # JSON-equal lines the writer never makes: the kind and the key spelt with \u escapes.
    data = data.replace(b'"kind":"setting"', b'"kind":"s\\u0065tting"')
    data = data.replace(b'"printer.target"', b'"print\\u0065r.target"')
    body = data[: data.rfind(b"\n", 0, len(data) - 1) + 1]
    header, *lines = body.splitlines(keepends=True)
    data = encode_batch(SECRET.encode(), json.loads(header), lines)
    (folder / _name()).write_bytes(data)
    _import_rejects(b, card, _name(), "printer.target")


def test_program_rules_still_travel(shops: Callable[[int], list[Shop]], folder: Path) -> None:
    a, b = shops(2)
    assert all(key.startswith("program.") for key in SYNCED_SETTINGS)
    write_setting(a.ctx.db, "program.earn_points_per_unit", 3, a.ctx.now())
    write_setting(a.ctx.db, "printer.target", "/tmp/a-printer", a.ctx.now())
    a.export()
    report = b.import_()
    assert report.rejected == []
    settings = b.ctx.settings()
    assert settings["program.earn_points_per_unit"] == 3
    assert settings["printer.target"] == ""  # never sent
    kinds = a.query("SELECT payload FROM sync_event WHERE kind = 'setting'")
    assert [json.loads(p)["key"] for (p,) in kinds] == ["program.earn_points_per_unit"]
