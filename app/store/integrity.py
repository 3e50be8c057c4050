"""The SQLite file's own check, run read-only: `loyalty check` on a damaged file writes nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def sqlite_integrity(path: Path) -> str:
    """``ok``, or what SQLite finds wrong with the file (pages, indexes, dangling references).

    Opened with ``mode=ro`` on a connection of its own: neither a migration nor the journal
    mode switch nor a checkpoint can write into a file that may be damaged. A file too damaged
    to be read at all is reported the same way, as the driver's sentence.
    """
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
        integrity = "; ".join(str(r[0]) for r in rows)
        # A sync import writes without row-by-row foreign-key checks (its ids are ones it
        # read or wrote): this is where a reference to a missing row would show.
        dangling = conn.execute("PRAGMA foreign_key_check").fetchall()
    except sqlite3.Error as exc:
        return str(exc)
    finally:
        conn.close()
    if dangling:
        found = "; ".join(
            f"{t} row {rowid} refers to a missing {parent}" for t, rowid, parent, _ in dangling[:10]
        )
        more = f" (+{len(dangling) - 10} more)" if len(dangling) > 10 else ""
        integrity = found + more if integrity == "ok" else f"{integrity}; {found}{more}"
    return integrity
