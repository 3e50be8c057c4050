"""Days are shown in the till's own time zone, not in UTC."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from app.i18n import format_day


@pytest.fixture
def berlin(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_late_evening_timestamp_is_shown_on_the_local_day(berlin: None) -> None:
    # 23:30 UTC on 1 March is 00:30 on 2 March in Berlin.
    assert format_day(datetime(2026, 3, 1, 23, 30, tzinfo=UTC)) == "Mar 2, 2026"
