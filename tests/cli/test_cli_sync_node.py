"""`loyalty init --new-node`, and `loyalty sync` refusing a database copied from another shop."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.cli.test_cli_commands import Cli

SECRET = "chain-secret-for-cli-tests-0123"


def test_a_copied_database_is_refused_with_the_fix_and_init_new_node_fixes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOYALTY_SYNC_SECRET", SECRET)
    folder = tmp_path / "central"
    a = Cli(tmp_path / "a.db", capsys)
    a.json("init", "--store", "001", "--till", "1", "--sync-dir", str(folder))
    card = str(a.json("member", "add", "--first-name", "Anna", "--last-name", "Müller")["card"])
    a.json("sync", "export")
    # As a copy of a closed database: the in-process commands leave their WAL open.
    con = sqlite3.connect(tmp_path / "a.db")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    shutil.copyfile(tmp_path / "a.db", tmp_path / "c.db")
    c = Cli(tmp_path / "c.db", capsys)
    c.json("init", "--store", "003", "--till", "1")
    a.json("sale", "--card", card, "--amount", "10")
    a.json("sync", "export")
    c.json("sale", "--card", card, "--amount", "30")
    err = c.refused("sync", "run", match="loyalty init --new-node")
    assert "copy of another shop" in err
    before = c.json("sync", "status")["node"]
    data = c.json("init", "--new-node")
    assert data["new_node"]["old"] == before != data["new_node"]["new"]
    assert c.json("sync", "status")["node"] == data["new_node"]["new"]
    assert c.json("sync", "status")["store"] == "003"  # the rest stays
    c.json("sync", "run")
    a.json("sync", "run")
    assert a.json("member", "show", card)["points"] == 40
    assert c.json("member", "show", card)["points"] == 40


def test_init_needs_the_store_and_till_unless_it_only_renews_the_node(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = Cli(tmp_path / "shop.db", capsys)
    shop.json("init", "--store", "002", "--till", "1")
    shop.refused("init", "--store", "002", match="--store and --till")
    shop.refused("init", "--new-node", "--sync-dir", str(tmp_path / "x"), match="--till")
    assert "new_node" in shop.json("init", "--new-node")
