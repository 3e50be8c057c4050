"""The benchmark's database on PostgreSQL: the rows of dataset.py, loaded with COPY.

The schema comes from the migrations; then, in one transaction, the four tables are truncated
(so COPY can write the rows already frozen: no vacuum needed before index-only scans), their
secondary indexes, unique and foreign-key constraints dropped, the rows copied in, the indexes
and constraints built again once over all rows (a sort each, not a b-tree update per row), the
id sequences moved past the ids written, and a row in ``bench_dataset`` records the build. It
commits at the end: a build that fails leaves the database as it was.

A database that already holds a build of the same number of members is reused as it is (the
sales of earlier runs stay: they keep balances and ledger in step). Any other database with
members in it is refused: the benchmark never writes into a shop's data.
"""

from __future__ import annotations

import resource
import time
from typing import Any

from app.bench.dataset import ACTOR, generated_rows, rss_mb, say
from app.domain.errors import InvalidInput
from app.i18n import _
from app.services.context import Context
from app.store.database import Database
from app.store.errors import driver_errors

TABLES = ("member", "card", "sale", "ledger_entry")
# The columns dataset.py's row generators fill, in their order; ``TAILS`` adds the values its
# SQLite statements write as constants. (member.notes and .status take their defaults.)
COPIES = (
    "COPY member (id, uuid, salutation, first_name, last_name, email, phone, birthday, "
    "postcode, marketing_consent, consent_at, points_balance, home_store, created_at, "
    "updated_at, last_visit_at, first_key, last_key, email_key, phone_national, "
    "phone_international, first_alt, last_alt, email_domain, phone_reversed) "
    "FROM STDIN WITH (FREEZE)",
    "COPY card (number, member_id, issued_at) FROM STDIN WITH (FREEZE)",
    "COPY sale (id, uuid, member_id, card_number, amount_cents, points_redeemed, "
    "redeem_value_cents, to_pay_cents, points_earned, store_code, created_at, discount_cents, "
    "refunded_cents, till, actor) FROM STDIN WITH (FREEZE)",
    "COPY ledger_entry (uuid, member_id, points, kind, sale_id, store_code, created_at, "
    "reason, till, actor) FROM STDIN WITH (FREEZE)",
)
TAILS: tuple[tuple[Any, ...], ...] = ((), (), (0, 0, 1, ACTOR), ("", 1, ACTOR))
MARKER = "bench_dataset"
SEED = 7

_TABLE_OIDS = "ARRAY['member', 'card', 'sale', 'ledger_entry']::regclass[]"
_INDEXES = (
    "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
    "JOIN pg_class i ON i.oid = x.indexrelid "
    f"WHERE x.indrelid = ANY({_TABLE_OIDS}) AND NOT x.indisprimary "
    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)"
)
# Foreign keys last when built again: they need the unique keys they point at.
_CONSTRAINTS = (
    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
    f"WHERE conrelid = ANY({_TABLE_OIDS}) AND contype IN ('u', 'f') ORDER BY contype DESC"
)


def existing_build(db: Database) -> dict | None:
    """The record of an earlier build in this database, None if it has no members at all.

    A database with members but no record is someone's data: refused.
    """
    from sqlalchemy import inspect, text

    with db.reading() as session:
        conn = session.connection()
        if inspect(conn).has_table(MARKER):
            row = conn.execute(
                text(f"SELECT members, build_s, sales, ledger_entries FROM {MARKER}")
            ).first()
            if row is not None:
                return dict(row._mapping)
        if conn.execute(text("SELECT EXISTS (SELECT 1 FROM member)")).scalar():
            raise InvalidInput(
                _(
                    "{db} holds members that the benchmark did not write: give it an empty database"
                ).format(db=db.display_name)
            )
    return None


def build_pg_database(url: str, members: int, *, progress: bool = False) -> dict:
    """Fill the empty PostgreSQL database at ``url`` with ``members`` members and histories.

    Returns the build time, the numbers of rows and the builder's peak RSS.
    """
    started = time.perf_counter()
    db = Database(url)  # the schema, through the migrations
    try:
        ctx = Context(db, actor=ACTOR)
        layout, rules = ctx.layout(), ctx.rules()
        region = str(ctx.settings()["shop.phone_region"])
        pooled = db.engine.raw_connection()  # its session time zone is UTC, as stored
        pg = pooled.driver_connection
        assert pg is not None  # a fresh pooled connection always has its driver's
        try:
            with driver_errors():
                built = _load(pg, members, (layout, region, rules), started, progress)
                if progress:
                    say(_("Built in {seconds} s; analysing…").format(seconds=built["build_s"]))
                pg.execute(f"ANALYZE {', '.join(TABLES)}")
        finally:
            pooled.close()
    finally:
        db.dispose()
    return {**built, "build_rss_mb": rss_mb(resource.RUSAGE_SELF)}


def _load(
    pg: Any, members: int, setup: tuple[Any, str, Any], started: float, progress: bool
) -> dict:
    """Everything in one transaction: the rows, the indexes, the sequences and the record."""
    pg.autocommit = False
    cur = pg.cursor()
    # A benchmark's rows, built again if lost: no wait for the disk at commit; the index
    # builds may use more memory than a till's session.
    cur.execute("SET LOCAL synchronous_commit = off")
    cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
    indexes = cur.execute(_INDEXES).fetchall()
    constraints = cur.execute(_CONSTRAINTS).fetchall()
    for table, name, _definition in constraints:
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    # Empty already (existing_build checked): truncated in this transaction so COPY FREEZE may
    # write the rows as visible to all, which index-only scans need.
    cur.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")
    counts = {"sales": 0, "ledger_entries": 0}
    done = 0
    for rows in generated_rows(members, SEED, *setup):
        for statement, tail, values in zip(COPIES, TAILS, rows, strict=True):
            with cur.copy(statement) as copy:
                for row in values:
                    copy.write_row(row + tail if tail else row)
        done += len(rows[0])
        counts["sales"] += len(rows[2])
        counts["ledger_entries"] += len(rows[3])
        if progress:
            say(_("built {done} of {total} members").format(done=f"{done:,}", total=f"{members:,}"))
    if progress:
        say(_("Building the indexes…"))
    for _name, definition in indexes:
        cur.execute(definition)
    for table, name, definition in constraints:
        cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    # Later sales and members take ids after the ones written here.
    for table in ("member", "sale", "ledger_entry"):
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
    built = {"members": members, "build_s": round(time.perf_counter() - started, 1), **counts}
    # In the same transaction: a database holds the whole build and its record, or neither.
    cur.execute(
        f"CREATE TABLE IF NOT EXISTS {MARKER} (members INTEGER NOT NULL, "
        "build_s REAL NOT NULL, sales INTEGER NOT NULL, ledger_entries INTEGER NOT NULL)"
    )
    cur.execute(f"DELETE FROM {MARKER}")
    cur.execute(
        f"INSERT INTO {MARKER} VALUES (%(members)s, %(build_s)s, %(sales)s, %(ledger_entries)s)",
        built,
    )
    pg.commit()
    pg.autocommit = True
    cur.close()
    return built
