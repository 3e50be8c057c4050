"""Applying other shops' events to this database, inside the caller's transaction.

Rules that make sync safe to repeat and to run in any order:

- Rows are named by UUID (card number for cards); a row that is already here is not written
  twice, and the caller skips events it already has.
- An event that refers to a member or sale this shop does not have yet (its file has not
  arrived) is deferred: kept, and applied by a later import once the reference is there.
- What sync cannot settle by itself is recorded for the owner (``needs_owner``).

The events of a file are applied kind by kind, in the one order of :data:`APPLY_ORDER`, so that
every row is written after the rows it names; each family of events has its module here
(members and cards, merges, coupons, stamps, sales with refunds and points, settings).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.exc import DataError

from app.i18n import _
from app.sync.apply import (
    coupons,
    feedback,
    members,
    merges,
    references,
    sales,
    settings,
    staff,
    stamps,
)
from app.sync.apply.state import ApplyState, Conflict, Event, Outcome
from app.sync.fileformat import SyncFileRejected

__all__ = ["APPLY_ORDER", "KINDS", "Applier", "Conflict", "Outcome", "Step"]


@dataclass(frozen=True)
class Step:
    """One step of an import: ``run`` gets the events of ``kind``, or every event for None."""

    kind: str | None
    run: Callable[[ApplyState, list[Event]], None]


APPLY_ORDER: tuple[Step, ...] = (
    Step(None, references.load_named_rows),
    Step("member", members.apply_members),
    # Merges before the rows that name members: a card or ledger row of the merged member
    # then goes to the kept one, as it would have had it arrived after the merge.
    Step("merge", merges.apply_merges),
    Step("coupon", coupons.apply_coupons),
    Step("stamp_program", stamps.apply_programs),
    Step(None, references.load_offers),  # new coupons and programs included
    Step("card", members.apply_cards),
    # Ledger rows of a sale or refund new here are new too (they are only ever written with
    # it): no look-up for them. Rows of points events may be here already.
    Step("sale", sales.apply_sales),
    Step("refund", sales.apply_refunds),
    Step("points", sales.take_points),
    Step("stamp", stamps.apply_stamps),
    Step(None, sales.write_ledger),  # the rows of the sales, refunds and points taken
    Step("feedback", feedback.apply_feedback),
    Step("feedback_comment", feedback.apply_comments),
    Step("setting", settings.apply_settings),
    Step("staff", staff.apply_staff),
)
"""Every step, in order; a kind without a step here is deferred (a newer version wrote it)."""

KINDS = tuple(step.kind for step in APPLY_ORDER if step.kind is not None)


class Applier(ApplyState):
    """Applies events from other shops through one connection (one transaction)."""

    def apply(self, events: Sequence[Event]) -> Outcome:
        """Apply new events (none of them already here); returns what was applied/deferred."""
        every = list(events)
        by_kind: dict[str, list[Event]] = defaultdict(list)
        for event in every:
            if event["kind"] in KINDS:
                by_kind[event["kind"]].append(event)
            else:
                # Written by a newer version of the program: kept until this one is updated.
                self.out.deferred.append(event)
        self.fresh_ledger, self.other_ledger = [], []
        try:
            for step in APPLY_ORDER:
                step.run(self, every if step.kind is None else by_kind[step.kind])
        except (OverflowError, DataError) as exc:
            # A figure beyond 64 bits: SQLite's driver refuses to bind it, PostgreSQL answers
            # "numeric value out of range" (SQLSTATE 22003). No program writes one, so the file
            # was made by hand; the caller's transaction is rolled back.
            if isinstance(exc, DataError) and getattr(exc.orig, "sqlstate", None) != "22003":
                raise
            raise SyncFileRejected(_("a figure in the file is too large for a database")) from None
        return self.out
