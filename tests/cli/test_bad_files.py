"""Wrong files: member CSV encodings and headers, a sync file with bad text or figures, and a
member export killed while writing (a real child process, SIGKILL, no mocks)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.sync.fileformat import encode_batch
from tests.cli.test_cli_commands import Cli
from tests.cli.test_cli_sync import SECRET

pytestmark = pytest.mark.migrated_db

HEADER = "first_name,last_name,email\n"


@pytest.fixture
def cli(db_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    shop = Cli(db_path, capsys)
    shop.json("check")  # the database exists before a refused command is compared with it
    return shop


def _import(cli: Cli, path: Path) -> dict[str, Any]:
    return cli.json("members", "import", str(path))


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_files_are_read_with_and_without_bom(cli: Cli, tmp_path: Path, codec: str) -> None:
    path = tmp_path / "members.csv"
    text = HEADER.replace(",", "\t") + "Jörg\tMüller\tjoerg@example.org\n"
    path.write_bytes(text.encode(codec))
    report = _import(cli, path)
    assert report["imported"] == 1
    assert report["encoding"] in ("utf-16-le", "utf-16-be")
    found = cli.json("member", "find", "Müller")["members"]
    assert [(m["first_name"], m["last_name"]) for m in found] == [("Jörg", "Müller")]


def test_a_file_mixing_utf8_and_latin1_is_refused_naming_the_line(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        HEADER.encode()
        + "Jörg,Müller,j@example.org\n".encode()
        + "Anna,Schön,a@example.org\n".encode()
        + "Björn,Weiß,b@example.org\n".encode("latin-1")
    )
    err = cli.refused("members", "import", str(path), match="Line 4 is not UTF-8")
    assert "mixes encodings" in err


def test_a_plain_windows_1252_file_is_still_read(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "cp1252.csv"
    path.write_bytes((HEADER + "Björn,Weiß,b@example.org\n").encode("cp1252"))
    assert _import(cli, path)["encoding"] == "cp1252"


def test_a_header_naming_a_column_twice_is_refused(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "twice.csv"
    path.write_text("first_name,last_name,email,Email\nAnna,Berg,a@example.org,b@example.org\n")
    cli.refused("members", "import", str(path), match="“Email” appears twice")


def test_invisible_characters_and_huge_points_in_a_member_file_are_invalid_rows(
    cli: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "first_name,last_name,points\n"
        "An\x1bna,Berg,10\n"
        "Ben,Kra\u202eus,10\n"
        "Cem,Yıldız,999999999999999999999999999\n",
        encoding="utf-8",
    )
    code, out, err = cli.run("members", "import", str(path), "--json")
    assert code == 1 and "3 invalid rows" in err
    invalid = {i["line"]: i["reason"] for i in json.loads(out)["invalid"]}
    assert "First name contains an invisible or control character (U+001B)" in invalid[2]
    assert "Last name" in invalid[3] and "U+202E" in invalid[3]
    assert "too many" in invalid[4] and "9" * 41 not in invalid[4]
    assert cli.json("members", "list")["members"] == []


# --- sync files ---------------------------------------------------------------------------


@pytest.fixture
def chain(
    cli: Cli, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[Cli, Cli, Path]:
    monkeypatch.setenv("LOYALTY_SYNC_SECRET", SECRET)
    folder = tmp_path / "central"
    a = Cli(tmp_path / "shop-a.db", capsys)
    a.json("init", "--store", "001", "--till", "1", "--sync-dir", str(folder))
    cli.json("init", "--store", "002", "--till", "1", "--sync-dir", str(folder))
    return a, cli, folder


def _rewrite(path: Path, change: Any) -> None:
    """Edit the events of a sync file and sign it again with the chain secret (a hand-made
    file, or one from another version of the program)."""
    lines = path.read_bytes().splitlines()
    header = json.loads(lines[0])
    events = [json.loads(line) for line in lines[1:-1]]
    for event in events:
        change(event)
    body = [json.dumps(e, ensure_ascii=False).encode() + b"\n" for e in events]
    header = {k: v for k, v in header.items() if k not in ("format", "version")}
    path.write_bytes(encode_batch(SECRET.encode(), header, body))


def test_a_sync_member_with_a_control_character_is_cleaned_and_logged(
    chain: tuple[Cli, Cli, Path],
) -> None:
    a, b, folder = chain
    card = a.json("member", "add", "--first-name", "Anna", "--last-name", "Berg")["card"]
    a.json("sale", "--card", card, "--amount", "10")
    a.json("sync", "export")
    (path,) = folder.glob("sync-001-*")

    def poison(event: dict[str, Any]) -> None:
        if event["kind"] == "member":
            event["data"]["first_name"] = "An\x1b[2Jna\u202e"

    _rewrite(path, poison)
    imported = b.json("sync", "import")
    assert imported["rejected"] == [] and imported["events_applied"] == 3
    shown = b.json("member", "show", card)
    assert (shown["first_name"], shown["points"]) == ("An[2Jna", 10)  # the sale is not held back
    conflicts = b.json("sync", "conflicts", "--all")["conflicts"]
    assert [c["kind"] for c in conflicts] == ["unsafe_text"]
    assert conflicts[0]["detail"]["fields"] == ["first_name"]
    text = b.ok("sync", "conflicts", "--all")
    assert "were removed from: first_name" in text and "\x1b" not in text


def test_a_sync_figure_beyond_64_bits_rejects_the_file_with_a_reason(
    chain: tuple[Cli, Cli, Path],
) -> None:
    a, b, folder = chain
    card = a.json("member", "add", "--first-name", "Anna", "--last-name", "Berg")["card"]
    a.json("adjust", card, "--points", "5", "--reason", "welcome")
    a.json("sync", "export")
    (path,) = folder.glob("sync-001-*")

    def inflate(event: dict[str, Any]) -> None:
        if event["kind"] == "points":
            for row in event["data"]["ledger"]:
                row["points"] = 2**63 + 5

    _rewrite(path, inflate)
    code, _out, err = b.run("sync", "import")
    assert code == 1 and "Traceback" not in err and "Unexpected" not in err
    assert path.name in err and "too large" in err
    code, _out, err = b.run("member", "show", card)
    assert code != 0 and "Unknown card" in err  # the whole file was undone


# --- a killed export ----------------------------------------------------------------------


def _open_files_in(pid: int, folder: Path) -> list[str]:
    found = []
    with_fd = Path(f"/proc/{pid}/fd")
    try:
        for fd in with_fd.iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith(str(folder) + "/"):
                found.append(target)
    except OSError:
        pass
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to watch the child")
def test_a_killed_member_export_leaves_no_file_behind(tmp_path: Path) -> None:
    from app.bench.dataset import build_database

    db = tmp_path / "shop.db"
    build_database(str(db), 20_000, progress=False)
    out = tmp_path / "export"
    out.mkdir()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = subprocess.Popen(
        [sys.executable, "-m", "app", "--db", str(db), "members", "export", str(out / "m.csv")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seen: list[str] = []
    try:
        while child.poll() is None and not seen:
            seen = _open_files_in(child.pid, out)
        if seen:
            child.send_signal(signal.SIGKILL)
    finally:
        child.wait()
    assert seen, "the export ended before its file could be seen open"
    assert child.returncode == -signal.SIGKILL
    from app.files import _can_name_unnamed

    left = list(out.iterdir())
    if _can_name_unnamed(out.resolve()):
        assert left == []  # no export, no temporary file with personal data
    else:  # the documented fallback: one owner-only temporary file, gone with the next export
        assert [p.name.startswith(".m.csv.") for p in left] == [True]
        assert left[0].stat().st_mode & 0o777 == 0o600
    # The next export writes the whole file (and would remove a named leftover).
    done = subprocess.run(
        [sys.executable, "-m", "app", "--db", str(db), "members", "export", str(out / "m.csv")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert [p.name for p in out.iterdir()] == ["m.csv"]
    assert (out / "m.csv").stat().st_mode & 0o777 == 0o600
    assert len((out / "m.csv").read_text(encoding="utf-8").splitlines()) == 20_001
