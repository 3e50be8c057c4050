"""Coupons and stamp cards across the shops of a chain."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.domain.coupons import Coupon
from app.domain.errors import LoyaltyError
from app.services.chain.conflicts import list_conflicts
from app.services.checkout import checkout
from app.services.coupons import create_batch, create_coupon, show_coupon
from app.services.expiry import expire_points
from app.services.member_desk import member_id_for_card
from app.services.refunds import refund_sale
from app.services.settings import write_setting
from app.services.stamps import add_program, add_stamp, stamp_cards
from tests.sync.shops import Shop


def test_a_coupon_created_in_one_shop_is_redeemed_in_another(
    shops: Callable[[int], list[Shop]],
) -> None:
    a, b = shops(2)
    anna = a.enroll("Anna", "Müller")
    create_coupon(a.ctx, Coupon("SUMMER10", "percent", 10))
    a.export()
    b.import_()
    sale = checkout(b.ctx, anna.card, 20_00, coupon="SUMMER10")
    assert sale.discount_cents == 2_00
    b.export()
    a.import_()
    assert show_coupon(a.ctx, "SUMMER10").uses == 1
    assert a.balance(anna.card) == b.balance(anna.card) == 18
    a.assert_sound()


def test_a_single_use_coupon_redeemed_in_two_shops_offline_is_reported(
    shops: Callable[[int], list[Shop]],
) -> None:
    a, b = shops(2)
    anna = a.enroll("Anna", "Müller")
    bert = a.enroll("Bert", "Bauer")
    (code,) = create_batch(a.ctx, 1, Coupon("X", "amount", 5_00)).codes
    a.export()
    b.import_()
    checkout(a.ctx, anna.card, 30_00, coupon=code)  # both shops offline
    checkout(b.ctx, bert.card, 40_00, coupon=code)
    a.sync()
    b.sync()
    a.import_()
    for shop in (a, b):
        (conflict,) = list_conflicts(shop.ctx)
        assert conflict.kind == "coupon_overused"
        assert conflict.detail == {"code": code, "uses": 2, "limit": 1}
        assert show_coupon(shop.ctx, code).uses == 2


def test_a_whole_refund_gives_the_coupon_back_in_every_shop(
    shops: Callable[[int], list[Shop]],
) -> None:
    a, b = shops(2)
    anna = a.enroll("Anna", "Müller")
    (code,) = create_batch(a.ctx, 1, Coupon("X", "amount", 5_00)).codes
    sale = checkout(a.ctx, anna.card, 30_00, coupon=code)
    a.export()
    b.import_()
    assert show_coupon(b.ctx, code).uses == 1
    refund_sale(a.ctx, sale.sale_id)
    a.export()
    b.import_()
    assert show_coupon(b.ctx, code).uses == 0
    checkout(b.ctx, anna.card, 30_00, coupon=code)  # usable again, here too


def test_stamp_cards_travel(shops: Callable[[int], list[Shop]]) -> None:
    a, b = shops(2)
    anna = a.enroll("Anna", "Müller")
    add_program(a.ctx, "Coffee", 3, "a free coffee")
    add_stamp(a.ctx, member_id_for_card(a.ctx, anna.card))
    a.export()
    b.import_()
    member = member_id_for_card(b.ctx, anna.card)
    add_stamp(b.ctx, member)
    b.export()
    a.import_()
    for shop in (a, b):
        (card,) = stamp_cards(shop.ctx, member_id_for_card(shop.ctx, anna.card))
        assert (card.name, card.stamps, card.stamps_needed) == ("Coffee", 2, 3)


def test_a_reward_given_without_a_purchase_travels(shops: Callable[[int], list[Shop]]) -> None:
    from app.services.stamps import give_reward_alone

    a, b = shops(2)
    anna = a.enroll("Anna", "Müller")
    add_program(a.ctx, "Coffee", 2, "a free coffee")
    member = member_id_for_card(a.ctx, anna.card)
    add_stamp(a.ctx, member)
    add_stamp(a.ctx, member)
    (given,) = give_reward_alone(a.ctx, member)
    assert given.name == "Coffee"
    a.export()
    b.import_()
    for shop in (a, b):
        (card,) = stamp_cards(shop.ctx, member_id_for_card(shop.ctx, anna.card))
        assert card.stamps == 0  # the reward was given: the card started again
        assert shop.query("SELECT kind, sale_id FROM stamp WHERE kind = 'reward'") == [
            ("reward", None)
        ]


def test_tiers_and_a_referral_made_in_one_shop_pay_out_in_another(
    shops: Callable[[int], list[Shop]],
) -> None:
    from app.domain.profile import MemberDraft
    from app.services.members import enroll_member
    from app.services.program_rules import add_tier, list_tiers
    from app.services.settings import write_setting

    a, b = shops(2)
    xenia = a.enroll("Xenia", "Xu")
    write_setting(a.ctx.db, "program.referral_bonus", 50, a.ctx.now())
    add_tier(a.ctx, "Gold", 0, 200)  # x2 from the first cent
    yusuf = enroll_member(a.ctx, MemberDraft("Yusuf", "Yilmaz"), referred_by=xenia.card)
    a.export()
    b.import_()
    b.ctx.forget_settings()
    assert [t.name for t in list_tiers(b.ctx)] == ["Gold"]
    sale = checkout(b.ctx, yusuf.card, 10_00)  # his first purchase, in shop B
    assert {rule.code for rule in sale.applied} >= {"base", "tier", "referral"}
    assert b.balance(xenia.card) == 50  # the referrer's bonus, though she enrolled in A
    b.export()
    a.import_()
    assert a.balances() == b.balances()
    a.assert_sound()
    b.assert_sound()


def test_expired_points_are_written_off_once_by_the_members_home_shop(
    shops: Callable[[int], list[Shop]],
) -> None:
    a, b = shops(2)
    write_setting(a.ctx.db, "program.expiry", "inactive")
    write_setting(a.ctx.db, "program.expiry_months", 1)
    a.ctx.forget_settings()
    anna = a.enroll("Anna", "Müller")  # home shop: A
    a.sale(anna.card, 50_00)
    a.export()
    b.import_()
    assert b.ctx.program().expiry_mode == "inactive"
    for shop in (a, b):
        shop.tick(40 * 24 * 3600)
    # Both offline: A's expiry run writes her 50 points off; B only stops their redemption.
    assert expire_points(a.ctx).points == 50
    assert expire_points(b.ctx).points == 0
    with pytest.raises(LoyaltyError):
        checkout(b.ctx, anna.card, 10_00, redeem_points=50)
    sale = b.sale(anna.card, 10_00)
    assert (sale.points_expired, sale.points_balance) == (0, 60)
    a.export()
    b.import_()
    b.export()
    a.import_()
    assert a.balance(anna.card) == b.balance(anna.card) == 10
    assert a.balances() == b.balances()
    assert [row for row in a.ledger() if row[3] == "expire"] == [
        row for row in b.ledger() if row[3] == "expire"
    ]
    assert len([row for row in a.ledger() if row[3] == "expire"]) == 1
    assert list_conflicts(a.ctx) == list_conflicts(b.ctx) == []
    a.assert_sound()
    b.assert_sound()
