"""Shops exchanging files: points never doubled or lost, whatever the order."""

from __future__ import annotations

import contextlib
import itertools
import random
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from app.domain.errors import CardBlocked, CardNotFound
from app.services.adjustments import adjust_points
from app.services.cards import replace_card
from app.services.chain.history import NodeClash, new_node
from app.services.chain.status import sync_status
from app.services.context import Context
from app.services.lookup import lookup_card
from app.services.member_desk import member_id_for_card, update_member
from app.services.merge import merge_members
from app.services.privacy import erase_member
from app.services.refunds import refund_sale
from app.services.settings import write_setting
from app.store.database import Database
from tests.conftest import Clock
from tests.sync.shops import Shop


def test_a_member_enrolled_in_one_shop_collects_and_spends_points_in_another(
    shops: Callable[[int], list[Shop]],
) -> None:
    a, b = shops(2)
    anna = a.enroll("Anna", "Müller", email="anna@example.org")
    assert anna.card[2:5] == "001"  # numbers carry the store code: no collisions offline
    a.sale(anna.card, 12_50)  # +12
    a.export()
    report = b.import_()
    assert [f.applied for f in report.files] == [3]  # the member, the card, the sale
    assert b.balance(anna.card) == 12
    seen = lookup_card(b.ctx, anna.card)
    assert (seen.first_name, seen.last_name, seen.email) == ("Anna", "Müller", "anna@example.org")
    assert seen.recent_sales[0].amount_cents == 12_50

    b.sale(anna.card, 30_00, redeem=10)  # -10, then +29 on 29.90 paid
    b.export()
    a.import_()
    assert a.balance(anna.card) == b.balance(anna.card) == 12 - 10 + 29
    assert a.ledger() == b.ledger()
    a.assert_sound()
    b.assert_sound()


def test_importing_again_or_a_copy_of_a_file_changes_nothing(
    shops: Callable[[int], list[Shop]], folder: Path
) -> None:
    a, b = shops(2)
    anna = a.enroll("Anna", "Müller")
    a.sale(anna.card, 50_00)
    a.export()
    b.import_()
    before = (b.balances(), b.ledger(), b.query("SELECT COUNT(*) FROM sale"))
    assert b.import_().files == []  # applied files are not read again
    (name,) = [p for p in folder.iterdir() if p.name.startswith("sync-001")]
    (folder / name.name.replace("sync-001", "sync-001-copy")).write_bytes(name.read_bytes())
    report = b.import_()
    assert report.files[0].applied == 0 and report.files[0].skipped == 3
    assert (b.balances(), b.ledger(), b.query("SELECT COUNT(*) FROM sale")) == before


def test_a_shop_restored_from_a_backup_is_stopped_until_it_takes_a_new_node_id(
    shops: Callable[[int], list[Shop]], folder: Path, tmp_path: Path
) -> None:
    a, b = shops(2)
    anna = a.enroll("Anna", "Müller")
    a.export()
    b.import_()
    backup = tmp_path / "A-backup.db"
    with (
        contextlib.closing(sqlite3.connect(a.path)) as source,
        contextlib.closing(sqlite3.connect(backup)) as target,
    ):
        source.backup(target)
    a.sale(anna.card, 10_00)  # +10, the event after the backup
    a.export()
    b.import_()
    a.close()  # the disk fails; the shop goes on from last night's backup
    assert isinstance(a.ctx.clock, Clock)
    restored = Shop("A", backup, Context(Database(str(backup)), clock=a.ctx.clock), folder)
    try:
        restored.sale(anna.card, 20_00)  # +20, numbered as the lost sale was
        # The folder holds the lost sale under this node id: the two histories would part.
        with pytest.raises(NodeClash, match="init --new-node"):
            restored.export()
        with pytest.raises(NodeClash):
            restored.import_()
        assert len(list(folder.glob("sync-001-*"))) == 2  # nothing written
        new_node(restored.ctx)
        restored.sync()  # the new sale under the new id; the lost sale comes back
        files = sorted(p.name for p in folder.glob("sync-001-*"))
        assert len(files) == 3  # the enrolment, the lost sale, the new sale: none replaced
        b.import_()
        assert b.balance(anna.card) == 30
        assert restored.balance(anna.card) == 30
        b.assert_sound()
        restored.assert_sound()
    finally:
        restored.close()


def test_a_shop_skips_its_own_files(shops: Callable[[int], list[Shop]]) -> None:
    (a,) = shops(1)
    anna = a.enroll("Anna", "Müller")
    a.sale(anna.card, 10_00)
    a.export()
    assert a.import_().files == []
    assert a.balance(anna.card) == 10


def _day_of_business(shop: Shop, rng: random.Random, cards: list[str]) -> None:
    """Some enrolments, sales with and without redemption, a refund, an adjustment."""
    for _ in range(2):
        cards.append(shop.enroll(rng.choice(["Ana", "Ben", "Cem"]), shop.name).card)
    for _ in range(6):
        card = rng.choice(cards)
        try:
            balance = shop.balance(card)
        except CardNotFound:  # not arrived here yet: its file is still to come
            continue
        sale = shop.sale(card, rng.randrange(1_00, 80_00), redeem=min(balance, rng.randrange(30)))
        if rng.random() < 0.3:
            refund_sale(shop.ctx, sale.sale_id, sale.amount_cents // 2)
    card = rng.choice(cards)
    with contextlib.suppress(CardNotFound):  # not arrived here yet
        adjust_points(shop.ctx, card, 5, "goodwill")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_three_shops_with_offline_days_end_equal_whatever_the_order(
    shops: Callable[[int], list[Shop]], seed: int
) -> None:
    rng = random.Random(seed)
    trio = shops(3)
    cards: list[str] = []
    for _day in range(3):
        for shop in trio:
            _day_of_business(shop, rng, cards)
            shop.export()
        # Each day a random shop stays offline (imports nothing); the others import in a
        # random order, so files arrive before what they refer to.
        offline = rng.choice(trio)
        for shop in rng.sample(trio, 3):
            if shop is not offline:
                shop.import_()
    for shop in trio:  # the last exchange: everyone online
        shop.export()
    for shop in rng.sample(trio, 3):
        shop.import_()
    for shop in trio:
        shop.import_()
        shop.assert_sound()
        assert sync_status(shop.ctx).deferred == 0
    assert trio[0].balances() == trio[1].balances() == trio[2].balances()
    assert trio[0].ledger() == trio[1].ledger() == trio[2].ledger()
    assert len(trio[0].balances()) == 18


def test_out_of_order_files_are_deferred_then_applied(
    shops: Callable[[int], list[Shop]], folder: Path
) -> None:
    a, b, c = shops(3)
    anna = a.enroll("Anna", "Müller")
    a.export()
    b.import_()
    b.sale(anna.card, 20_00)
    b.export()
    a_files = [p for p in folder.iterdir() if p.name.startswith("sync-001")]
    hidden = folder.parent / "later"
    hidden.mkdir()
    for path in a_files:  # A's file is late on the share
        path.rename(hidden / path.name)
    report = c.import_()
    assert report.files[0].deferred == 1 and report.still_deferred == 1  # B's sale
    assert sync_status(c.ctx).deferred == 1
    for path in hidden.iterdir():
        path.rename(folder / path.name)
    report = c.import_()
    assert report.retried == 1 and report.still_deferred == 0
    assert c.balance(anna.card) == 20
    c.assert_sound()


def test_edits_of_one_member_in_two_shops_resolve_last_writer_wins_and_log_the_loser(
    shops: Callable[[int], list[Shop]],
) -> None:
    a, b = shops(2)
    anna = a.enroll("Anna", "Müller", email="anna@example.org")
    a.export()
    b.import_()
    # Offline, both shops edit her: A first, B a minute later.
    a.tick(5)
    update_member(a.ctx, member_id_for_card(a.ctx, anna.card), {"email": "anna@shop-a.example"})
    b.tick(60)
    update_member(b.ctx, member_id_for_card(b.ctx, anna.card), {"email": "anna@shop-b.example"})
    a.sync()
    b.sync()
    a.import_()
    assert lookup_card(a.ctx, anna.card).email == "anna@shop-b.example"
    assert lookup_card(b.ctx, anna.card).email == "anna@shop-b.example"
    from app.services.chain.conflicts import list_conflicts

    logged = list_conflicts(a.ctx, include_all=True)
    assert [c.kind for c in logged] == ["profile_edit"]
    assert logged[0].detail["lost_values"] == {"email": "anna@shop-a.example"}
    assert not logged[0].needs_owner
    assert list_conflicts(a.ctx) == []  # logged, nothing for the owner to do
    # B's edit came after A's: B sees A's older edit lose, and logs it too.
    assert [c.detail["lost_values"] for c in list_conflicts(b.ctx, include_all=True)] == [
        {"email": "anna@shop-a.example"}
    ]


def test_an_edit_that_follows_another_is_no_conflict(shops: Callable[[int], list[Shop]]) -> None:
    a, b = shops(2)
    anna = a.enroll("Anna", "Müller")
    a.export()
    b.import_()
    update_member(b.ctx, member_id_for_card(b.ctx, anna.card), {"postcode": "10115"})
    b.export()
    a.import_()
    assert lookup_card(a.ctx, anna.card).postcode == "10115"
    from app.services.chain.conflicts import list_conflicts

    assert list_conflicts(a.ctx, include_all=True) == []


def test_a_sale_in_another_shop_moves_the_last_visit_but_never_back(
    shops: Callable[[int], list[Shop]],
) -> None:
    a, b = shops(2)
    anna = a.enroll("Anna", "Müller")
    a.export()
    b.import_()
    a.sale(anna.card, 10_00)
    earlier = lookup_card(a.ctx, anna.card).last_visit
    b.tick(60)
    b.sale(anna.card, 10_00)
    later = lookup_card(b.ctx, anna.card).last_visit
    assert earlier is not None and later is not None and earlier < later
    a.sync()
    b.sync()  # A's earlier sale reaches B after B's own: B's last visit stays
    a.import_()
    assert lookup_card(a.ctx, anna.card).last_visit == lookup_card(b.ctx, anna.card).last_visit
    assert lookup_card(b.ctx, anna.card).last_visit == later
    assert a.balance(anna.card) == b.balance(anna.card) == 20


def test_offline_redemptions_in_two_shops_below_zero_are_reported(
    shops: Callable[[int], list[Shop]],
) -> None:
    a, b = shops(2)
    anna = a.enroll("Anna", "Müller")
    adjust_points(a.ctx, anna.card, 500, "welcome")
    a.export()
    b.import_()
    a.sale(anna.card, 10_00, redeem=400)
    b.sale(anna.card, 10_00, redeem=400)
    a.sync()
    b.sync()
    a.import_()
    from app.services.chain.conflicts import list_conflicts

    for shop in (a, b):
        assert shop.balance(anna.card) == 500 - 400 - 400 + 6 + 6
        (conflict,) = list_conflicts(shop.ctx)
        assert conflict.kind == "negative_balance" and conflict.needs_owner
        assert conflict.detail["name"] == "Anna Müller"
        shop.assert_sound()
    assert sync_status(a.ctx).open_conflicts == 1


def test_a_replaced_card_is_blocked_in_every_shop(shops: Callable[[int], list[Shop]]) -> None:
    a, b = shops(2)
    anna = a.enroll("Anna", "Müller")
    a.export()
    b.import_()
    replaced = replace_card(a.ctx, anna.card)
    a.export()
    b.import_()
    with pytest.raises(CardBlocked, match="replaced"):
        lookup_card(b.ctx, anna.card)
    assert lookup_card(b.ctx, replaced.new_card).first_name == "Anna"


def test_a_merge_and_an_erasure_reach_the_other_shop(shops: Callable[[int], list[Shop]]) -> None:
    a, b = shops(2)
    anna = a.enroll("Anna", "Müller")
    twin = a.enroll("Anna", "Mueller")
    a.sale(anna.card, 10_00)
    a.sale(twin.card, 20_00)
    a.export()
    b.import_()
    b.sale(twin.card, 5_00)  # offline in B, after the merge in A
    merge_members(a.ctx, anna.card, twin.card)
    a.sync()
    b.sync()
    a.import_()
    for shop in (a, b):
        assert shop.balance(anna.card) == 35
        with pytest.raises(CardBlocked):
            lookup_card(shop.ctx, twin.card)
        shop.assert_sound()
    assert a.balances() == b.balances()
    erase_member(b.ctx, anna.card)
    b.export()
    a.import_()
    assert a.query("SELECT first_name, status FROM member WHERE last_name = '' ") == [
        ("", "erased")
    ]


def test_program_rules_travel_but_shop_settings_stay(shops: Callable[[int], list[Shop]]) -> None:
    a, b = shops(2)
    write_setting(a.ctx.db, "program.earn_points_per_unit", 3, a.ctx.now())
    write_setting(a.ctx.db, "shop.name", "Laden A", a.ctx.now())
    a.export()
    b.import_()
    b.ctx.forget_settings()
    assert b.ctx.settings()["program.earn_points_per_unit"] == 3
    assert b.ctx.settings()["shop.name"] == "Loyalty Counter"
    assert b.ctx.store_code == "002"


def test_every_order_of_two_files_gives_the_same_result(
    shops: Callable[[int], list[Shop]], folder: Path
) -> None:
    a, b, c = shops(3)
    anna = a.enroll("Anna", "Müller")
    a.export()
    b.import_()
    c.import_()
    a.sale(anna.card, 10_00)
    b.sale(anna.card, 20_00)
    a.export()
    b.export()
    files = sorted(p for p in folder.iterdir() if p.name.startswith("sync-00"))
    results = []
    for order in itertools.permutations(files[-2:]):
        for path in files[-2:]:
            path.rename(path.with_suffix(".hold"))
        for path in order:
            path.with_suffix(".hold").rename(path)
            c.import_()
        results.append(c.balance(anna.card))
    assert results == [30, 30]
