"""Moving a member's rows to another member: the step a merge takes here and in a sync import.

One implementation for both, so a merge made at this till and the same merge arriving from
another shop leave the same rows in the same places.
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, Table, update
from sqlmodel import SQLModel

from app.store.tables import MEMBER


def member_references() -> list[tuple[Table, Column[int]]]:
    """Every (table, column) that points at a member, so rows of later features move too."""
    refs = []
    for table in SQLModel.metadata.sorted_tables:
        if table.name == MEMBER.name:
            continue  # the two members' own rows: the merge itself sets those
        for fk in table.foreign_keys:
            if fk.column is MEMBER.c.id:
                refs.append((table, fk.parent))
    return refs


def move_member_rows(conn: Connection, from_id: int, to_id: int) -> dict[str, int]:
    """Point every row of member ``from_id`` at member ``to_id``; rows moved, by table."""
    moved: dict[str, int] = {}
    for table, column in member_references():
        result = conn.execute(update(table).where(column == from_id).values({column.name: to_id}))
        moved[table.name] = result.rowcount
    return moved
