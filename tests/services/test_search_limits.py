"""A search limit below one finds nothing (it once meant "no limit" in SQL, "all but one" after)."""

from __future__ import annotations

import pytest

from app.domain.profile import MemberDraft
from app.services.context import Context
from app.services.members import enroll_member
from app.services.search import find_members


@pytest.mark.parametrize(("limit", "expected"), [(-1, 0), (0, 0), (1, 1), (2, 2), (3, 3)])
def test_limit(ctx: Context, limit: int, expected: int) -> None:
    for first in ("Ben", "Lea", "Mia"):
        enroll_member(ctx, MemberDraft(first_name=first, last_name="Wagner"))
    found = find_members(ctx, "wagner", limit=limit)
    assert [m.first_name for m in found] == ["Ben", "Lea", "Mia"][:expected]
