"""Simulated shops of a chain: each its own SQLite file, all sharing one sync folder."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from app.domain.profile import MemberDraft
from app.services.chain.exchange import ExportReport, ImportReport, export_events, import_events
from app.services.chain.setup import init_shop
from app.services.checkout import checkout
from app.services.context import Context
from app.services.health import check_database
from app.services.lookup import lookup_card
from app.services.members import enroll_member
from app.services.views import MemberView
from app.store.database import Database
from tests.conftest import Clock

SECRET = "chain-secret-for-tests-0123456789"


@dataclass
class Shop:
    """One shop: a database, a context, and the chain's folder."""

    name: str
    path: Path
    ctx: Context
    folder: Path

    def export(self) -> ExportReport:
        return export_events(self.ctx, self.folder)

    def export_events_in_files_of(self, size: int) -> ExportReport:
        return export_events(self.ctx, self.folder, max_events=size)

    def import_(self) -> ImportReport:
        return import_events(self.ctx, self.folder)

    def sync(self) -> ImportReport:
        self.export()
        return self.import_()

    def enroll(self, first: str, last: str, **fields: Any) -> MemberView:
        return enroll_member(self.ctx, MemberDraft(first_name=first, last_name=last, **fields))

    def sale(self, card: str, cents: int, redeem: int = 0) -> Any:
        self.tick()
        return checkout(self.ctx, card, cents, redeem_points=redeem)

    def tick(self, seconds: int = 1) -> None:
        clock = self.ctx.clock
        assert isinstance(clock, Clock)
        clock.now += timedelta(seconds=seconds)

    def balance(self, card: str) -> int:
        return lookup_card(self.ctx, card).points

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        con = sqlite3.connect(self.path)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def balances(self) -> dict[str, int]:
        """Every member's balance by uuid: what must end equal in every shop."""
        return dict(self.query("SELECT uuid, points_balance FROM member ORDER BY uuid"))

    def ledger(self) -> list[tuple[Any, ...]]:
        return self.query(
            "SELECT l.uuid, m.uuid, l.points, l.kind FROM ledger_entry l "
            "JOIN member m ON m.id = l.member_id ORDER BY l.uuid"
        )

    def assert_sound(self) -> None:
        report = check_database(self.ctx)
        assert report.ok, report

    def close(self) -> None:
        self.ctx.db.dispose()


def make_shop(tmp_path: Path, folder: Path, name: str, store: str, clock: Clock) -> Shop:
    path = tmp_path / f"{name}.db"
    ctx = Context(Database(str(path)), clock=Clock(clock.now), actor=name, till=1)
    init_shop(ctx, store, 1, str(folder))
    return Shop(name, path, ctx, folder)
