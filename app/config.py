"""Configuration from the command line and the environment, resolved once at start."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

from app.domain.errors import InvalidInput
from app.i18n import _

APP_NAME = "loyalty-counter"


def data_dir() -> Path:
    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    return data_dir() / "loyalty.db"


def demo_db_path() -> Path:
    return data_dir() / "demo.db"


@dataclass(frozen=True)
class Config:
    """Where the database is and who is at which till."""

    db: str
    actor: str
    till: int | None
    """From ``LOYALTY_TILL``; None: the till number set by ``loyalty init`` (default 1)."""


def _actor() -> str:
    """Who acts in a shop of one; once staff exist the signed-in person does (app.cli)."""
    value = os.environ.get("LOYALTY_CASHIER")
    if value:
        return value
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "till"


def _till() -> int | None:
    raw = os.environ.get("LOYALTY_TILL")
    if raw is None:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 999:
        raise InvalidInput(_("LOYALTY_TILL must be a number from 1 to 999"))
    return int(raw)


def load_config(db: str | None = None, *, demo: bool = False) -> Config:
    """``--db`` wins, then ``LOYALTY_DB``, then the file in the user data directory."""
    chosen = db or os.environ.get("LOYALTY_DB")
    if not chosen:
        chosen = str(demo_db_path() if demo else default_db_path())
    return Config(db=chosen, actor=_actor(), till=_till())
