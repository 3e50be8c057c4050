"""`loyalty sale|refund --request-id`: a register's retry is answered, never booked twice.

On a real SQLite file and, in the PostgreSQL variant, on the real server; across two shops by
sync; and two requests with the same id at the same moment (threads, one database).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from app.domain.errors import LoyaltyError
from app.services.checkout import checkout
from app.services.context import Context
from app.services.refunds import refund_sale
from app.services.views import RefundResult, SaleResult
from app.store.database import Database
from tests.cli.test_cli_commands import Cli, scalar, snapshot

pytestmark = pytest.mark.migrated_db

SECRET = "chain-secret-for-cli-tests-0123"


@pytest.fixture
def cli(db_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    shop = Cli(db_path, capsys)
    shop.json("init", "--store", "001", "--till", "1")
    return shop


def _enroll(shop: Cli, first: str = "Anna") -> str:
    return str(shop.json("member", "add", "--first-name", first, "--last-name", "Müller")["card"])


def _count(cli: Cli, table: str) -> int:
    return int(scalar(cli.db, f"SELECT count(*) FROM {table}"))


def test_the_same_request_id_again_answers_the_first_sale_and_books_nothing(cli: Cli) -> None:
    card = _enroll(cli)
    first = cli.json("sale", "--card", card, "--amount", "12,50", "--request-id", "R-0001")
    assert first["replayed"] is False
    before = snapshot(cli.db)
    again = cli.json("sale", "--card", card, "--amount", "12,50", "--request-id", "R-0001")
    assert again == {**first, "replayed": True}
    assert snapshot(cli.db) == before
    text = cli.ok("sale", "--card", card, "--amount", "12.50", "--request-id", "R-0001")
    assert text.splitlines()[0] == "Request R-0001 was already booked: nothing was booked again"
    assert f"Sale {first['sale_id']}: €12.50" in text
    assert snapshot(cli.db) == before
    # Without an id, or with another one, it is a new sale.
    other = cli.json("sale", "--card", card, "--amount", "12,50", "--request-id", "R-0002")
    assert other["sale_id"] != first["sale_id"] and not other["replayed"]
    cli.json("sale", "--card", card, "--amount", "12,50")
    assert _count(cli, "sale") == 3
    assert cli.json("check")["ok"]


def test_the_same_request_id_with_other_figures_is_refused(cli: Cli) -> None:
    card, other_card = _enroll(cli), _enroll(cli, "Bert")
    cli.json("sale", "--card", card, "--amount", "20", "--request-id", "R-7")
    err = cli.refused(
        "sale", "--card", card, "--amount", "21", "--request-id", "R-7", match="already used"
    )
    assert "sale 1" in err and "other figures" in err
    cli.refused("sale", "--card", other_card, "--amount", "20", "--request-id", "R-7", match="R-7")
    cli.refused(
        "sale", "--card", card, "--amount", "20", "--redeem", "5", "--request-id", "R-7",
        match="already used",
    )  # fmt: skip


@pytest.mark.parametrize("bad", ["", " R1", "x" * 65, "R\x1b1", "R\u202e1", "a\tb"])
def test_a_request_id_must_be_short_and_printable(cli: Cli, bad: str) -> None:
    card = _enroll(cli)
    cli.refused("sale", "--card", card, "--amount", "5", "--request-id", bad, match="request id")


def test_a_64_character_request_id_is_taken(cli: Cli) -> None:
    card = _enroll(cli)
    long_id = "Kasse-2/Bon " + "9" * 52
    assert len(long_id) == 64
    first = cli.json("sale", "--card", card, "--amount", "5", "--request-id", long_id)
    assert cli.json("sale", "--card", card, "--amount", "5", "--request-id", long_id) == {
        **first,
        "replayed": True,
    }


def test_a_refund_with_a_request_id_is_replayed_and_a_mismatch_refused(cli: Cli) -> None:
    card = _enroll(cli)
    sale = cli.json("sale", "--card", card, "--amount", "30", "--request-id", "S-1")
    sale_id = str(sale["sale_id"])
    first = cli.json("refund", sale_id, "--amount", "10", "--request-id", "F-1")
    assert first["replayed"] is False and first["amount_cents"] == 1000
    before = snapshot(cli.db)
    again = cli.json("refund", sale_id, "--amount", "10", "--request-id", "F-1")
    assert again == {**first, "replayed": True}
    text = cli.ok("refund", sale_id, "--amount", "10", "--request-id", "F-1")
    assert text.splitlines()[0] == "Request F-1 was already booked: nothing was booked again"
    assert snapshot(cli.db) == before
    cli.refused("refund", sale_id, "--amount", "5", "--request-id", "F-1", match="refund 1")
    cli.refused("refund", sale_id, "--request-id", "F-1", match="other figures")
    # A sale's id and a refund's id are separate: F-1 as a sale id is a new sale.
    assert not cli.json("sale", "--card", card, "--amount", "1", "--request-id", "F-1")["replayed"]
    rest = cli.json("refund", sale_id, "--request-id", "F-2")
    assert rest["amount_cents"] == 2000
    assert cli.json("refund", sale_id, "--request-id", "F-2")["replayed"] is True
    assert _count(cli, "refund") == 2
    assert cli.json("check")["ok"]


def test_request_ids_travel_by_sync_and_shops_never_collide(
    cli: Cli, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOYALTY_SYNC_SECRET", SECRET)
    folder = tmp_path / "central"
    a = Cli(tmp_path / "shop-a.db", capsys)
    a.json("init", "--store", "001", "--till", "1", "--sync-dir", str(folder))
    b = cli
    b.json("init", "--store", "002", "--till", "1", "--sync-dir", str(folder))
    card = _enroll(a)
    sale = a.json("sale", "--card", card, "--amount", "40", "--request-id", "BON-1")
    refund = a.json("refund", str(sale["sale_id"]), "--amount", "5", "--request-id", "BON-2")
    a.json("sync", "export")
    imported = b.json("sync", "import")
    assert imported["rejected"] == []
    # Shop B has the ids, under shop A's store code.
    assert scalar(b.db, "SELECT store_code || '/' || request_id FROM sale") == "001/BON-1"
    assert scalar(b.db, "SELECT store_code || '/' || request_id FROM refund") == "001/BON-2"
    # Shop B's register uses the same receipt numbers: its own sale and refund, no collision.
    b_sale = b.json("sale", "--card", card, "--amount", "7", "--request-id", "BON-1")
    assert b_sale["replayed"] is False
    b.json("refund", str(b_sale["sale_id"]), "--request-id", "BON-2")
    b.json("sync", "run")
    assert a.json("sync", "import")["rejected"] == []
    assert _count(a, "sale") == 2 and _count(b, "sale") == 2
    # At shop A the register's retries are still answered, nothing booked twice.
    assert a.json("sale", "--card", card, "--amount", "40", "--request-id", "BON-1") == {
        **sale,
        "replayed": True,
    }
    retried = a.json("refund", str(sale["sale_id"]), "--amount", "5", "--request-id", "BON-2")
    assert retried == {**refund, "replayed": True}
    assert _count(a, "sale") == 2 and _count(a, "refund") == 2
    assert a.json("check")["ok"] and b.json("check")["ok"]
    assert a.json("member", "show", card)["points"] == b.json("member", "show", card)["points"]


def _race(url: str, book: Any) -> list[Any]:
    """Run ``book(ctx)`` in two threads, each with its own connection, released together."""
    start = threading.Barrier(2)
    results: list[Any] = [None, None]

    def till(i: int) -> None:
        db = Database(url, create=False)
        try:
            ctx = Context(db, actor=f"till{i}", till=1)
            start.wait()
            results[i] = book(ctx)
        except LoyaltyError as exc:
            results[i] = exc
        finally:
            db.dispose()

    threads = [threading.Thread(target=till, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_requests_with_one_id_at_the_same_moment_book_once(cli: Cli) -> None:
    """On PostgreSQL the loser of the race meets the unique index and answers the winner's
    sale; on SQLite the write lock at BEGIN orders them. Many rounds: both paths are hit."""
    cards = [_enroll(cli), _enroll(cli, "Bert")]
    url = str(cli.db)
    for round_ in range(12):
        request = f"RACE-{round_}"
        sales = _race(
            url, lambda ctx, request=request: checkout(ctx, cards[0], 1000, request_id=request)
        )
        assert all(isinstance(s, SaleResult) for s in sales), sales
        assert sales[0].sale_id == sales[1].sale_id
        assert sorted(s.replayed for s in sales) == [False, True]
        refunds = _race(
            url,
            lambda ctx, sale=sales[0].sale_id, request=request: refund_sale(
                ctx, sale, 100, request_id=request
            ),
        )
        assert all(isinstance(r, RefundResult) for r in refunds), refunds
        assert refunds[0].refund_id == refunds[1].refund_id
        assert sorted(r.replayed for r in refunds) == [False, True]
        # Different cards under one id: one is booked, the other refused.
        other = f"RACE-X-{round_}"
        mixed = _race(
            url,
            lambda ctx, other=other: checkout(
                ctx, cards[ctx.actor == "till1"], 500, request_id=other
            ),
        )
        booked = [r for r in mixed if isinstance(r, SaleResult)]
        refused = [r for r in mixed if isinstance(r, LoyaltyError)]
        assert len(booked) == 1 and not booked[0].replayed, mixed
        assert len(refused) == 1 and "already used" in refused[0].message, mixed
    assert _count(cli, "sale") == 24 and _count(cli, "refund") == 12
    assert cli.json("check")["ok"]


def test_a_shop_that_reuses_receipt_numbers_does_not_break_the_import(
    cli: Cli, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shop 001 lost its disk, starts on a new database and its register at receipt 1 again:
    the shops take each other's sales and refunds; a repeated id arrives without the id."""
    monkeypatch.setenv("LOYALTY_SYNC_SECRET", SECRET)
    folder = tmp_path / "central"
    old = Cli(tmp_path / "shop-a.db", capsys)
    old.json("init", "--store", "001", "--till", "1", "--sync-dir", str(folder))
    b = cli
    b.json("init", "--store", "002", "--till", "1", "--sync-dir", str(folder))
    card = _enroll(old)
    sale = old.json("sale", "--card", card, "--amount", "40", "--request-id", "1")
    old.json("refund", str(sale["sale_id"]), "--amount", "5", "--request-id", "1")
    old.json("sync", "export")
    assert b.json("sync", "import")["rejected"] == []

    new = Cli(tmp_path / "shop-a-new.db", capsys)
    new.json("init", "--store", "001", "--till", "1", "--sync-dir", str(folder))
    other = _enroll(new, "Carla")
    fresh = new.json("sale", "--card", other, "--amount", "12", "--request-id", "1")
    new.json("refund", str(fresh["sale_id"]), "--request-id", "1")
    new.json("sync", "export")
    imported = b.json("sync", "import")
    assert imported["rejected"] == [] and imported["still_deferred"] == 0
    assert _count(b, "sale") == 2 and _count(b, "refund") == 2
    assert _count(b, "sale WHERE request_id IS NULL") == 1
    assert _count(b, "refund WHERE request_id IS NULL") == 1
    assert b.json("check")["ok"]
    # The new shop takes the old sales back from the folder the same way.
    assert new.json("sync", "import")["rejected"] == []
    assert _count(new, "sale") == 2 and new.json("check")["ok"]
    # Its register retrying receipt 1 gets its own sale, booked on this database.
    assert new.json("sale", "--card", other, "--amount", "12", "--request-id", "1") == {
        **fresh,
        "replayed": True,
    }


def test_a_retry_answered_from_a_sale_that_came_by_sync(
    cli: Cli, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shop 001's database restored from the folder after the sale was exported: the
    register's retry finds the sale under its receipt number, and books nothing."""
    monkeypatch.setenv("LOYALTY_SYNC_SECRET", SECRET)
    folder = tmp_path / "central"
    old = Cli(tmp_path / "shop-a.db", capsys)
    old.json("init", "--store", "001", "--till", "1", "--sync-dir", str(folder))
    card = _enroll(old)
    sale = old.json("sale", "--card", card, "--amount", "40", "--request-id", "B-9")
    refund = old.json("refund", str(sale["sale_id"]), "--amount", "5", "--request-id", "B-9")
    old.json("sync", "export")
    restored = cli
    restored.json("init", "--store", "001", "--till", "1", "--sync-dir", str(folder))
    assert restored.json("sync", "import")["rejected"] == []
    again = restored.json("sale", "--card", card, "--amount", "40", "--request-id", "B-9")
    assert again["replayed"] is True and again["to_pay_cents"] == 4000
    assert again["points_earned"] == sale["points_earned"]
    assert again["card"] == card
    back = restored.json("refund", str(again["sale_id"]), "--amount", "5", "--request-id", "B-9")
    assert back["replayed"] is True and back["money_back_cents"] == refund["money_back_cents"]
    restored.refused(
        "sale", "--card", card, "--amount", "41", "--request-id", "B-9", match="already used"
    )
    assert _count(restored, "sale") == 1 and _count(restored, "refund") == 1
