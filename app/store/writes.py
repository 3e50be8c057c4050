"""Small helpers for Core writes (SQLAlchemy ``insert`` / ``update`` on the typed tables)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key of the row that a single-row ``INSERT`` wrote."""
    key = result.inserted_primary_key
    assert key is not None, "not the result of a single-row INSERT"
    return int(key[0])
