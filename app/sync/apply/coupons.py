"""Coupons from other shops: new coupons, and their uses with the sales that used them.

A code created in two shops for two different coupons, and a single-use coupon redeemed in two
shops while they were offline, are for the owner to settle.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select

from app.domain.text import clean_text
from app.store.tables import COUPON, COUPON_REDEMPTION
from app.sync.apply.state import ApplyState, Event, chunks, day_of, time_of


def apply_coupons(state: ApplyState, events: list[Event]) -> None:
    """Insert the coupons of each event that are not here yet."""
    c = COUPON.c
    for event in events:
        rows = event["data"]["coupons"]
        if any(r.get("member") and state.member_id(r["member"]) is None for r in rows):
            state.defer(event)
            continue
        state.take(event)
        state.load_ids(COUPON, state.coupons, [r["uuid"] for r in rows])
        taken = set(
            state.conn.execute(
                select(c.code).where(c.code.in_([r["code"] for r in rows]))
            ).scalars()
        )
        new = []
        for row in rows:
            if row["uuid"] in state.coupons:
                continue
            if row["code"] in taken:
                # Two shops created the same code offline: two different coupons.
                state.conflict("coupon_code", event, None, True, code=row["code"])
                continue
            new.append(
                {
                    **{k: v for k, v in row.items() if k != "member"},
                    "member_id": state.member_id(row.get("member")),
                    # Refused when typed; only an older version or a hand-made file has them.
                    "item": clean_text(row.get("item") or ""),
                    "valid_from": day_of(row.get("valid_from")),
                    "valid_until": day_of(row.get("valid_until")),
                    "created_at": time_of(row["created_at"]),
                }
            )
        if new:
            state.conn.execute(insert(COUPON), new)
            state.load_ids(COUPON, state.coupons, [r["uuid"] for r in new])


def insert_redemptions(state: ApplyState, events: list[Event]) -> None:
    """The coupon uses of new sales (their ids known); a coupon used too often is a conflict."""
    rows: list[dict[str, Any]] = []
    touched: set[int] = set()
    for event in events:
        sale = event["data"]["sale"]
        for used in event["data"].get("coupons", ()):
            coupon_id = state.coupons[used["coupon"]]
            touched.add(coupon_id)
            rows.append(
                {
                    **{k: v for k, v in used.items() if k != "coupon"},
                    "coupon_id": coupon_id,
                    "sale_id": state.sales[sale["uuid"]],
                    "member_id": state.member_id(sale["member"]),
                    "created_at": time_of(used["created_at"]),
                }
            )
    if not rows:
        return
    state.conn.execute(insert(COUPON_REDEMPTION), rows)
    c, r = COUPON.c, COUPON_REDEMPTION.c
    for part in chunks(sorted(touched)):
        uses = state.conn.execute(
            select(c.code, c.max_uses, func.count(r.id).label("uses"))
            .join(COUPON_REDEMPTION, r.coupon_id == c.id)
            .where(c.id.in_(part), r.undone_at.is_(None), c.max_uses.is_not(None))
            .group_by(c.code, c.max_uses)
            .having(func.count(r.id) > c.max_uses)
        )
        for row in uses:
            # A single-use coupon redeemed in two shops while they were offline.
            state.conflict(
                "coupon_overused",
                None,
                None,
                True,
                code=row.code,
                uses=row.uses,
                limit=row.max_uses,
            )
