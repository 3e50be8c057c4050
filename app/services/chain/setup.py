"""Setting a shop up for chain sync: its store code and till, the chain secret, the folder."""

from __future__ import annotations

import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from app.domain.cards import CardLayout
from app.domain.errors import InvalidInput, LoyaltyError
from app.domain.text import quote_input
from app.files import PRIVATE_FILE, private_folder
from app.i18n import _
from app.services.context import Context
from app.services.settings import write_setting

SECRET_ENV = "LOYALTY_SYNC_SECRET"
MIN_SECRET = 16


class SyncNotSetUp(LoyaltyError):
    """Sync needs a folder and a chain secret first."""


@dataclass(frozen=True)
class InitResult:
    store: str
    till: int
    sync_dir: str
    secret_file: str
    secret_created: bool
    node: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def init_shop(
    ctx: Context,
    store: str,
    till: int,
    sync_dir: str | None = None,
    secret_file: str | None = None,
) -> InitResult:
    """Set the shop's store code and till (and where sync files go); validated before writing.

    A secret file that does not exist yet is created with a new random secret: copy it to
    every shop of the chain (never into the sync folder).
    """
    try:
        CardLayout(store_code=store)
    except InvalidInput:
        raise InvalidInput(
            _("The store code must be 3 digits (e.g. 002), not “{value}”").format(
                value=quote_input(store)
            )
        ) from None
    if not 1 <= till <= 999:
        raise InvalidInput(_("The till number must be from 1 to 999"))
    folder = Path(sync_dir).expanduser().resolve() if sync_dir else None
    secret_path = Path(secret_file).expanduser().resolve() if secret_file else None
    _secret_outside_folder(ctx, folder, secret_path)  # before anything is created
    if folder is not None:
        if folder.exists() and not folder.is_dir():
            raise InvalidInput(_("{path} is not a folder").format(path=folder))
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InvalidInput(
                _("Cannot create the sync folder {path}: {reason}").format(
                    path=folder, reason=exc.strerror or exc
                )
            ) from None
    created = False
    if secret_path is not None:
        if secret_path.exists():
            _read_secret_file(secret_path)
        else:
            created = True
            _create_secret_file(secret_path)
    now = ctx.now()
    write_setting(ctx.db, "shop.store_code", store, now, actor=ctx.actor, till=till)
    write_setting(ctx.db, "shop.till", till, now, actor=ctx.actor, till=till)
    if folder is not None:
        write_setting(ctx.db, "sync.dir", str(folder), now, actor=ctx.actor, till=till)
    if secret_path is not None:
        write_setting(ctx.db, "sync.secret_file", str(secret_path), now, actor=ctx.actor, till=till)
    ctx.forget_settings()
    settings = ctx.settings()
    return InitResult(
        store=store,
        till=till,
        sync_dir=str(settings["sync.dir"]),
        secret_file=str(settings["sync.secret_file"]),
        secret_created=created,
        node=ctx.node(),
    )


def _secret_outside_folder(ctx: Context, folder: Path | None, secret: Path | None) -> None:
    """Refuse a secret file inside the sync folder, the one given now or set before.

    Both are compared with their links resolved, whichever option came first.
    """
    settings = ctx.settings()
    if folder is None and settings["sync.dir"]:
        folder = Path(str(settings["sync.dir"])).expanduser().resolve()
    if secret is None and settings["sync.secret_file"]:
        secret = Path(str(settings["sync.secret_file"])).expanduser().resolve()
    if folder is not None and secret is not None and (secret == folder or folder in secret.parents):
        raise InvalidInput(
            _(
                "Keep the chain secret file ({secret}) outside the sync folder ({folder}): "
                "whoever reads it can sign files"
            ).format(secret=secret, folder=folder)
        )


def _create_secret_file(path: Path) -> None:
    try:
        private_folder(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
    except OSError as exc:
        raise InvalidInput(
            _("Cannot write the secret file {path}: {reason}").format(
                path=path, reason=exc.strerror or exc
            )
        ) from None


def _read_secret_file(path: Path) -> bytes:
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise SyncNotSetUp(
            _("Cannot read the chain secret from {path}: {reason}").format(
                path=path, reason=getattr(exc, "strerror", None) or exc
            )
        ) from None
    if len(secret) < MIN_SECRET:
        raise SyncNotSetUp(
            _("The chain secret in {path} is too short (at least {count} characters)").format(
                path=path, count=MIN_SECRET
            )
        )
    return secret.encode()


def chain_secret(ctx: Context) -> bytes:
    """The chain's shared secret: ``LOYALTY_SYNC_SECRET``, else the secret file set at init."""
    value = os.environ.get(SECRET_ENV, "").strip()
    if value:
        if len(value) < MIN_SECRET:
            raise SyncNotSetUp(
                _("{name} is too short (at least {count} characters)").format(
                    name=SECRET_ENV, count=MIN_SECRET
                )
            )
        return value.encode()
    path = str(ctx.settings()["sync.secret_file"])
    if not path:
        raise SyncNotSetUp(
            _("No chain secret: set {name} or run “loyalty init … --secret-file FILE”").format(
                name=SECRET_ENV
            )
        )
    return _read_secret_file(Path(path))


def sync_folder(ctx: Context, directory: str | Path | None) -> Path:
    """The folder given, else the one set at init; it must exist."""
    chosen = directory or str(ctx.settings()["sync.dir"])
    if not chosen:
        raise SyncNotSetUp(
            _("No sync folder: give --dir DIR or run “loyalty init … --sync-dir DIR”")
        )
    folder = Path(chosen).expanduser()
    if not folder.is_dir():
        raise SyncNotSetUp(_("The sync folder {path} does not exist").format(path=folder))
    return folder
