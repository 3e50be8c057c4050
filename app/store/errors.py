"""The database's failures as the project's own errors, each with a sentence a cashier can read.

Driver exceptions (sqlite3, psycopg, SQLAlchemy's wrappers) are turned into these in one place,
:func:`driver_errors`, used by every way the store reaches the database. Screens and the CLI
catch :class:`~app.domain.errors.LoyaltyError` only; see docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from app.domain.errors import LoyaltyError
from app.i18n import _


class DatabaseError(LoyaltyError):
    """The database failed; nothing of the use case was written."""


class DatabaseUnavailable(DatabaseError):
    """The database cannot be opened or reached."""


class DatabaseMissing(DatabaseUnavailable):
    """No database file at the path given (only ``init``, ``demo`` and the counter create one)."""


class DatabaseForeign(DatabaseError):
    """A database of another program: never taken over."""


class DatabaseBusy(DatabaseError):
    """Another till or a long job held the database longer than the busy timeout."""


class DatabaseFull(DatabaseError):
    """The disk (or the server's) is full."""


class DatabaseReadOnly(DatabaseError):
    """The database file or the server refuses writes."""


class DatabaseConflict(DatabaseError):
    """A write that breaks a uniqueness or reference rule (e.g. two tills, one new number)."""


class DatabaseDamaged(DatabaseError):
    """The file is not a database, or a damaged one."""


def _reason(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    # One line: psycopg adds a hint on a second line.
    return " ".join(str(original).split()) or type(original).__name__


def translate(exc: BaseException) -> DatabaseError:
    """The project's error for a driver exception."""
    if isinstance(exc, DatabaseError):
        return exc
    if isinstance(exc, IntegrityError | sqlite3.IntegrityError):
        return DatabaseConflict(
            _("The change conflicts with what is already stored; nothing was changed.")
        )
    reason = _reason(exc)
    lowered = reason.lower()
    if "locked" in lowered or "busy" in lowered or "lock timeout" in lowered:
        return DatabaseBusy(
            _(
                "The database is busy (another till or a long job is writing); "
                "nothing was changed. Try again in a moment."
            )
        )
    if "disk is full" in lowered or "no space" in lowered or "diskfull" in lowered:
        return DatabaseFull(_("The disk is full; nothing was changed. Free some space."))
    if "readonly" in lowered or "read-only" in lowered or "read only" in lowered:
        return DatabaseReadOnly(
            _("The database cannot be written (read-only file or server); nothing was changed.")
        )
    if "malformed" in lowered or "not a database" in lowered or "corrupt" in lowered:
        return DatabaseDamaged(
            _(
                "The database file is damaged or not a database; nothing was changed. "
                "Run `loyalty check` and restore a backup."
            )
        )
    return DatabaseUnavailable(
        _("The database did not answer ({reason}); nothing was changed. Try again.").format(
            reason=reason[:120]
        )
    )


def driver_error_types() -> tuple[type[BaseException], ...]:
    """Every exception class a driver or SQLAlchemy raises for a database failure.

    psycopg's own errors count only once psycopg is loaded (SQLAlchemy loads it for a
    PostgreSQL engine): importing it up front would cost every SQLite start-up ~0.1 s.
    """
    psycopg = sys.modules.get("psycopg")
    if psycopg is None:
        return (SQLAlchemyError, sqlite3.Error)
    return (SQLAlchemyError, sqlite3.Error, psycopg.Error)


@contextmanager
def driver_errors() -> Iterator[None]:
    """Turn a driver exception raised inside the block into the project's DatabaseError."""
    try:
        yield
    except Exception as exc:
        if isinstance(exc, driver_error_types()):
            raise translate(exc) from exc
        raise


__all__ = [
    "DatabaseBusy",
    "DatabaseConflict",
    "DatabaseDamaged",
    "DatabaseError",
    "DatabaseForeign",
    "DatabaseFull",
    "DatabaseMissing",
    "DatabaseReadOnly",
    "DatabaseUnavailable",
    "driver_error_types",
    "driver_errors",
    "translate",
]
