"""Opening a database: engine, SQLite pragmas for a till, migrations, transactions."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlmodel import Session

from app.files import create_private_file, private_folder
from app.i18n import _
from app.store.errors import (
    DatabaseDamaged,
    DatabaseError,
    DatabaseMissing,
    DatabaseUnavailable,
    driver_errors,
)

BUSY_TIMEOUT_MS = 10_000


def sqlite_url(path: str | Path) -> str:
    return f"sqlite:///{Path(path).expanduser().resolve()}"


def normalize_url(value: str) -> str:
    """Accept a plain file path as well as a SQLAlchemy URL."""
    return value if "://" in value else sqlite_url(value)


def _wal(cur: Any) -> None:
    # Switching a file to WAL needs an exclusive lock, and SQLite answers "database is locked"
    # at once there instead of waiting out busy_timeout: two tills creating the same file at
    # one moment would see it. Once the file is in WAL mode (persistent) this is one read.
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if cur.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


WAL_SIZE_LIMIT = 64 * 1024 * 1024
# The WAL size past which the Checkpointer restarts the file (well below the 64 MB bound).
TRUNCATE_AT = 16 * 1024 * 1024
TRUNCATE_WAIT_MS = 50


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    _sqlite_reader_pragmas(dbapi_conn, _record)
    cur = dbapi_conn.cursor()
    _wal(cur)
    cur.close()


def _sqlite_reader_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # The reader never switches the journal mode (a write): opening a file only to find it is
    # another program's must leave it as it was. The writer does, before its first write.
    # We issue BEGIN ourselves (see _begin_immediate), so the driver must not.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys = ON")
    # A till can lose power mid-sale: every commit reaches the disk.
    cur.execute("PRAGMA synchronous = FULL")
    # No checkpoint inside a sale's commit: copying the WAL back into the file (and its fsync)
    # made every ~45th sale 10+ ms slower. The Checkpointer does it beside the till.
    cur.execute("PRAGMA wal_autocheckpoint = 0")
    # A big sync import grows the WAL to gigabytes while the checkpoint cannot restart it;
    # once it restarts, the file is cut back to this size instead of keeping its peak.
    cur.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
    # What is deleted or overwritten is overwritten with zeros in the page, not left in free
    # space: an erased member's name is gone from the file, not only from the rows.
    cur.execute("PRAGMA secure_delete = ON")
    cur.close()


class Checkpointer:
    """Copies the WAL back into the database file on a background thread, after commits.

    PASSIVE checkpoints never block a writer or a reader. The thread starts with the first
    commit and ends after a quiet spell; closing the last connection also checkpoints (SQLite
    does that itself), so a short-lived CLI process leaves no large WAL behind.
    """

    DEBOUNCE_S = 0.2
    IDLE_EXIT_S = 5.0

    def __init__(self, path: Path) -> None:
        self.path = path
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._halt = threading.Event()  # set by stop(): ends the debounce wait at once
        self._page = 0

    def committed(self) -> None:
        """Note a commit: a checkpoint follows shortly, off the caller's thread."""
        with self._lock:
            if self._stopped:
                return
            self._wake.set()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="loyalty-checkpoint", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            while True:
                if not self._wake.wait(self.IDLE_EXIT_S):
                    with self._lock:
                        if not self._wake.is_set():
                            self._thread = None
                            return
                # A burst of sales: one checkpoint after it. stop() cuts the wait short.
                if self._halt.wait(self.DEBOUNCE_S):
                    return
                self._wake.clear()
                # stop() sets _halt before _wake: a stop whose wake-up was just cleared is
                # seen here, a later one wakes the next wait.
                if self._halt.is_set():
                    return
                # A failed checkpoint loses nothing: the next commit tries again.
                with contextlib.suppress(sqlite3.Error):
                    self._checkpoint(conn)
        finally:
            conn.close()

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        _busy, frames, _done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        page = self._page or conn.execute("PRAGMA page_size").fetchone()[0]
        self._page = page
        if frames * page < TRUNCATE_AT:
            return
        # Tills that write without a pause never leave the moment in which the next writer
        # starts the WAL over (checkpoint complete, no reader on it): it grew to 600 MB in
        # 20 s. Past TRUNCATE_AT this waits briefly for that moment and cuts the file to zero.
        # New writers wait meanwhile, so the wait is short; the PASSIVE pass just above has
        # copied the frames already. If it does not come, the next commit tries again.
        conn.execute(f"PRAGMA busy_timeout = {TRUNCATE_WAIT_MS}")
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            thread = self._thread
        self._halt.set()
        self._wake.set()
        if thread is not None:
            thread.join(timeout=5)


RELAXED = "relaxed_sync"


def _restore_durability(dbapi_conn: Any, record: Any) -> None:
    # A connection that committed a re-doable bulk write goes back to the pool as a till's
    # connection again: every later commit reaches the disk, every reference is checked.
    if record is not None and record.info.pop(RELAXED, False):
        dbapi_conn.execute("PRAGMA synchronous = FULL")
        dbapi_conn.execute("PRAGMA foreign_keys = ON")


LOCK_POLL_S = 0.0005


def _begin_immediate(conn: Any) -> None:
    # Take the write lock at the start, so two tills on one file wait for each other instead of
    # both reading a balance and one failing (or losing an update) at commit.
    # SQLite's own busy wait sleeps longer the longer it waits (up to 100 ms a try): behind a
    # long job that commits in short slices it would miss every gap between them. Polling
    # every half millisecond takes the lock in the job's next pause (docs/ARCHITECTURE.md).
    raw = conn.connection.driver_connection
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
            time.sleep(LOCK_POLL_S)
    finally:
        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def _begin_deferred(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


def _postgres_session(dbapi_conn: Any, _record: Any) -> None:
    # Timestamps read on the raw path come back in the session's zone: make it UTC, as stored.
    autocommit = dbapi_conn.autocommit
    dbapi_conn.autocommit = True
    dbapi_conn.execute("SET TIME ZONE 'UTC'")
    dbapi_conn.autocommit = autocommit


def serialize(session: Session, name: str) -> None:
    """Let one transaction at a time past this point (e.g. handing out the next card number).

    SQLite transactions here take the write lock at BEGIN already; on PostgreSQL a transaction
    advisory lock on ``name``, released at commit or rollback, does the same.
    """
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        key = zlib.crc32(name.encode()) - 2**31  # stable, and fits the signed 32-bit argument
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({key})")


SQLITE_HEADER = b"SQLite format 3\x00"


def _check_sqlite_file(path: Path, *, create: bool) -> None:
    """Refuse, before anything is written, a path that is not (yet) a usable database file.

    A missing file is created only when ``create`` (``init``, ``demo``, the counter after
    asking). An empty file is one only then: SQLite writes a new file's header a moment after
    creating it, so a second till opening the same new file may see it empty. Another kind of
    file is never taken over.
    """
    if not path.exists():
        if not create:
            raise DatabaseMissing(
                _("There is no database at {path}: `loyalty init --db {path}` creates one").format(
                    path=path
                )
            )
        return
    if not path.is_file():
        raise DatabaseUnavailable(_("{path} is not a database file").format(path=path))
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise DatabaseUnavailable(
            _("Cannot read {path}: {reason}").format(path=path, reason=exc.strerror)
        ) from None
    if not head and not create:
        raise DatabaseDamaged(
            _("{path} is an empty file, not a loyalty database; nothing was written to it").format(
                path=path
            )
        )
    if head and head != SQLITE_HEADER:
        raise DatabaseDamaged(
            _(
                "{path} is not a loyalty database (another kind of file); nothing was written to it"
            ).format(path=path)
        )


def _private_file(path: Path) -> None:
    """The database's folder and file readable by their owner only, when this creates them.

    SQLite gives the -wal and -shm files the database file's permissions.
    """
    if str(path) == ":memory:" or str(path).startswith("file:"):
        return
    private_folder(path.parent)
    create_private_file(path)


class Database:
    """One opened database: a write engine, a read engine and a fast raw reader per thread.

    ``create=False`` refuses a SQLite path where no database file exists yet; a file that is
    empty, of another kind or of another program is refused whatever ``create`` says.
    """

    def __init__(self, url: str, *, migrate: bool = True, create: bool = True) -> None:
        self.url = normalize_url(url)
        try:
            parsed = make_url(self.url)
        except ArgumentError:
            raise DatabaseUnavailable(
                _("“{url}” is neither a file path nor a database URL").format(url=url)
            ) from None
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite:
            if not parsed.database:
                raise DatabaseUnavailable(_("Give the database a file path"))
            path = Path(parsed.database)
            _check_sqlite_file(path, create=create)
            try:
                _private_file(path)
            except OSError as exc:
                raise DatabaseUnavailable(
                    _("Cannot create the folder for {path}: {reason}").format(
                        path=path, reason=exc.strerror
                    )
                ) from None
            self.path: Path | None = path
        else:
            self.path = None
        self.engine = self._make_engine(immediate=True)
        # SQLite needs a second engine whose transactions do not take the write lock; on
        # PostgreSQL readers never block writers, and one pool halves the server connections.
        self.read_engine = self._make_engine(immediate=False) if self.is_sqlite else self.engine
        self._local = threading.local()
        self.checkpointer = Checkpointer(self.path) if self.path is not None else None
        if migrate:
            from app.store.migrate import upgrade

            try:
                upgrade(self.engine, reader=self.read_engine)
            except DatabaseError:
                self.dispose()
                raise
            except DBAPIError as exc:
                self.dispose()
                if "malformed" in str(exc.orig) or "not a database" in str(exc.orig):
                    raise DatabaseDamaged(
                        _(
                            "The database {url} is damaged; nothing was written to it. "
                            "Run `loyalty check --db {url}` and restore a backup."
                        ).format(url=self.display_name)
                    ) from None
                # OperationalError (locked, unreadable) and DatabaseError ("file is not a
                # database") alike: a human message, not a traceback.
                raise DatabaseUnavailable(
                    _("Cannot open the database {url}: {reason}").format(
                        # One line: psycopg adds a hint on a second line.
                        url=self.display_name,
                        reason=" ".join(str(exc.orig).split()),
                    )
                ) from None

    def _make_engine(self, *, immediate: bool) -> Engine:
        if self.is_sqlite:
            engine = create_engine(
                self.url, connect_args={"check_same_thread": False, "timeout": 10}
            )
            pragmas = _sqlite_pragmas if immediate else _sqlite_reader_pragmas
            event.listen(engine, "connect", pragmas)
            event.listen(engine, "checkin", _restore_durability)
            event.listen(engine, "begin", _begin_immediate if immediate else _begin_deferred)
            return engine
        try:
            engine = create_engine(self.url, pool_pre_ping=True)
        except (ArgumentError, ImportError) as exc:
            raise DatabaseUnavailable(
                _("Cannot open the database {url}: {reason}").format(
                    url=self.display_name, reason=exc
                )
            ) from None
        if engine.dialect.name == "postgresql":
            event.listen(engine, "connect", _postgres_session)
        return engine

    @property
    def display_name(self) -> str:
        """The file path, or the URL with its password hidden."""
        return str(self.path) if self.path else make_url(self.url).render_as_string()

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self, *, bulk: bool = False) -> Iterator[Session]:
        """One use case, one transaction: commit on success, roll back on any error.

        ``bulk=True`` is for a sync import's file, on SQLite: work that is done again if a
        power cut loses it (the file stays in the folder, unmarked), and whose every reference
        is an id it read or wrote in the same transaction. It commits without waiting for the
        disk (``synchronous=NORMAL``: a lost commit, never a corrupt file) and without checking
        foreign keys row by row, a quarter of its time. The connection is a till's connection
        again (durable, checked) before anyone else uses it.
        """
        if not bulk or not self.is_sqlite:
            with (
                driver_errors(),
                Session(self.engine, expire_on_commit=False) as session,
                session.begin(),
            ):
                yield session
        else:
            with driver_errors(), self.engine.connect() as conn:
                # Before BEGIN: SQLite ignores or refuses both inside a transaction.
                raw = conn.connection.driver_connection
                raw.execute("PRAGMA synchronous = NORMAL")  # type: ignore[union-attr]
                raw.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
                conn.connection.info[RELAXED] = True
                with Session(conn, expire_on_commit=False) as session, session.begin():
                    yield session
        if self.checkpointer is not None:
            self.checkpointer.committed()

    @contextmanager
    def bulk_transactions(
        self, *, cache_mb: int = 0
    ) -> Iterator[Callable[[], AbstractContextManager[Session]]]:
        """Short transactions one after another, for a long job done in slices.

        Each ``with begin() as session:`` is one transaction (commit, or roll back on any
        error) that holds the write lock only for its own span, so a till waits for one slice
        at most. On SQLite they are ``bulk`` transactions (see :meth:`transaction`) on one held
        connection, whose page cache (``cache_mb``, 0: SQLite's default) stays warm from one
        slice to the next; elsewhere each is a :meth:`transaction`.
        """
        if not self.is_sqlite:
            yield self.transaction
            return
        with driver_errors(), self.engine.connect() as conn:
            raw: Any = conn.connection.driver_connection
            # Before BEGIN: SQLite ignores or refuses both inside a transaction.
            raw.execute("PRAGMA synchronous = NORMAL")
            raw.execute("PRAGMA foreign_keys = OFF")
            conn.connection.info[RELAXED] = True
            before = raw.execute("PRAGMA cache_size").fetchone()[0]
            if cache_mb:
                raw.execute(f"PRAGMA cache_size = -{cache_mb * 1024}")

            @contextmanager
            def begin() -> Iterator[Session]:
                with (
                    driver_errors(),
                    Session(conn, expire_on_commit=False) as session,
                    session.begin(),
                ):
                    yield session
                if self.checkpointer is not None:
                    self.checkpointer.committed()

            try:
                yield begin
            finally:
                # Back to its size: the pages beyond it are given back.
                raw.execute(f"PRAGMA cache_size = {int(before)}")

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only session (never takes the write lock)."""
        with driver_errors(), Session(self.read_engine) as session:
            yield session

    def wipe_old_copies(self) -> bool:
        """Copy the WAL into the file and cut it to zero bytes (after an erasure).

        The WAL still holds the pages as they were before the change; with ``secure_delete``
        the file itself holds no old copy once they are copied back. Waits up to the busy
        timeout for readers on older pages; False if one stayed (the next checkpoint that
        restarts the WAL does it). PostgreSQL keeps old row versions until its VACUUM.
        """
        if self.path is None:
            return True
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            conn.execute("PRAGMA secure_delete = ON")
            busy, _frames, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            return int(busy) == 0
        except sqlite3.Error:
            return False
        finally:
            conn.close()

    def raw(self) -> Any:
        """This thread's DBAPI connection in autocommit mode, for the hot read path."""
        conn = getattr(self._local, "conn", None)
        if conn is not None and not self.is_sqlite and (conn.closed or conn.broken):
            # The server restarted or dropped us: the next read takes a fresh connection.
            self._local.pooled.invalidate()
            conn = self._local.conn = self._local.pooled = None
        if conn is None:
            pooled = self.read_engine.raw_connection()
            conn = pooled.driver_connection
            assert conn is not None  # a fresh pooled connection always has its driver's
            if not self.is_sqlite:
                conn.autocommit = True
            self._local.pooled = pooled  # keep the pool's wrapper alive with it
            self._local.conn = conn
        return conn

    def sql(self, statement: str) -> str:
        """Adapt a ``?``-parameter statement to the driver's parameter style."""
        if self.is_sqlite:
            return statement
        # psycopg: %s marks a parameter, so a literal % (in LIKE 'a%') must be doubled.
        return statement.replace("%", "%%").replace("?", "%s")

    def dispose(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.stop()
        pooled = getattr(self._local, "pooled", None)
        if pooled is not None:
            pooled.close()
            self._local.pooled = None
            self._local.conn = None
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
