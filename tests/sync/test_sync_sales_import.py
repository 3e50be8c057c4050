"""Imported sales history travels to the other shops like sales made at a till."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from app.services.sales_import import import_sales_csv
from tests.sync.shops import Shop


def test_imported_sales_and_their_points_reach_the_other_shop(
    shops: Callable[[int], list[Shop]], tmp_path: Path
) -> None:
    a, b = shops(2)
    anna = a.enroll("Anna", "Berg")
    path = tmp_path / "history.csv"
    path.write_text(
        "card,date,amount,receipt,store,points_earned\n"
        f"{anna.card},2026-01-10,40.00,K-1,001,40\n"
        f"{anna.card},2026-02-10,10.00,K-2,001,10\n",
        encoding="utf-8",
    )
    assert import_sales_csv(a.ctx, path).imported == 2
    a.sync()
    b.sync()
    query = "SELECT uuid, amount_cents, till, request_id FROM sale ORDER BY uuid"
    assert b.query(query) == a.query(query)
    assert b.balances() == a.balances() and b.balance(anna.card) == 50
    # Imported again at the other shop: the first shop's receipts are known there too.
    assert import_sales_csv(b.ctx, path).imported == 0
