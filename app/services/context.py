"""Who is acting, where, and when: passed to every use case."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.domain.cards import CardLayout
from app.domain.program import ProgramSetup
from app.domain.roles import StaffView
from app.domain.rules import ProgramRules
from app.store.database import Database
from app.sync.origin import Origin


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    """The database, the clock, the acting person and the till; rules cached after first use.

    ``actor`` is the name written to the ledger, audit and sync events: the signed-in staff
    member's name once staff exist.
    """

    db: Database
    clock: Callable[[], datetime] = utc_now
    actor: str = "till"
    till: int = 1
    staff: StaffView | None = None
    """The signed-in person (``services.staff.act_as``); None in a shop of one."""
    approver: str | None = None
    """The manager or owner who allowed this one action beyond ``staff``'s role."""
    _rules: ProgramRules | None = field(default=None, repr=False)
    _layout: CardLayout | None = field(default=None, repr=False)
    _settings: dict[str, Any] | None = field(default=None, repr=False)
    _node: str | None = field(default=None, repr=False)
    _program: ProgramSetup | None = field(default=None, repr=False)

    def now(self) -> datetime:
        value = self.clock()
        if value.tzinfo is None:
            raise ValueError("the clock must return time zone-aware datetimes")
        return value

    def settings(self) -> dict[str, Any]:
        """Every setting (stored over default), read once and kept until forgotten."""
        if self._settings is None:
            from app.store.settings import load_settings

            self._settings = load_settings(self.db)
        return self._settings

    def node(self) -> str:
        """This database's id in chain sync."""
        if self._node is None:
            from app.store.settings import load_node_id

            self._node = load_node_id(self.db)
        return self._node

    def origin(self) -> Origin:
        """This node, store and till, the acting person and the time: what a sync event records."""
        return Origin(
            node=self.node(),
            store_code=self.store_code,
            till=self.till,
            actor=self.actor,
            now=self.now(),
        )

    def rules(self) -> ProgramRules:
        if self._rules is None:
            from app.services.settings import rules_from

            self._rules = rules_from(self.settings())
        return self._rules

    def program(self) -> ProgramSetup:
        """Tiers, campaigns, bonuses and expiry (parsed once, like the rules)."""
        if self._program is None:
            from app.services.settings import program_from

            self._program = program_from(self.settings())
        return self._program

    def layout(self) -> CardLayout:
        if self._layout is None:
            s = self.settings()
            self._layout = CardLayout(
                prefix=str(s["card.prefix"]), store_code=str(s["shop.store_code"])
            )
        return self._layout

    @property
    def store_code(self) -> str:
        return self.layout().store_code

    def forget_settings(self) -> None:
        """Drop cached settings after they changed."""
        self._rules = None
        self._layout = None
        self._settings = None
        self._program = None
