"""Writing files so that nobody ever reads half of one, and a killed write leaves nothing.

The data is written to a file without a name (Linux ``O_TMPFILE`` in the target's folder),
which gets its name only when complete: a process killed while writing (``kill -9``, a power
cut) leaves no file at all, so a member export never leaves personal data behind in a
temporary file. The complete file is linked as ``.<name>.<8 hex>.tmp`` and at once renamed
over the target.

Files with personal data (the database and its -wal/-shm, exports, card files, secrets) are
created readable by their owner only (:data:`PRIVATE_FILE`), the folders the program makes for
them too (:data:`PRIVATE_FOLDER`); see :func:`private_folder` and :func:`create_private_file`.

Where unnamed files are not available (other systems, some network folders) the data goes to
``.<name>.<8 hex>.tmp`` readable only by its owner; such a leftover of a killed write, and of
the instant between link and rename above, is removed by the next write to the same target.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


def private_folder(path: Path, *, tighten: bool = False) -> None:
    """Create ``path`` (and missing parents) readable by its owner only; ``OSError`` if not.

    An existing folder is left as it is, unless ``tighten`` (the program's own data folder):
    then group and others lose their access to it.
    """
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(folder, PRIVATE_FOLDER)  # the umask may only take more away
    if tighten and not missing:
        info = os.stat(path)
        if info.st_mode & 0o077 and info.st_uid == os.geteuid():
            os.chmod(path, info.st_mode & 0o700)


def create_private_file(path: Path) -> bool:
    """Create ``path`` empty and readable by its owner only, unless it exists; True if created.

    SQLite gives a database's -wal and -shm files the database file's permissions.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def protect_stream(stream: object) -> None:
    """Make the regular file behind ``stream`` (a redirected stdout) its owner's only."""
    fileno = getattr(stream, "fileno", None)
    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation, TypeError):
        fd = fileno() if callable(fileno) else -1
        info = os.fstat(fd)
        if stat.S_ISREG(info.st_mode) and info.st_mode & 0o077 and info.st_uid == os.geteuid():
            os.fchmod(fd, PRIVATE_FILE)


def _temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")


def remove_stale_temporaries(path: Path) -> None:
    """Remove what killed writes to ``path`` left behind (``.<name>.<8 hex>.tmp``)."""
    pattern = re.compile(rf"^\.{re.escape(path.name)}\.[0-9a-f]{{8}}\.tmp$")
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent or Path(".")):
            if pattern.match(entry.name) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


_AT_FDCWD, _AT_EMPTY_PATH = -100, 0x1000


def _give_name(fd: int, name: Path) -> None:
    """Link the unnamed file ``fd`` as ``name``, or raise OSError.

    Through /proc (any user, the way open(2) documents), else ``linkat(AT_EMPTY_PATH)``, which
    needs CAP_DAC_READ_SEARCH but works where /proc refuses the link (some sandboxes say EXDEV).
    """
    try:
        os.link(f"/proc/self/fd/{fd}", name, follow_symlinks=True)
        return
    except OSError as exc:
        first = exc
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        done = libc.linkat(fd, b"", _AT_FDCWD, os.fsencode(name), _AT_EMPTY_PATH)
    except (OSError, AttributeError):
        raise first from None
    if done != 0:
        raise first


@functools.cache
def _can_name_unnamed(folder: Path) -> bool:
    """Whether an unnamed file in ``folder`` can be given a name, probed once per folder."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not os.path.isdir("/proc/self/fd"):
        return False
    try:
        fd = os.open(folder, flag | os.O_WRONLY, 0o600)
    except OSError:
        return False  # e.g. a file system without O_TMPFILE support
    probe = folder / f".loyalty-probe.{secrets.token_hex(4)}.tmp"
    try:
        _give_name(fd, probe)
    except OSError:
        return False
    else:
        os.unlink(probe)
        return True
    finally:
        os.close(fd)


def _open_unnamed(folder: Path) -> int | None:
    """A file without a name in ``folder``, or None where the system cannot make one."""
    if not _can_name_unnamed(folder.resolve()):
        return None
    try:
        return os.open(folder, os.O_TMPFILE | os.O_WRONLY, 0o600)
    except OSError:
        return None


@contextlib.contextmanager
def open_atomically(path: Path, *, mode: int = 0o644, durable: bool = False) -> Iterator[BinaryIO]:
    """A binary file to write ``path``'s new content to; ``path`` changes only on success.

    ``mode`` is the finished file's permission (``0o600`` for personal data). A failure
    leaves ``path`` as it was and raises ``OSError`` (or the error of the ``with`` body) for
    the caller to word. ``durable`` also flushes the data and the rename to disk.
    """
    folder = path.parent or Path(".")
    remove_stale_temporaries(path)
    fd = _open_unnamed(folder)
    tmp: Path | None = None
    if fd is None:
        tmp = _temp_name(path)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fchmod(fh.fileno(), mode)
            if durable:
                os.fsync(fh.fileno())
            if tmp is None:
                tmp = _temp_name(path)
                _give_name(fh.fileno(), tmp)
        os.replace(tmp, path)
    except BaseException:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    if durable:
        with contextlib.suppress(OSError):
            dir_fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


@contextlib.contextmanager
def open_text_atomically(
    path: Path, *, mode: int = 0o644, newline: str | None = None
) -> Iterator[io.TextIOWrapper]:
    """:func:`open_atomically` for UTF-8 text (a CSV export streams its rows through it)."""
    with open_atomically(path, mode=mode) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline=newline)
        yield text
        text.flush()
        text.detach()  # the binary file is closed (and named) by open_atomically


def write_atomically(path: Path, data: bytes, *, durable: bool = False, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` through :func:`open_atomically`.

    A failure leaves no half file and raises ``OSError`` for the caller to word. ``durable``
    also flushes the data and the rename to disk before returning (sync files: another shop
    may read them right after a power cut). Cards, coupons and sync files are ordinary
    documents (``0o644``).
    """
    with open_atomically(path, mode=mode, durable=durable) as fh:
        fh.write(data)
