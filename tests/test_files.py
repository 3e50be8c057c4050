"""Files written atomically: a reader never sees half of one, a killed writer leaves nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from app.files import open_text_atomically, write_atomically

KILLED_WRITER = """
import os, signal, sys
from pathlib import Path
from app.files import open_text_atomically
with open_text_atomically(Path(sys.argv[1]), mode=0o600) as fh:
    fh.write("card,first_name,last_name\\n2900100000017,Anna,Müller\\n" * 1000)
    fh.flush()
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_export_leaves_no_file_with_personal_data(tmp_path: Path) -> None:
    target = tmp_path / "members.csv"
    done = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, str(target)],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        check=False,
    )
    assert done.returncode == -9, done.stderr
    assert not target.exists()
    # Where the system can name an unnamed file later (O_TMPFILE) nothing is left at all;
    # elsewhere the half file is readable by its owner only and the next write removes it.
    leftovers = [p for p in tmp_path.iterdir() if "Anna" in p.read_text(errors="replace")]
    assert all(p.stat().st_mode & 0o077 == 0 for p in leftovers)
    with open_text_atomically(target, mode=0o600) as fh:
        fh.write("card,first_name,last_name\n")
    assert [p.name for p in tmp_path.iterdir()] == ["members.csv"]


def test_a_finished_write_replaces_the_file_and_leaves_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "members.csv"
    target.write_text("old\n")
    with open_text_atomically(target, mode=0o600) as fh:
        fh.write("new\n")
    assert target.read_text() == "new\n"
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    write_atomically(tmp_path / "card.pdf", b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["card.pdf", "members.csv"]
