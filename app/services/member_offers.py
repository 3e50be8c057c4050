"""The member's offers: the coupons they can use now and their stamp cards."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.domain.coupons import Coupon, coupon_label
from app.domain.stamps import StampCard
from app.services.context import Context
from app.services.coupons import available_for_member
from app.services.feedback import LastFeedback, last_feedback
from app.services.stamps import stamp_cards


@dataclass(frozen=True)
class MemberOffers:
    """The coupons this member can use now and their stamp cards."""

    member_id: int
    coupons: tuple[Coupon, ...] = field(default_factory=tuple)
    stamps: tuple[StampCard, ...] = field(default_factory=tuple)
    currency: str = "EUR"
    feedback: LastFeedback | None = None
    """The member's latest feedback score, if they ever gave one."""

    @property
    def coupon_labels(self) -> tuple[str, ...]:
        return tuple(coupon_label(c, self.currency) for c in self.coupons)

    @property
    def full_cards(self) -> tuple[StampCard, ...]:
        return tuple(card for card in self.stamps if card.full)


def member_offers(ctx: Context, member_id: int) -> MemberOffers:
    """Read the member's coupons, stamp cards and last score (short reads, after the scan)."""
    with ctx.db.reading() as session:
        feedback = last_feedback(session.connection(), member_id)
    return MemberOffers(
        member_id=member_id,
        coupons=tuple(available_for_member(ctx, member_id)),
        stamps=tuple(stamp_cards(ctx, member_id)),
        currency=ctx.rules().currency,
        feedback=feedback,
    )
