"""Staff accounts travel between shops: a manager signs in everywhere; the hash only sealed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from app.domain.roles import Role
from app.services.chain.conflicts import list_conflicts
from app.services.staff import (
    SignInRefused,
    add_staff,
    disable_staff,
    find_staff,
    list_staff,
    set_pin,
    set_role,
    sign_in,
)
from app.sync.sealing import seal, unseal
from tests.sync.shops import Shop


def _file_text(folder: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("sync-*")))


def test_a_manager_added_in_one_shop_signs_in_in_the_other(
    shops: Callable[[int], list[Shop]], folder: Path
) -> None:
    a, b = shops(2)
    add_staff(a.ctx, "Olivia", Role.OWNER, "1111")
    max_ = add_staff(a.ctx, "Max", Role.MANAGER, "2222")
    a.export()
    text = _file_text(folder)
    assert '"staff"' in text and "pin_sealed" in text
    assert "$argon2id$" not in text and "pin_hash" not in text
    b.import_()
    assert [(s.name, s.role, s.number, s.uuid) for s in list_staff(b.ctx)] == [
        ("Max", Role.MANAGER, max_.number, max_.uuid),
        ("Olivia", Role.OWNER, 100_001, find_staff(a.ctx, "Olivia").uuid),
    ]
    assert sign_in(b.ctx, "Max", "2222").name == "Max"
    # A new PIN, a new role and a disabled account follow; the import again changes nothing.
    a.tick()
    set_pin(a.ctx, "Max", "2468")
    set_role(a.ctx, "Max", Role.OWNER)
    a.export()
    b.import_()
    b.import_()
    with pytest.raises(SignInRefused):
        sign_in(b.ctx, "Max", "2222")
    assert sign_in(b.ctx, "Max", "2468").role is Role.OWNER
    a.tick()
    disable_staff(a.ctx, "Max")
    a.sync()
    b.sync()
    assert not find_staff(b.ctx, "Max").active


def test_the_lock_out_stays_in_its_shop(shops: Callable[[int], list[Shop]]) -> None:
    a, b = shops(2)
    add_staff(a.ctx, "Olivia", Role.OWNER, "1111")
    a.export()
    b.import_()
    for _ in range(5):
        with pytest.raises(SignInRefused):
            sign_in(b.ctx, "Olivia", "0000")
    b.sync()
    a.import_()
    assert sign_in(a.ctx, "Olivia", "1111").name == "Olivia"


def test_an_account_sealed_with_another_secret_or_a_taken_name_is_for_the_owner(
    shops: Callable[[int], list[Shop]], folder: Path
) -> None:
    a, b = shops(2)
    add_staff(a.ctx, "Olivia", Role.OWNER, "1111")
    add_staff(b.ctx, "Olivia", Role.OWNER, "9999")
    a.export()
    b.import_()
    assert [s.number for s in list_staff(b.ctx)] == [200_001]  # b's own Olivia stays
    kinds = [c.kind for c in list_conflicts(b.ctx)]
    assert kinds == ["staff_taken"]


def test_a_sealed_hash_opens_only_with_the_chain_secret_for_its_own_account() -> None:
    sealed = seal(b"chain secret one", "uuid-1", "$argon2id$v=19$m=8,t=1,p=1$abc$def")
    assert unseal(b"chain secret one", "uuid-1", sealed) == "$argon2id$v=19$m=8,t=1,p=1$abc$def"
    assert unseal(b"chain secret two", "uuid-1", sealed) is None
    assert unseal(b"chain secret one", "uuid-2", sealed) is None  # moved to another account
    assert unseal(b"chain secret one", "uuid-1", "v1:not-base64!") is None
    assert unseal(b"chain secret one", "uuid-1", "$argon2id$plain") is None


def test_an_account_whose_hash_does_not_open_is_refused_for_the_owner(
    shops: Callable[[int], list[Shop]],
) -> None:
    from app.sync.apply import Applier

    (b,) = shops(1)
    event = {
        "uuid": "01900000-0000-7000-8000-000000000001",
        "kind": "staff",
        "seq": 1,
        "data": {
            "uuid": "01900000-0000-7000-8000-0000000000aa",
            "name": "Mallory",
            "role": "owner",
            "pin_sealed": seal(b"another chain's secret!", "x", "$argon2id$v=19$m=8,t=1,p=1$a$b"),
            "active": True,
            "number": 900_001,
            "created_at": "2026-11-20T10:30:00+00:00",
            "updated_at": "2026-11-20T10:30:00+00:00",
            "updated_store": "009",
        },
    }
    with b.ctx.db.transaction() as session:
        applier = Applier(session.connection(), region="DE", secret=b"chain-secret-for-tests")
        outcome = applier.apply([event])
    assert [c.kind for c in outcome.conflicts] == ["bad_staff"]
    assert outcome.conflicts[0].needs_owner
    assert list_staff(b.ctx) == []
