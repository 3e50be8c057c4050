"""Erasure leaves nothing: no byte of the person in either shop's files or in the sync folder.

The database files (with their WAL) and every file of the sync folder are searched byte by
byte for the erased member's name, email, phone and note, after the erasure, the sync and
the retention. Both shops keep the connections open meanwhile, as a till does.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from app.services.chain.exchange import run_sync
from app.services.chain.retention import prune_folder
from app.services.feedback import record_feedback
from app.services.member_desk import update_member
from app.services.privacy import erase_member
from app.services.settings import write_setting
from tests.sync.shops import Shop

SECRETS = (
    b"Zoltana",
    b"Quibbleworth",
    "Ärgerlich-Ünsal".encode(),
    b"zoltana.q@example.org",
    b"3098765432",
    b"allergic to walnuts",
    b"likes the window seat",
    b"Too loud on Saturdays",
)


def _files(shop: Shop) -> list[Path]:
    return [p for p in shop.path.parent.glob(shop.path.name + "*") if p.is_file()]


def leaks(paths: list[Path]) -> list[tuple[str, bytes]]:
    found = []
    for path in paths:
        with open(path, "rb") as fh:
            data = fh.read()
        found += [(path.name, s) for s in SECRETS if s in data or s.lower() in data.lower()]
    return found


def _age_folder(folder: Path, days: int, now: float) -> None:
    for path in folder.iterdir():
        if path.name.startswith("sync-"):
            os.utime(path, (now - days * 86400, now - days * 86400))


def test_an_erased_member_is_in_no_byte_of_either_shop_nor_of_the_folder(
    shops: Callable[[int], list[Shop]], folder: Path
) -> None:
    a, b, c = shops(3)  # C syncs for the first time after the erasure
    zoltana = a.enroll(
        "Zoltana",
        "Quibbleworth",
        email="zoltana.q@example.org",
        phone="+49 30 98765432",
        notes="allergic to walnuts",
    )
    sale = a.sale(zoltana.card, 20_00)
    record_feedback(a.ctx, zoltana.card, 3, "Too loud on Saturdays", sale_id=sale.sale_id)
    update_member(a.ctx, zoltana.member_id, {"last_name": "Ärgerlich-Ünsal"})
    run_sync(a.ctx, folder)
    run_sync(b.ctx, folder)
    # The second shop edits the profile too: its own event and audit row hold the note.
    b_id = b.query("SELECT id FROM member")[0][0]
    b.tick()
    update_member(b.ctx, b_id, {"notes": "likes the window seat"})
    run_sync(b.ctx, folder)
    run_sync(a.ctx, folder)
    assert leaks(_files(a)) and leaks(_files(b))  # the search finds what is there

    erase_member(a.ctx, zoltana.card)
    assert leaks(_files(a)) == []
    run_sync(a.ctx, folder)
    run_sync(b.ctx, folder)
    assert b.query("SELECT status, first_name FROM member") == [("erased", "")]
    assert leaks(_files(b)) == []
    run_sync(c.ctx, folder)  # gets the profile from the older files, then its erasure
    assert c.query("SELECT status, first_name FROM member") == [("erased", "")]
    assert leaks(_files(c)) == []
    assert leaks(list(folder.iterdir()))  # the older files are still in the folder

    # 31 days later every shop has applied every file: the next runs delete them all.
    for shop in (a, b, c):
        shop.tick(31 * 86400)
    _age_folder(folder, 31, a.ctx.now().timestamp())
    for shop in (a, b, c, a):
        run_sync(shop.ctx, folder)
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith("sync-")) == []
    assert leaks(list(folder.iterdir())) == []
    assert leaks(_files(a)) == [] and leaks(_files(b)) == [] and leaks(_files(c)) == []
    assert a.balances() == b.balances() == c.balances()
    for shop in (a, b, c):
        shop.assert_sound()


def test_retention_keeps_what_a_shop_has_not_applied_and_what_is_young(
    shops: Callable[[int], list[Shop]], folder: Path
) -> None:
    a, b, c = shops(3)
    a.enroll("Anna", "Berg")
    run_sync(a.ctx, folder)
    run_sync(b.ctx, folder)
    run_sync(c.ctx, folder)
    b.enroll("Bert", "Cole")
    run_sync(b.ctx, folder)  # C has not applied B's file yet
    now = a.ctx.now().timestamp()
    _age_folder(folder, 31, now)
    a.tick(31 * 86400)
    report = prune_folder(a.ctx, folder)
    # A's file: applied by B and C. B's file: C has not applied it.
    a_files = [n for n in report.deleted if n.startswith("sync-001-")]
    assert len(a_files) == 1 and len(report.deleted) == 1
    assert report.waiting == 1
    names = [p.name for p in folder.iterdir() if p.name.startswith("sync-")]
    assert len(names) == 1 and names[0].startswith("sync-002-")
    # Applied everywhere, but younger than the retention: kept.
    run_sync(c.ctx, folder)
    write_setting(a.ctx.db, "sync.retention_days", "60", a.ctx.now())
    a.ctx.forget_settings()
    assert prune_folder(a.ctx, folder).deleted == []
    write_setting(a.ctx.db, "sync.retention_days", "30", a.ctx.now())
    a.ctx.forget_settings()
    run_sync(a.ctx, folder)
    assert [p.name for p in folder.iterdir() if p.name.startswith("sync-")] == []


def test_a_shop_without_a_receipt_keeps_every_file(
    shops: Callable[[int], list[Shop]], folder: Path
) -> None:
    a, b = shops(2)
    a.enroll("Anna", "Berg")
    b.enroll("Bert", "Cole")
    b.export()  # B exports but never imports, so it leaves no receipt
    run_sync(a.ctx, folder)
    _age_folder(folder, 40, a.ctx.now().timestamp())
    a.tick(40 * 86400)
    report = prune_folder(a.ctx, folder)
    assert report.deleted == [] and report.without_receipt == [b.ctx.node()[:8]]
    forged = folder / f"receipt-{b.ctx.node()}.json"
    forged.write_text('{"format":"loyalty-sync-receipt"}\n{"signature":"hmac-sha256:00"}\n')
    assert prune_folder(a.ctx, folder).deleted == []  # an unsigned receipt counts as none
