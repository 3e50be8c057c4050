"""Alembic migrations, applied automatically whenever the app or the CLI opens a database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect, text

from app.domain.errors import LoyaltyError
from app.i18n import _

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest revision; a test keeps it equal to Alembic's head. Knowing it lets an up-to-date
# database open without importing Alembic at all (start-up time at the till).
HEAD = "0008_program_speed"


class SchemaTooNew(LoyaltyError):
    """The database was written by a newer version of the program than this one."""


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def alembic_config(engine: Engine) -> object:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: the newest), keeping every row."""
    current = current_revision(engine)
    if revision == "head" and current == HEAD:
        return
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
