"""A sync import applied in slices: the same database as in one go, and safe to stop half-way."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from app.domain.errors import LoyaltyError
from app.services.chain.exchange import import_events
from app.services.chain.setup import init_shop
from app.services.context import Context
from app.services.health import check_database
from app.services.lookup import lookup_card
from app.services.refunds import refund_sale
from app.sync.fileformat import SyncFileRejected, check_file, encode_batch, read_slices
from tests.sync.shops import SECRET, Shop


def _busy_day(a: Shop) -> list[str]:
    """Members, sales and a refund at shop A, exported as one file; the cards."""
    cards = [a.enroll(name, "Müller").card for name in ("Anna", "Ben", "Clara")]
    for index in range(12):
        sale = a.sale(cards[index % 3], 10_00 + index * 100)
    refund_sale(a.ctx, sale.sale_id, 5_00)
    a.export()
    return cards


def _events_here(shop: Shop) -> list[tuple[str, int]]:
    """Every event this shop has from others: each must be here once."""
    return shop.query("SELECT uuid, COUNT(*) FROM sync_event WHERE node <> '' GROUP BY uuid")


def _file(folder: Path) -> Path:
    (path,) = [p for p in folder.iterdir() if p.name.startswith("sync-001")]
    return path


def test_a_file_applied_in_slices_gives_the_same_database_as_in_one(
    shops: Callable[[int], list[Shop]],
) -> None:
    a, b, c = shops(3)
    cards = _busy_day(a)
    sliced = import_events(b.ctx, b.folder, slice_events=4)
    whole = import_events(c.ctx, c.folder, slice_events=1_000)
    count = a.query("SELECT COUNT(*) FROM sync_event")[0][0]
    assert sliced.files[0].applied == whole.files[0].applied == count
    assert b.balances() == c.balances() == a.balances()
    assert b.ledger() == c.ledger() == a.ledger()
    assert [b.balance(card) for card in cards] == [a.balance(card) for card in cards]
    assert b.query("SELECT uuid, amount_cents, refunded_cents FROM sale ORDER BY uuid") == (
        a.query("SELECT uuid, amount_cents, refunded_cents FROM sale ORDER BY uuid")
    )
    assert len(_events_here(b)) == count and {n for _u, n in _events_here(b)} == {1}
    assert b.query("SELECT events, applied FROM sync_file") == [(count, count)]
    b.assert_sound()


def test_an_import_stopped_between_slices_keeps_what_it_applied_and_the_next_completes_it(
    shops: Callable[[int], list[Shop]],
) -> None:
    a, b = shops(2)
    _busy_day(a)
    count = a.query("SELECT COUNT(*) FROM sync_event")[0][0]

    def crash_after_two_slices(_name: str, done: int) -> None:
        if done >= 10:
            raise RuntimeError("the till lost power")

    with pytest.raises(RuntimeError):
        import_events(b.ctx, b.folder, slice_events=5, after_slice=crash_after_two_slices)
    assert b.query("SELECT COUNT(*) FROM sync_file") == [(0,)]  # not marked imported
    assert len(_events_here(b)) == 10  # the two slices committed, whole
    b.assert_sound()  # every balance equals its ledger

    report = import_events(b.ctx, b.folder, slice_events=5)
    assert (report.files[0].skipped, report.files[0].applied) == (10, count - 10)
    assert b.balances() == a.balances() and b.ledger() == a.ledger()
    assert len(_events_here(b)) == count and {n for _u, n in _events_here(b)} == {1}
    assert b.query("SELECT COUNT(*) FROM sync_file") == [(1,)]
    assert import_events(b.ctx, b.folder).files == []  # and then it is done
    b.assert_sound()


def test_a_slice_that_fails_is_undone_whole_and_a_retry_applies_nothing_twice(
    shops: Callable[[int], list[Shop]], folder: Path
) -> None:
    a, b = shops(2)
    _busy_day(a)
    path = _file(folder)
    lines = path.read_bytes().splitlines(keepends=True)
    header = json.loads(lines[0])
    # A rule without its time: the settings table refuses it (NOT NULL), at the file's end.
    bad = {
        "uuid": "bad-setting",
        "seq": header["last_seq"] + 1,
        "store": "001",
        "till": 1,
        "kind": "setting",
        "at": "2026-01-01T00:00:00+00:00",
        "data": {"key": "program.earn_points_per_unit", "value": 2, "updated_at": None},
    }
    header.update(count=header["count"] + 1, last_seq=bad["seq"])
    header = {k: v for k, v in header.items() if k not in ("format", "version")}
    events = [*lines[1:-1], (json.dumps(bad) + "\n").encode()]
    path.write_bytes(encode_batch(SECRET.encode(), header, events))
    count = header["count"]

    for _attempt in range(2):
        with pytest.raises(LoyaltyError):
            import_events(b.ctx, b.folder, slice_events=4)
        # The slices before the bad one are in, whole; the failing slice is not.
        here = _events_here(b)
        assert len(here) == (count - 1) // 4 * 4 and {n for _u, n in here} == {1}
        assert b.query("SELECT COUNT(*) FROM sync_file") == [(0,)]
        b.assert_sound()


def test_a_copy_of_a_file_imported_in_slices_changes_nothing(
    shops: Callable[[int], list[Shop]], folder: Path
) -> None:
    a, b = shops(2)
    _busy_day(a)
    import_events(b.ctx, b.folder, slice_events=3)
    before = (b.balances(), b.ledger(), b.query("SELECT COUNT(*) FROM sale"))
    path = _file(folder)
    (folder / path.name.replace("sync-001", "sync-001-copy")).write_bytes(path.read_bytes())
    report = import_events(b.ctx, b.folder, slice_events=3)
    assert report.files[0].applied == 0 and report.files[0].skipped == report.files[0].events
    assert (b.balances(), b.ledger(), b.query("SELECT COUNT(*) FROM sale")) == before


def test_events_deferred_in_one_slice_are_applied_once_their_member_arrives(
    shops: Callable[[int], list[Shop]], folder: Path
) -> None:
    a, b, c = shops(3)
    cards = [a.enroll(name, "Müller").card for name in ("Anna", "Ben")]
    a.export()
    b.import_()
    for index in range(7):
        b.sale(cards[index % 2], 10_00)
    b.export()
    late = folder.parent / "later"
    late.mkdir()
    _file(folder).rename(late / _file(folder).name)  # A's file is late on the share
    report = import_events(c.ctx, c.folder, slice_events=2)
    assert report.files[0].deferred == 7 and report.still_deferred == 7
    for path in late.iterdir():
        path.rename(folder / path.name)
    report = import_events(c.ctx, c.folder, slice_events=2)
    assert report.retried == 7 and report.still_deferred == 0
    assert [c.balance(card) for card in cards] == [b.balance(card) for card in cards]
    assert c.ledger() == b.ledger()
    c.assert_sound()


def test_a_file_changed_in_place_after_its_check_is_rejected_when_read(
    shops: Callable[[int], list[Shop]], folder: Path
) -> None:
    a, _b = shops(2)
    _busy_day(a)
    path = _file(folder)
    with path.open("rb") as fh:
        checked = check_file(SECRET.encode(), fh)
        assert checked.count == a.query("SELECT COUNT(*) FROM sync_event")[0][0]
        data = path.read_bytes()
        with path.open("r+b") as out:  # same length, same inode: the open file sees it
            out.write(data.replace(b'"amount_cents":1100', b'"amount_cents":9900', 1))
        with pytest.raises(SyncFileRejected, match="changed while"):
            list(read_slices(SECRET.encode(), fh, checked, lambda: 4))


def test_a_postgresql_shop_imports_in_slices(
    shops: Callable[[int], list[Shop]], folder: Path, pg_ctx: Context
) -> None:
    (a,) = shops(1)
    cards = _busy_day(a)
    init_shop(pg_ctx, "002", 1, str(folder))
    report = import_events(pg_ctx, folder, slice_events=4)
    assert report.files[0].applied == a.query("SELECT COUNT(*) FROM sync_event")[0][0]
    assert [lookup_card(pg_ctx, card).points for card in cards] == [
        a.balance(card) for card in cards
    ]
    assert import_events(pg_ctx, folder, slice_events=4).files == []
    assert check_database(pg_ctx).ok
