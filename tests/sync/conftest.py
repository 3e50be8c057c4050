"""Fixtures for chain sync: shops A, B and C sharing one folder and one chain secret."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import Clock
from tests.sync.shops import SECRET, Shop, make_shop


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "central"
    path.mkdir()
    return path


@pytest.fixture
def shops(
    tmp_path: Path, folder: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[int], list[Shop]]]:
    monkeypatch.setenv("LOYALTY_SYNC_SECRET", SECRET)
    made: list[Shop] = []

    def make(count: int) -> list[Shop]:
        for index in range(count):
            name = "ABC"[index]
            made.append(make_shop(tmp_path, folder, name, f"00{index + 1}", clock))
        return made

    yield make
    for shop in made:
        shop.close()
