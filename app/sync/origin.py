"""Where and when a change was made, as its sync event records it.

Sync sits below the services: it never sees their ``Context``. A use case hands the event
writers an :class:`Origin` (``Context.origin()`` builds one), or anything that gives one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Origin:
    """This database's node, the store and till, the acting person and the time of a change."""

    node: str
    store_code: str
    till: int
    actor: str
    now: datetime

    def origin(self) -> Origin:
        """Itself: an Origin is its own source."""
        return self


class OriginSource(Protocol):
    """What the event writers take: an :class:`Origin`, or the services' ``Context``."""

    def origin(self) -> Origin:
        """The origin of the change being recorded now."""
        ...
