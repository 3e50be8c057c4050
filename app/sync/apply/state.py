"""What every step of an import shares: the connection, the rows found so far, the outcome."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Table, select

from app.store.bulk import DriverValues, select_in
from app.store.tables import MEMBER

CHUNK = 500  # values per IN (...): well below SQLite's and PostgreSQL's parameter limits

Event = dict[str, Any]
"""One event as read from a sync file: ``uuid``, ``kind``, ``data`` and its origin."""


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """``items`` in slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def time_of(value: Any) -> datetime | None:
    """A timestamp from a file (ISO 8601), None for none."""
    return datetime.fromisoformat(value) if value else None


def day_of(value: Any) -> date | None:
    """A date from a file (ISO 8601), None for none."""
    return date.fromisoformat(value) if value else None


def version_key(version: tuple[datetime | None, str]) -> tuple[datetime, str]:
    """A profile's version (``updated_at``, ``updated_store``) as a key that orders them all."""
    return (version[0] or datetime.min.replace(tzinfo=UTC), version[1] or "")


def version_of(data: dict[str, Any]) -> tuple[datetime, str]:
    """The version of a profile in a member event."""
    return version_key((time_of(data.get("updated_at")), data.get("updated_store") or ""))


@dataclass(slots=True)
class KnownMember:
    """A member of this database that the events name: what applying them needs of it."""

    id: int
    stored_at: Any  # updated_at as the driver returned it: read only for a profile event
    updated_store: str
    status: str
    merged_into: int | None

    @property
    def updated_at(self) -> datetime | None:
        return DriverValues.read_time(self.stored_at)

    @updated_at.setter
    def updated_at(self, value: datetime | None) -> None:
        self.stored_at = value


@dataclass
class Conflict:
    """A conflict found while applying events; written by the caller with the events."""

    kind: str
    member_uuid: str | None
    event_uuid: str | None
    detail: dict[str, Any]
    needs_owner: bool


@dataclass
class Outcome:
    """What applying a list of events did with them."""

    applied: list[Event] = field(default_factory=list)
    deferred: list[Event] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    settings_changed: bool = False
    erasures: int = 0  # members erased by these events: their old pages must be wiped


class ApplyState:
    """One import's connection (one transaction), the local ids it found, and its outcome."""

    def __init__(self, conn: Connection, *, region: str, secret: bytes | None = None) -> None:
        self.conn = conn
        self.secret = secret  # the chain's: it opens the sealed PIN hashes of staff events
        self.values = DriverValues(conn.dialect.name == "sqlite")
        self.region = region
        self.members: dict[str, KnownMember] = {}
        self.merged_into: dict[int, int | None] = {}
        self.sales: dict[str, int] = {}
        self.refunds: dict[str, int] = {}
        self.coupons: dict[str, int] = {}
        self.programs: dict[str, int] = {}
        self.visits: dict[int, Any] = {}  # member id: last sale time among the new sales
        # Ledger rows of new sales and refunds (new with them: no look-up), and of points
        # events (perhaps here already): written together after every row they name.
        self.fresh_ledger: list[dict[str, Any]] = []
        self.other_ledger: list[dict[str, Any]] = []
        # member_id() answers, a few for every event; forgotten when a merge moves members.
        self.resolved: dict[str, int] = {}
        self.out = Outcome()

    # --- references ----------------------------------------------------------------------

    def load_members(self, uuids: Iterable[str]) -> None:
        """Find the members of ``uuids`` that are here (and not looked up yet)."""
        wanted = sorted({u for u in uuids if u and u not in self.members})
        rows = select_in(
            self.conn,
            "SELECT uuid, id, updated_at, updated_store, status, merged_into FROM member "
            "WHERE uuid IN ({keys})",
            wanted,
        )
        members, merged_into = self.members, self.merged_into
        for uuid, id_, updated_at, store, status, merged in rows:
            members[uuid] = KnownMember(id_, updated_at, store, status, merged)
            merged_into[id_] = merged

    def load_ids(self, table: Table, target: dict[str, int], uuids: Iterable[str | None]) -> None:
        """Add the local ids of the rows of ``table`` named by ``uuids`` to ``target``."""
        wanted = sorted({u for u in uuids if u and u not in target})
        target.update(
            select_in(
                self.conn, f"SELECT uuid, id FROM {table.name} WHERE uuid IN ({{keys}})", wanted
            )
        )

    def member_id(self, uuid: str | None) -> int | None:
        """The local member a row of ``uuid`` belongs to now (following merges), or None."""
        if uuid is None:
            return None
        found = self.resolved.get(uuid)
        if found is not None:
            return found
        member = self.members.get(uuid)
        if member is None:
            return None
        found = self.resolved[uuid] = self.resolve_id(member.id)
        return found

    def resolve_id(self, member_id: int) -> int:
        """The member that ``member_id`` was merged into, through every merge, or itself."""
        current, seen = member_id, set()
        while True:
            if current not in self.merged_into:
                self.merged_into[current] = self.conn.execute(
                    select(MEMBER.c.merged_into).where(MEMBER.c.id == current)
                ).scalar()
            nxt = self.merged_into[current]
            if nxt is None or nxt in seen:
                return current
            seen.add(current)
            current = nxt

    # --- the outcome ---------------------------------------------------------------------

    def take(self, event: Event) -> None:
        """``event`` is applied (or settled: its rows were here already)."""
        self.out.applied.append(event)

    def defer(self, event: Event) -> None:
        """``event`` names a row not here yet: kept, and tried again by a later import."""
        self.out.deferred.append(event)

    def conflict(
        self,
        kind: str,
        event: Event | None,
        member_uuid: str | None,
        needs_owner: bool,
        **detail: Any,
    ) -> None:
        """Record a conflict (for the owner when ``needs_owner``, else only logged)."""
        self.out.conflicts.append(
            Conflict(kind, member_uuid, event["uuid"] if event else None, detail, needs_owner)
        )
