"""Fixtures of the PostgreSQL tests (the server and the fresh schema are in tests/conftest.py)."""

from __future__ import annotations

import pytest

from app.domain.profile import MemberDraft
from app.services.context import Context
from app.services.members import enroll_member
from app.services.views import MemberView


@pytest.fixture
def pg_member(pg_ctx: Context) -> MemberView:
    """Anna Müller on PostgreSQL, enrolled with phone and email, no points yet."""
    return enroll_member(
        pg_ctx,
        MemberDraft(
            first_name="Anna",
            last_name="Müller",
            salutation="ms",
            email="anna.mueller@example.org",
            phone="+49 171 2345678",
            birthday="1985-04-12",
            postcode="10115",
        ),
    )
