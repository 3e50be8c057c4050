"""Writing files so that nobody ever reads half of one: a temporary name, then a rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder.

    A failure leaves no half file (the temporary one is removed) and raises ``OSError`` for the
    caller to word. ``durable`` also flushes the data and the rename to disk before returning
    (sync files: another shop may read them right after a power cut).
    """
    fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent or Path("."))
    try:
        # mkstemp makes the file private; cards, coupons and sync files are ordinary documents.
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if durable:
        with contextlib.suppress(OSError):
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
