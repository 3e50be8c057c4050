"""Applying other shops' events to this database, inside the caller's transaction.

Rules that make sync safe to repeat and to run in any order:

- Rows are named by UUID (card number for cards); a row that is already here is not written
  twice, and the caller skips events it already has.
- Points are ledger rows; the cached balance moves by their sum, so shops that exchanged all
  files end with the same balances whatever the order of the files.
- A profile is last-writer-wins on (``updated_at``, ``updated_store``); when two shops edited
  the same member without seeing each other's edit, the losing values are logged as a
  conflict. An erasure always wins: erased data never comes back from an older copy.
- A card only ever moves from active to blocked/replaced, never back.
- An event that refers to a member or sale this shop does not have yet (its file has not
  arrived) is deferred: kept, and applied by a later import once the reference is there.
- What sync cannot settle by itself (a balance below zero after offline redemptions in two
  shops, a sale refunded beyond its amount, one card number on two members, two merges in
  opposite directions) is recorded for the owner (``needs_owner``).

Bulk statements (executemany) keep imports fast: the events of a file are applied kind by kind
in dependency order (members, merges, cards, sales, refunds, ledger, settings).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, select, update

from app.domain.profile import Profile, search_keys
from app.services.settings import DEFAULTS, parse_setting
from app.store.bulk import (
    DriverValues,
    allocate_ids,
    execute_many,
    insert_records,
    insert_rows,
    select_in,
)
from app.store.models import (
    Card,
    Coupon,
    CouponRedemption,
    LedgerEntry,
    Member,
    Refund,
    Sale,
    Setting,
    Stamp,
    StampProgram,
    SyncConflict,
)
from app.sync.events import MEMBER_FIELDS, SALE_FIELDS, plain

_MEMBER = Member.__table__  # type: ignore[attr-defined]
_CARD = Card.__table__  # type: ignore[attr-defined]
_SALE = Sale.__table__  # type: ignore[attr-defined]
_REFUND = Refund.__table__  # type: ignore[attr-defined]
_LEDGER = LedgerEntry.__table__  # type: ignore[attr-defined]
_SETTING = Setting.__table__  # type: ignore[attr-defined]
_CONFLICT = SyncConflict.__table__  # type: ignore[attr-defined]
_COUPON = Coupon.__table__  # type: ignore[attr-defined]
_REDEMPTION = CouponRedemption.__table__  # type: ignore[attr-defined]
_PROGRAM = StampProgram.__table__  # type: ignore[attr-defined]
_STAMP = Stamp.__table__  # type: ignore[attr-defined]

CHUNK = 500  # values per IN (...): well below SQLite's and PostgreSQL's parameter limits
_CARD_RANK = {"active": 0, "blocked": 1, "replaced": 2}
_PROFILE_FIELDS = tuple(f for f in MEMBER_FIELDS if f not in ("uuid", "updated_store"))
# Sale columns a sale event carries as they are (member and time are converted).
_SALE_COLUMNS = tuple(f for f in SALE_FIELDS if f != "created_at")
_LEDGER_COLUMNS = (
    "uuid",
    "member_id",
    "points",
    "kind",
    "reason",
    "sale_id",
    "refund_id",
    "actor",
    "store_code",
    "till",
    "created_at",
)
KINDS = (
    "member",
    "card",
    "sale",
    "refund",
    "points",
    "merge",
    "setting",
    "coupon",
    "stamp_program",
    "stamp",
)


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


@dataclass(slots=True)
class _Member:
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
    """What :meth:`Applier.apply` did with a list of events."""

    applied: list[dict[str, Any]] = field(default_factory=list)
    deferred: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    settings_changed: bool = False


class Applier:
    """Applies events from other shops through one connection (one transaction)."""

    def __init__(self, conn: Connection, *, region: str) -> None:
        self.conn = conn
        self.values = DriverValues(conn.dialect.name == "sqlite")
        self.region = region
        self.members: dict[str, _Member] = {}
        self.merged_into: dict[int, int | None] = {}
        self.sales: dict[str, int] = {}
        self.refunds: dict[str, int] = {}
        self.coupons: dict[str, int] = {}
        self.programs: dict[str, int] = {}
        self.visits: dict[int, Any] = {}  # member id: last sale time among the new sales
        # member_id() answers, a few for every event; forgotten when a merge moves members.
        self._resolved: dict[str, int] = {}
        self.out = Outcome()

    # --- references ----------------------------------------------------------------------

    def _load_members(self, uuids: Iterable[str]) -> None:
        wanted = sorted({u for u in uuids if u and u not in self.members})
        rows = select_in(
            self.conn,
            "SELECT uuid, id, updated_at, updated_store, status, merged_into FROM member "
            "WHERE uuid IN ({keys})",
            wanted,
        )
        members, merged_into = self.members, self.merged_into
        for uuid, id_, updated_at, store, status, merged in rows:
            members[uuid] = _Member(id_, updated_at, store, status, merged)
            merged_into[id_] = merged

    def _load_ids(self, table: Any, target: dict[str, int], uuids: Iterable[str]) -> None:
        wanted = sorted({u for u in uuids if u and u not in target})
        target.update(
            select_in(
                self.conn, f"SELECT uuid, id FROM {table.name} WHERE uuid IN ({{keys}})", wanted
            )  # type: ignore[arg-type]
        )

    def member_id(self, uuid: str | None) -> int | None:
        """The local member a row of ``uuid`` belongs to now (following merges), or None."""
        found = self._resolved.get(uuid)  # type: ignore[arg-type]
        if found is not None:
            return found
        member = self.members.get(uuid or "")
        if member is None:
            return None
        found = self._resolved[uuid] = self.resolve_id(member.id)  # type: ignore[index]
        return found

    def resolve_id(self, member_id: int) -> int:
        """The member that ``member_id`` was merged into, through every merge, or itself."""
        current, seen = member_id, set()
        while True:
            if current not in self.merged_into:
                self.merged_into[current] = self.conn.execute(
                    select(_MEMBER.c.merged_into).where(_MEMBER.c.id == current)
                ).scalar()
            nxt = self.merged_into[current]
            if nxt is None or nxt in seen:
                return current
            seen.add(current)
            current = nxt

    def _conflict(
        self,
        kind: str,
        event: dict[str, Any] | None,
        member_uuid: str | None,
        needs_owner: bool,
        **detail: Any,
    ) -> None:
        self.out.conflicts.append(
            Conflict(kind, member_uuid, event["uuid"] if event else None, detail, needs_owner)
        )

    # --- the whole list -----------------------------------------------------------------

    def apply(self, events: Sequence[dict[str, Any]]) -> Outcome:
        """Apply new events (none of them already here); returns what was applied/deferred."""
        by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for event in events:
            if event["kind"] in KINDS:
                by_kind[event["kind"]].append(event)
            else:
                # Written by a newer version of the program: kept until this one is updated.
                self.out.deferred.append(event)
        self._load_members(_member_uuids(events))
        self._load_ids(
            _SALE,
            self.sales,
            [e["data"]["sale"]["uuid"] for e in by_kind["sale"]]
            + [e["data"]["refund"]["sale"] for e in by_kind["refund"]]
            + [row.get("sale") for e in by_kind["points"] for row in e["data"]["ledger"]],
        )
        self._load_ids(
            _REFUND, self.refunds, [e["data"]["refund"]["uuid"] for e in by_kind["refund"]]
        )
        self._members(by_kind["member"])
        # Merges before the rows that name members: a card or ledger row of the merged
        # member then goes to the kept one, as it would have had it arrived after the merge.
        self._merges(by_kind["merge"])
        self._coupons(by_kind["coupon"])
        self._programs(by_kind["stamp_program"])
        self._load_ids(_COUPON, self.coupons, _refs(events, "coupons", "coupon"))
        self._load_ids(_PROGRAM, self.programs, _refs(events, "stamps", "program"))
        self._cards(by_kind["card"])
        # Ledger rows of a sale or refund new here are new too (they are only ever written
        # with it): no look-up for them. Rows of points events may be here already.
        fresh: list[dict[str, Any]] = []
        ledger: list[dict[str, Any]] = []
        self._sales(by_kind["sale"], fresh)
        self._refunds(by_kind["refund"], fresh)
        self._points(by_kind["points"], ledger)
        self._stamps(by_kind["stamp"])
        self._ledger(fresh, ledger)
        self._settings(by_kind["setting"])
        return self.out

    # --- members --------------------------------------------------------------------------

    def _members(self, events: list[dict[str, Any]]) -> None:
        new: dict[str, dict[str, Any]] = {}
        for event in events:
            data = event["data"]
            uuid = data["uuid"]
            if uuid in self.members:
                self._update_profile(event)
            elif uuid not in new or _version(data) > _version(new[uuid]):
                new[uuid] = data
        if new:
            insert_records(self.conn, _MEMBER, [self._member_row(d) for d in new.values()])
            self._load_members(new)
            # A referrer enrolled in the same file has its id only now.
            execute_many(
                self.conn,
                "UPDATE member SET referred_by = ? WHERE id = ?",
                [
                    (self.member_id(d["referred_by"]), self.members[u].id)
                    for u, d in new.items()
                    if d.get("referred_by") and self.member_id(d["referred_by"])
                ],
            )
        self.out.applied.extend(events)

    def _member_row(self, data: dict[str, Any]) -> dict[str, Any]:
        row = self._profile_values(data)
        row.update(uuid=data["uuid"], points_balance=0, home_store=data.get("home_store") or "")
        return row

    def _profile_values(self, data: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {k: data.get(k) for k in _PROFILE_FIELDS}
        for key in ("consent_at", "created_at", "updated_at"):
            values[key] = _time(values[key])
        values["birthday"] = _day(values["birthday"])
        values["notes"] = values["notes"] or ""
        values["salutation"] = values["salutation"] or ""
        values["marketing_consent"] = bool(values["marketing_consent"])
        values["updated_store"] = data.get("updated_store") or ""
        values.pop("home_store")
        # Who referred the member, by UUID in the file, by this shop's id here.
        values["referred_by"] = self.member_id(data.get("referred_by"))
        keys = search_keys(
            Profile(
                first_name=values["first_name"] or "",
                last_name=values["last_name"] or "",
                email=values["email"],
                phone=values["phone"],
            ),
            self.region,
        )
        values.update(
            first_key=keys.first_key,
            last_key=keys.last_key,
            email_key=keys.email_key,
            phone_national=keys.phone_national,
            phone_international=keys.phone_international,
        )
        return values

    def _update_profile(self, event: dict[str, Any]) -> None:
        data = event["data"]
        local = self.members[data["uuid"]]
        if local.status == "erased":
            return  # erased here: nothing personal comes back, whatever its time
        incoming = _version(data)
        current = (local.updated_at, local.updated_store)
        base = data.get("base") or {}
        concurrent = (_time(base.get("updated_at")), base.get("store", "")) != current
        wins = data.get("status") == "erased" or incoming > _key(current)
        m = _MEMBER.c
        if concurrent or wins:
            row = self.conn.execute(
                select(*[m[k] for k in _PROFILE_FIELDS]).where(m.id == local.id)
            ).one()
            before = {k: plain(v) for k, v in row._mapping.items()}
        if wins:
            values = self._profile_values(data)
            # The member's state (merged, erased) follows its own events; a profile snapshot
            # never revives a merged member.
            if local.status == "merged":
                values["status"] = "merged"
            self.conn.execute(update(_MEMBER).where(m.id == local.id).values(values))
            local.updated_at, local.updated_store = values["updated_at"], values["updated_store"]
            local.status = values["status"]
        if concurrent and data.get("status") != "erased":
            theirs = {k: data.get(k) for k in _PROFILE_FIELDS if k not in ("updated_at",)}
            ours = {k: before[k] for k in theirs}
            lost_side, kept_store = (
                (ours, data.get("updated_store")) if wins else (theirs, current[1])
            )
            other = theirs if lost_side is ours else ours
            lost = {
                k: v
                for k, v in lost_side.items()
                if v != other[k] and k not in ("created_at", "status")
            }
            if lost:
                self._conflict(
                    "profile_edit",
                    event,
                    data["uuid"],
                    False,
                    name=f"{before['first_name']} {before['last_name']}".strip(),
                    kept_store=kept_store,
                    lost_values=lost,
                )

    # --- cards ----------------------------------------------------------------------------

    def _cards(self, events: list[dict[str, Any]]) -> None:
        c = _CARD.c
        numbers = sorted({e["data"]["number"] for e in events})
        existing: dict[str, dict[str, Any]] = {}
        for part in chunks(numbers):
            for row in self.conn.execute(
                select(c.number, c.member_id, c.status, c.printed_at, c.blocked_at).where(
                    c.number.in_(part)
                )
            ):
                existing[row.number] = dict(row._mapping)
        new: dict[str, dict[str, Any]] = {}
        for event in events:
            data = event["data"]
            member_id = self.member_id(data["member"])
            if member_id is None:
                self.out.deferred.append(event)
                continue
            self.out.applied.append(event)
            number = data["number"]
            state = {
                "number": number,
                "member_id": member_id,
                "status": data["status"],
                "issued_at": _time(data["issued_at"]),
                "printed_at": _time(data.get("printed_at")),
                "blocked_at": _time(data.get("blocked_at")),
                "replaced_by": data.get("replaced_by"),
            }
            if number in new:
                new[number] = _later_card(new[number], state)
            elif number not in existing:
                new[number] = state
            else:
                self._update_card(event, existing[number], state)
        if new:
            insert_records(self.conn, _CARD, list(new.values()))

    def _update_card(
        self, event: dict[str, Any], local: dict[str, Any], state: dict[str, Any]
    ) -> None:
        if self.resolve_id(local["member_id"]) != state["member_id"]:
            # One number on two members: two shops issued it (same store code?) — the owner
            # must decide whose card it is.
            self._conflict(
                "card_collision", event, event["data"]["member"], True, card=state["number"]
            )
            return
        values: dict[str, Any] = {}
        if _CARD_RANK.get(state["status"], 0) > _CARD_RANK.get(local["status"], 0):
            values.update(
                status=state["status"],
                blocked_at=state["blocked_at"],
                replaced_by=state["replaced_by"],
            )
        if state["printed_at"] and (
            local["printed_at"] is None or state["printed_at"] > local["printed_at"]
        ):
            values["printed_at"] = state["printed_at"]
        if values:
            self.conn.execute(update(_CARD).where(_CARD.c.number == state["number"]).values(values))
            local.update(values)

    # --- sales, refunds, ledger -------------------------------------------------------------

    def _sales(
        self,
        events: list[dict[str, Any]],
        ledger: list[dict[str, Any]],
    ) -> None:
        rows, visits, new, extras = [], self.visits, [], []
        # Driver values (ISO text in SQLite, datetimes elsewhere) order like the times they hold.
        stamp, member_id_of, known = self.values.iso_time, self.member_id, self.sales
        applied, deferred = self.out.applied, self.out.deferred
        for event in events:
            data = event["data"]
            sale = data["sale"]
            member_id = member_id_of(sale["member"])
            if member_id is None or not self._program_rows_known(data):
                deferred.append(event)
                continue
            applied.append(event)
            if sale["uuid"] not in known:
                at = stamp(sale["created_at"])
                rows.append((member_id, at, 0, *_sale_values(sale)))
                new.append(sale["uuid"])
                if member_id not in visits or visits[member_id] < at:
                    visits[member_id] = at
                ledger.extend(data["ledger"])
                if data.get("coupons") or data.get("stamps"):
                    extras.append(event)
        if not rows:
            return
        # Ids handed out here: no look-up of the new rows' ids afterwards.
        ids = allocate_ids(self.conn, "sale", len(rows))
        insert_rows(
            self.conn,
            "sale",
            ("member_id", "created_at", "refunded_cents", *_SALE_COLUMNS, "id"),
            [(*row, id_) for row, id_ in zip(rows, ids, strict=True)],
        )
        known.update(zip(new, ids, strict=True))
        # Coupons used and stamps given with the new sales (most sales have neither).
        self._redemptions(extras)
        self._stamp_rows(
            [
                (row, known[e["data"]["sale"]["uuid"]])
                for e in extras
                for row in e["data"].get("stamps", ())
            ]
        )

    def _refunds(
        self,
        events: list[dict[str, Any]],
        ledger: list[dict[str, Any]],
    ) -> None:
        rows = []
        refunded: dict[int, int] = defaultdict(int)
        for event in events:
            refund = event["data"]["refund"]
            sale_id = self.sales.get(refund["sale"])
            if sale_id is None:
                self.out.deferred.append(event)
                continue
            self.out.applied.append(event)
            if refund["uuid"] not in self.refunds:
                row = {k: v for k, v in refund.items() if k != "sale"}
                row.update(sale_id=sale_id, created_at=_time(refund["created_at"]))
                rows.append(row)
                refunded[sale_id] += refund["amount_cents"]
                ledger.extend(event["data"]["ledger"])
        if not rows:
            return
        self.conn.execute(insert(_REFUND), rows)
        self._load_ids(_REFUND, self.refunds, [r["uuid"] for r in rows])
        for event in events:
            refund = event["data"]["refund"]
            undone = event["data"].get("coupons_undone")
            if undone and refund["uuid"] in self.refunds:
                used = _REDEMPTION.c
                self.conn.execute(
                    update(_REDEMPTION)
                    .where(used.uuid.in_(undone), used.undone_at.is_(None))
                    .values(
                        undone_at=_time(refund["created_at"]),
                        undone_refund_id=self.refunds[refund["uuid"]],
                    )
                )
        s = _SALE.c
        self.conn.execute(
            update(_SALE)
            .where(s.id == bindparam("sid"))
            .values(refunded_cents=s.refunded_cents + bindparam("amount")),
            [{"sid": k, "amount": v} for k, v in refunded.items()],
        )
        for part in chunks(sorted(refunded)):
            over = self.conn.execute(
                select(s.uuid, s.amount_cents, s.refunded_cents, _MEMBER.c.uuid)
                .join(_MEMBER, _MEMBER.c.id == s.member_id)
                .where(s.id.in_(part), s.refunded_cents > s.amount_cents)
            )
            for sale_uuid, amount, done, member_uuid in over:
                self._conflict(
                    "over_refund",
                    None,
                    member_uuid,
                    True,
                    sale=sale_uuid,
                    amount_cents=amount,
                    refunded_cents=done,
                )

    # --- coupons and stamp cards -----------------------------------------------------------

    def _program_rows_known(self, data: dict[str, Any]) -> bool:
        """Whether the coupons and stamp programs a sale names are here (else it waits)."""
        coupons, stamps = data.get("coupons"), data.get("stamps")
        # Most sales have neither: no generator to run for them.
        return (not coupons or all(r["coupon"] in self.coupons for r in coupons)) and (
            not stamps or all(r["program"] in self.programs for r in stamps)
        )

    def _coupons(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            rows = event["data"]["coupons"]
            if any(r.get("member") and self.member_id(r["member"]) is None for r in rows):
                self.out.deferred.append(event)
                continue
            self.out.applied.append(event)
            self._load_ids(_COUPON, self.coupons, [r["uuid"] for r in rows])
            c = _COUPON.c
            taken = dict(
                self.conn.execute(
                    select(c.code, c.uuid).where(c.code.in_([r["code"] for r in rows]))
                ).all()
            )
            new = []
            for row in rows:
                if row["uuid"] in self.coupons:
                    continue
                if row["code"] in taken:
                    # Two shops created the same code offline: two different coupons.
                    self._conflict("coupon_code", event, None, True, code=row["code"])
                    continue
                new.append(
                    {
                        **{k: v for k, v in row.items() if k != "member"},
                        "member_id": self.member_id(row.get("member")),
                        "valid_from": _day(row.get("valid_from")),
                        "valid_until": _day(row.get("valid_until")),
                        "created_at": _time(row["created_at"]),
                    }
                )
            if new:
                self.conn.execute(insert(_COUPON), new)
                self._load_ids(_COUPON, self.coupons, [r["uuid"] for r in new])

    def _programs(self, events: list[dict[str, Any]]) -> None:
        p = _PROGRAM.c
        for event in events:
            self.out.applied.append(event)
            data = event["data"]
            self._load_ids(_PROGRAM, self.programs, [data["uuid"]])
            if data["uuid"] not in self.programs:
                self.conn.execute(
                    insert(_PROGRAM).values(
                        **data
                        | {
                            "created_at": _time(data["created_at"]),
                            "removed_at": _time(data.get("removed_at")),
                        }
                    )
                )
                self._load_ids(_PROGRAM, self.programs, [data["uuid"]])
            elif not data["active"]:  # a program only ever ends
                self.conn.execute(
                    update(_PROGRAM)
                    .where(p.uuid == data["uuid"], p.active.is_(True))
                    .values(active=False, removed_at=_time(data.get("removed_at")))
                )

    def _stamps(self, events: list[dict[str, Any]]) -> None:
        rows = []
        for event in events:
            stamps = event["data"]["stamps"]
            if any(
                self.member_id(s["member"]) is None or s["program"] not in self.programs
                for s in stamps
            ):
                self.out.deferred.append(event)
                continue
            self.out.applied.append(event)
            rows.extend((stamp, None) for stamp in stamps)
        self._stamp_rows(rows)

    def _stamp_rows(self, rows: list[tuple[dict[str, Any], int | None]]) -> None:
        if not rows:
            return
        known: set[str] = set()
        for part in chunks([stamp["uuid"] for stamp, _sale in rows]):
            known.update(
                self.conn.execute(select(_STAMP.c.uuid).where(_STAMP.c.uuid.in_(part))).scalars()
            )
        new = [
            {
                **{k: v for k, v in stamp.items() if k not in ("member", "program")},
                "member_id": self.member_id(stamp["member"]),
                "program_id": self.programs[stamp["program"]],
                "sale_id": sale_id,
                "created_at": _time(stamp["created_at"]),
            }
            for stamp, sale_id in rows
            if stamp["uuid"] not in known
        ]
        if new:
            self.conn.execute(insert(_STAMP), new)

    def _redemptions(self, events: list[dict[str, Any]]) -> None:
        rows, touched = [], set()
        for event in events:
            sale = event["data"]["sale"]
            for used in event["data"].get("coupons", ()):
                coupon_id = self.coupons[used["coupon"]]
                touched.add(coupon_id)
                rows.append(
                    {
                        **{k: v for k, v in used.items() if k != "coupon"},
                        "coupon_id": coupon_id,
                        "sale_id": self.sales[sale["uuid"]],
                        "member_id": self.member_id(sale["member"]),
                        "created_at": _time(used["created_at"]),
                    }
                )
        if not rows:
            return
        self.conn.execute(insert(_REDEMPTION), rows)
        c, used = _COUPON.c, _REDEMPTION.c
        for part in chunks(sorted(touched)):
            uses = self.conn.execute(
                select(c.code, c.max_uses, func.count(used.id))
                .join(_REDEMPTION, used.coupon_id == c.id)
                .where(c.id.in_(part), used.undone_at.is_(None), c.max_uses.is_not(None))
                .group_by(c.code, c.max_uses)
                .having(func.count(used.id) > c.max_uses)
            )
            for code, limit, count in uses:
                # A single-use coupon redeemed in two shops while they were offline.
                self._conflict(
                    "coupon_overused", None, None, True, code=code, uses=count, limit=limit
                )

    def _points(
        self,
        events: list[dict[str, Any]],
        ledger: list[dict[str, Any]],
    ) -> None:
        for event in events:
            entries = event["data"]["ledger"]
            if any(
                self.member_id(e["member"]) is None
                or (e.get("sale") and e["sale"] not in self.sales)
                for e in entries
            ):
                self.out.deferred.append(event)
                continue
            self.out.applied.append(event)
            ledger.extend(entries)

    def _ledger(self, fresh: list[dict[str, Any]], ledger: list[dict[str, Any]]) -> None:
        """Insert ``fresh`` ledger rows and those of ``ledger`` not here yet; move the balances."""
        entries = list(fresh)
        if ledger:
            seen = {
                r[0]
                for r in select_in(
                    self.conn,
                    "SELECT uuid FROM ledger_entry WHERE uuid IN ({keys})",
                    [entry["uuid"] for entry in ledger],
                )
            }
            for entry in ledger:
                if entry["uuid"] not in seen:  # not here, nor twice in the list
                    seen.add(entry["uuid"])
                    entries.append(entry)
        rows, deltas = [], defaultdict(int)
        iso_time, member_id_of, sales, refunds = (
            self.values.iso_time,
            self.member_id,
            self.sales,
            self.refunds,
        )
        for entry in entries:
            member_id = member_id_of(entry["member"])
            assert member_id is not None  # checked when the event was taken
            sale, refund = entry.get("sale"), entry.get("refund")
            rows.append(
                (
                    entry["uuid"],
                    member_id,
                    entry["points"],
                    entry["kind"],
                    entry.get("reason") or "",
                    sales.get(sale) if sale else None,
                    refunds.get(refund) if refund else None,
                    entry.get("actor") or "",
                    entry["store_code"],
                    entry["till"],
                    iso_time(entry["created_at"]),
                )
            )
            deltas[member_id] += entry["points"]
        insert_rows(self.conn, "ledger_entry", _LEDGER_COLUMNS, rows)
        self._update_members(deltas)

    def _update_members(self, deltas: dict[int, int]) -> None:
        """Move balances by ``deltas`` and last visits to the new sales, one update a member."""
        visits = self.visits
        execute_many(
            self.conn,
            "UPDATE member SET points_balance = points_balance + ?, last_visit_at = CASE "
            "WHEN last_visit_at IS NULL OR last_visit_at < ? THEN ? ELSE last_visit_at END "
            "WHERE id = ?",
            [(deltas.get(mid, 0), at, at, mid) for mid, at in visits.items()],
        )
        execute_many(
            self.conn,
            "UPDATE member SET points_balance = points_balance + ? WHERE id = ?",
            [(delta, mid) for mid, delta in deltas.items() if delta and mid not in visits],
        )
        # Only a member whose points went down can have fallen below zero.
        rows = select_in(
            self.conn,
            "SELECT uuid, first_name, last_name, points_balance FROM member "
            "WHERE points_balance < 0 AND id IN ({keys})",
            sorted(mid for mid, delta in deltas.items() if delta < 0),
        )
        for uuid, first, last, balance in rows:
            self._conflict(
                "negative_balance",
                None,
                uuid,
                True,
                name=f"{first} {last}".strip(),
                balance=balance,
            )

    # --- merges and settings ----------------------------------------------------------------

    def _merges(self, events: list[dict[str, Any]]) -> None:
        from app.services.merge import member_references  # services import this module

        for event in events:
            data = event["data"]
            other = self.members.get(data["other"])
            keep_id = self.member_id(data["keep"])
            if other is None or keep_id is None:
                self.out.deferred.append(event)
                continue
            self.out.applied.append(event)
            if self.member_id(data["other"]) == keep_id and other.merged_into is not None:
                continue  # merged here already
            if keep_id == other.id or self.member_id(data["other"]) != other.id:
                self._conflict("merge_cycle", event, data["keep"], True, other=data["other"])
                continue
            for table, column in member_references():
                self.conn.execute(
                    update(table).where(column == other.id).values({column.name: keep_id})
                )
            m = _MEMBER.c
            self.conn.execute(
                update(_MEMBER)
                .where(m.id == other.id)
                .values(status="merged", merged_into=keep_id, points_balance=0)
            )
            total = self.conn.execute(
                select(func.coalesce(func.sum(_LEDGER.c.points), 0)).where(
                    _LEDGER.c.member_id == keep_id
                )
            ).scalar()
            self.conn.execute(update(_MEMBER).where(m.id == keep_id).values(points_balance=total))
            other.merged_into = keep_id
            other.status = "merged"
            self.merged_into[other.id] = keep_id
            self._resolved.clear()

    def _settings(self, events: list[dict[str, Any]]) -> None:
        s = _SETTING.c
        for event in events:
            data = event["data"]
            key = data["key"]
            if key not in DEFAULTS:
                self.out.deferred.append(event)  # a rule of a newer program version
                continue
            self.out.applied.append(event)
            at = _time(data["updated_at"])
            try:
                value = json.dumps(parse_setting(key, data["value"]))
            except Exception as exc:
                self._conflict("bad_setting", event, None, True, key=key, reason=str(exc))
                continue
            local = self.conn.execute(select(s.updated_at).where(s.key == key)).first()
            if local is None:
                self.conn.execute(insert(_SETTING).values(key=key, value=value, updated_at=at))
            elif at is not None and at > local[0]:
                self.conn.execute(
                    update(_SETTING).where(and_(s.key == key)).values(value=value, updated_at=at)
                )
            else:
                continue
            self.out.settings_changed = True


_SALE_VALUES = itemgetter(*_SALE_COLUMNS)


def _sale_values(sale: dict[str, Any]) -> tuple[Any, ...]:
    """The sale's columns in ``_SALE_COLUMNS`` order (None for one a file leaves out)."""
    try:
        return _SALE_VALUES(sale)  # type: ignore[no-any-return]
    except KeyError:
        return tuple(sale.get(k) for k in _SALE_COLUMNS)


def _refs(events: Iterable[dict[str, Any]], key: str, field_name: str) -> list[str]:
    """The UUIDs that the ``key`` rows of sale and stamp events name in ``field_name``."""
    return [row[field_name] for e in events for row in e["data"].get(key, ()) if field_name in row]


def _member_uuids(events: Iterable[dict[str, Any]]) -> Iterator[str]:
    for event in events:
        data, kind = event["data"], event["kind"]
        if kind == "member":
            yield data["uuid"]
            if data.get("referred_by"):
                yield data["referred_by"]
        elif kind == "card":
            yield data["member"]
        elif kind == "sale":
            yield data["sale"]["member"]
            yield from (row["member"] for row in data["ledger"])
        elif kind in ("refund", "points"):
            yield from (row["member"] for row in data["ledger"])
        elif kind == "merge":
            yield data["keep"]
            yield data["other"]
        elif kind == "coupon":
            yield from (row["member"] for row in data["coupons"] if row.get("member"))
        elif kind == "stamp":
            yield from (row["member"] for row in data["stamps"])


def _version(data: dict[str, Any]) -> tuple[datetime, str]:
    return _key((_time(data.get("updated_at")), data.get("updated_store") or ""))


def _key(version: tuple[datetime | None, str]) -> tuple[datetime, str]:
    return (version[0] or datetime.min.replace(tzinfo=UTC), version[1] or "")


def _later_card(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    later = b if _CARD_RANK.get(b["status"], 0) > _CARD_RANK.get(a["status"], 0) else a
    printed = [p for p in (a["printed_at"], b["printed_at"]) if p]
    return {**later, "printed_at": max(printed) if printed else None}
