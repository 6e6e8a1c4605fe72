"""A store that is missing, held by another writer, or damaged: one line at start-up naming the
path and the fix, never a traceback (`kg serve`, `kg query`, `kg backup`; issue 13)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

TOKEN = "t" * 32


def kg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "KG_UPDATE_TOKEN": TOKEN})


@pytest.fixture()
def store(tmp_path: Path) -> Path:
    path = tmp_path / "store"
    s = ox.Store(str(path))
    s.add(ox.Quad(ox.NamedNode("http://a"), ox.NamedNode("http://b"), ox.Literal("c")))
    s.flush()
    del s
    return path


def one_error(result: subprocess.CompletedProcess[str], start: str, fix: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    first, *rest = result.stderr.strip().splitlines()
    assert first.startswith("error: " + start), result.stderr
    assert any(fix in line for line in rest if line.startswith("  how to fix:")), result.stderr


@pytest.mark.parametrize("command", [["query", "ASK {}"], ["serve", "--port", "1"], ["backup", "out"]])
def test_a_missing_store(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "nothing"
    result = kg(*command[:1], "--store", str(missing), *command[1:])
    one_error(result, f"no store at {missing}", "kg build")


@pytest.mark.parametrize("command", [["query", "ASK {}"], ["serve", "--port", "1"], ["backup", "out"]])
def test_a_damaged_store(store: Path, command: list[str]) -> None:
    for manifest in store.glob("MANIFEST-*"):
        manifest.write_text("garbage\n")
    result = kg(*command[:1], "--store", str(store), *command[1:])
    one_error(result, f"the store at {store} is damaged", "kg restore")


def test_a_store_without_its_current_file_is_damaged(store: Path) -> None:
    (store / "CURRENT").unlink()
    one_error(kg("query", "--store", str(store), "ASK {}"), f"the store at {store} is damaged", "kg build")


def test_serve_on_a_store_another_writer_holds(store: Path, tmp_path: Path) -> None:
    holder = ox.Store(str(store))
    try:
        result = kg("serve", "--store", str(store), "--port", "1")
        one_error(result, f"the store at {store} is held by another writer", "stop the other process")
        # Reading is still allowed beside a writer.
        assert kg("query", "--store", str(store), "ASK { ?s ?p ?o }").returncode == 0
    finally:
        del holder
    shutil.rmtree(tmp_path / "out", ignore_errors=True)
