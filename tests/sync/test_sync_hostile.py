"""A hostile sync folder: links, FIFOs, devices, huge files and lines, settings no shop sends.

Each bad file is rejected with its name and reason while the good files beside it are applied.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.domain.errors import InvalidInput
from app.domain.profile import MemberDraft
from app.services.chain.exchange import export_events, import_events
from app.services.chain.history import NodeClash, new_node
from app.services.chain.setup import init_shop
from app.services.context import Context
from app.services.members import enroll_member
from app.services.settings import write_setting
from app.store.database import Database
from app.store.settings import DEFAULTS, SYNCED_SETTINGS
from app.sync import fileformat
from app.sync.fileformat import (
    MAX_LINE,
    SyncFileRejected,
    check_file,
    encode_batch,
    event_line,
    open_file,
    read_slices,
)
from tests.conftest import Clock
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


def _fresh(tmp_path: Path, clock: Clock, name: str = "D") -> Context:
    return Context(Database(str(tmp_path / f"{name}.db")), clock=Clock(clock.now), actor=name)


@pytest.mark.parametrize("linked", [False, True], ids=["plain", "through-a-link"])
def test_init_refuses_a_secret_in_the_sync_folder_in_either_order(
    tmp_path: Path, clock: Clock, linked: bool
) -> None:
    folder = tmp_path / "central"
    folder.mkdir()
    (tmp_path / "keys").symlink_to(folder)  # the same folder under another name
    secret = (tmp_path / "keys" if linked else folder) / "s3.key"
    ctx = _fresh(tmp_path, clock)
    try:
        # The folder first, then the secret inside it.
        init_shop(ctx, "004", 1, sync_dir=str(folder))
        with pytest.raises(InvalidInput, match="outside the sync folder"):
            init_shop(ctx, "004", 1, secret_file=str(secret))
        assert not secret.exists()
        assert ctx.settings()["sync.secret_file"] == ""
    finally:
        ctx.db.dispose()
    other = _fresh(tmp_path, clock, "E")
    try:
        # The secret first (the folder not set yet), then the folder around it.
        init_shop(other, "005", 1, secret_file=str(secret))
        with pytest.raises(InvalidInput, match="outside the sync folder"):
            init_shop(
                other, "005", 1, sync_dir=str(tmp_path / ("keys" if not linked else "central"))
            )
        assert other.settings()["sync.dir"] == ""
        with pytest.raises(InvalidInput, match="outside the sync folder"):
            init_shop(other, "005", 1, sync_dir=str(folder), secret_file=str(secret))
        init_shop(other, "005", 1, sync_dir=str(folder), secret_file=str(tmp_path / "s3.key"))
        assert other.settings()["sync.dir"] == str(folder)
    finally:
        other.db.dispose()


def _copy(shop: Shop, path: Path) -> None:
    with (
        contextlib.closing(sqlite3.connect(shop.path)) as source,
        contextlib.closing(sqlite3.connect(path)) as target,
    ):
        source.backup(target)


def test_a_copied_database_is_refused_until_it_takes_a_new_node_id(
    shops: Callable[[int], list[Shop]], folder: Path, tmp_path: Path, clock: Clock
) -> None:
    a, b = shops(2)
    anna = a.enroll("Anna", "Müller")
    a.sale(anna.card, 20_00)
    a.export()
    b.import_()
    # The third shop is set up from a copy of A's database, under its own store code.
    _copy(a, tmp_path / "C.db")
    c = Shop("C", tmp_path / "C.db", _fresh(tmp_path, clock, "C"), folder)
    try:
        init_shop(c.ctx, "003", 1, str(folder))
        assert c.ctx.node() == a.ctx.node()
        a.sale(anna.card, 10_00)  # +10 in A
        a.export()
        c.sale(anna.card, 30_00)  # +30 in C, numbered as A's sale was
        with pytest.raises(NodeClash, match="loyalty init --new-node"):
            c.export()
        with pytest.raises(NodeClash, match="copy of another shop"):
            c.import_()
        assert len([p for p in folder.iterdir() if "-003-" in p.name]) == 0
        changed = new_node(c.ctx)
        assert changed.old == a.ctx.node() != changed.new == c.ctx.node()
        assert changed.events == 1  # C's sale, sent under the new id
        c.sync()
        b.import_()
        a.import_()
        c.import_()
        assert a.balance(anna.card) == b.balance(anna.card) == c.balance(anna.card) == 60
        assert a.balances() == b.balances() == c.balances()
        for shop in (a, b, c):
            shop.assert_sound()
        # A's own files are not read back by C: they were marked as read at the new id.
        assert c.import_().files == []
    finally:
        c.close()


def test_the_original_is_refused_when_the_copy_exported_first(
    shops: Callable[[int], list[Shop]], folder: Path, tmp_path: Path, clock: Clock
) -> None:
    (a,) = shops(1)
    anna = a.enroll("Anna", "Müller")
    a.export()
    _copy(a, tmp_path / "C.db")
    c = Shop("C", tmp_path / "C.db", _fresh(tmp_path, clock, "C"), folder)
    try:
        c.sale(anna.card, 30_00)
        c.export()  # the folder has no file of this id that C did not write
        a.sale(anna.card, 10_00)
        with pytest.raises(NodeClash):
            a.export()
        new_node(a.ctx)
        a.sync()
        c.sync()
        assert a.balance(anna.card) == c.balance(anna.card) == 40
    finally:
        c.close()


def test_a_file_of_this_node_written_before_a_crash_is_not_a_clash(
    shops: Callable[[int], list[Shop]], folder: Path
) -> None:
    (a,) = shops(1)
    anna = a.enroll("Anna", "Müller")
    a.export()
    # The export wrote its file, then the process died before marking the events exported.
    con = sqlite3.connect(a.path)
    con.execute("UPDATE sync_event SET exported_file = NULL")
    con.commit()
    con.close()
    a.sale(anna.card, 5_00)
    report = a.export()  # the events again, in a new file; no clash
    assert report.events == 3
    assert a.import_().files == []


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_is_not_a_sync_file(device: str) -> None:
    with pytest.raises(SyncFileRejected, match="not a regular file"):
        open_file(device, 1 << 20)


def test_a_file_changed_after_its_check_gives_not_even_its_first_slice(
    chain: tuple[Shop, Shop, str], folder: Path
) -> None:
    _a, b, _card = chain
    assert b.import_().rejected == []  # (and the file's last write is a while ago)
    (path,) = folder.iterdir()
    with open_file(path, 1 << 20) as fh:
        checked = check_file(SECRET.encode(), fh)
        data = path.read_bytes()
        with path.open("r+b") as out:  # same length, same file: what the open file reads
            out.write(data.replace(b'"amount_cents":1200', b'"amount_cents":9900', 1))
        with pytest.raises(SyncFileRejected, match="changed while"):
            next(read_slices(SECRET.encode(), fh, checked, lambda: 1))


@pytest.mark.parametrize("chunk", [5, 64, 1 << 20])
def test_the_check_finds_what_straddles_its_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """Lines cut anywhere by the chunks read: still counted, measured and checked."""
    monkeypatch.setattr(fileformat, "READ_CHUNK", chunk)
    monkeypatch.setattr(fileformat, "MAX_LINE", 600)
    path = tmp_path / "f.jsonl"
    good = [("points", {"note": "n" * n}) for n in (10, 200, 3, 390)]
    rule = _rule("program.signup_bonus", 5)

    def check(events: list[tuple[str, dict[str, object]]]) -> int:
        path.write_bytes(_signed(events))
        with open_file(path, 1 << 20) as fh:
            return check_file(SECRET.encode(), fh).count

    assert check([*good, rule, *good]) == 9
    with pytest.raises(SyncFileRejected, match=r"shop\.name"):
        check([*good, _rule("shop.name", "Evil"), *good])
    with pytest.raises(SyncFileRejected, match="longer than 600"):
        check([*good, ("points", {"note": "n" * 600}), *good])


def test_a_postgresql_shop_takes_a_new_node_id(
    shops: Callable[[int], list[Shop]], folder: Path, pg_ctx: Context
) -> None:
    (a,) = shops(1)
    init_shop(pg_ctx, "002", 1, str(folder))
    enroll_member(pg_ctx, MemberDraft(first_name="Ben", last_name="Schmidt"))
    export_events(pg_ctx, folder)
    old = pg_ctx.node()
    enroll_member(pg_ctx, MemberDraft(first_name="Clara", last_name="Weber"))
    changed = new_node(pg_ctx)
    assert (changed.old, changed.events) == (old, 2)  # Clara: her member and card events
    report = export_events(pg_ctx, folder)
    assert report.events == 2 and changed.new[:8] in report.files[0]
    assert import_events(pg_ctx, folder).files == []  # its old file is its own
    assert [f.applied for f in a.import_().files] == [2, 2]
