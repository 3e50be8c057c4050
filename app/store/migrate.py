"""Alembic migrations, applied automatically whenever the app or the CLI opens a database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect, text

from app.domain.errors import LoyaltyError
from app.i18n import _
from app.store.errors import DatabaseForeign

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest revision; a test keeps it equal to Alembic's head. Knowing it lets an up-to-date
# database open without importing Alembic at all (start-up time at the till).
HEAD = "0018_search_variants"


class SchemaTooNew(LoyaltyError):
    """The database was written by a newer version of the program than this one."""


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _has_foreign_tables(engine: Engine) -> bool:
    with engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
    # An empty alembic_version (every revision downgraded) is still ours.
    return bool(names) and "alembic_version" not in names


def alembic_config(engine: Engine) -> object:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head", *, reader: Engine | None = None) -> None:
    """Bring the schema to ``revision`` (default: the newest), keeping every row.

    The version is read on ``reader`` (a connection that takes no write lock), so opening an
    up-to-date database never waits behind a long job that holds the write lock.
    """
    current = current_revision(reader or engine)
    if revision == "head" and current == HEAD:
        return
    if current is None and _has_foreign_tables(reader or engine):
        raise DatabaseForeign(
            _("This database belongs to another program (no loyalty schema): it was not changed")
        )
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    cfg = alembic_config(engine)
    if current is not None:
        try:
            known = ScriptDirectory.from_config(cfg).get_revision(current)  # type: ignore[arg-type]
        except CommandError:
            known = None
        if known is None:
            # Alembic would fail with "Can't locate revision": say what it means for the shop.
            raise SchemaTooNew(
                _(
                    "This database was written by a newer version of the loyalty counter "
                    "(schema {revision}): update the program before opening it"
                ).format(revision=current)
            )
    command.upgrade(cfg, revision)  # type: ignore[arg-type]
