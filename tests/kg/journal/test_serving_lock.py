"""A CLI writer never changes a store a running server is serving (kg/store/serving.py).

A real server (uvicorn subprocess on loopback) serves a copy of the built store: `kg revert`,
`kg link`, `kg build` and `kg restore` on that store are refused with exit 1 and the one-line message, and
neither the journal nor the store changes; the read-only commands work beside it. Once the server
stops, the same commands work.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from kg.cli import main
from kg.journal import Journal
from kg.store.serving import ServingLock, StoreServed, lock_path
from tests.conftest import UPDATE_TOKEN, Server, stop_server
from tests.kg.journal.test_build_keeps_edits import BARRIO_18, SOURCE, newcomer_update

AUTH = {"Authorization": f"Bearer {UPDATE_TOKEN}"}


def fingerprint(store: Path) -> dict[str, str]:
    """Every file of the store directory and its journal, by content digest."""
    files = sorted(p for p in store.rglob("*") if p.is_file())
    journal = Journal.for_store(store).path
    files += [journal] if journal.exists() else []
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def refused(capsys: pytest.CaptureFixture[str], command: str, store: Path, pid: int) -> None:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    line = err[0]
    assert line.startswith(f"error: `kg {command}` refused: a server (pid {pid}) is serving the store {store}")
    assert "nothing was written" in line
    assert "stop the server, or make the change over HTTP: POST /sparql/update with a write token" in line


def test_cli_writers_are_refused_while_a_server_serves_the_store(
        make_server: Callable[..., Server], built_store: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    spare = tmp_path / "spare"
    shutil.copytree(built_store, spare)
    assert main(["backup", "--store", str(spare), str(tmp_path / "backup")]) == 0
    server = make_server()
    with httpx.Client(base_url=server.url, timeout=120, headers=AUTH) as client:
        response = client.post("/sparql/update", content=newcomer_update("test-locked", "Locked Newcomer").encode(),
                               headers={"Content-Type": "application/sparql-update"})
        assert response.status_code == 200, response.text
        entry = response.json()["entry"]
    store = server.store
    assert lock_path(store).read_text().strip() == str(server.process.pid)
    before = fingerprint(store)
    candidates = tmp_path / "candidates.csv"
    candidates.write_text(f"iri,qid,reviewer,note\n{BARRIO_18},Q1140373,Ana Pérez,gang\n", encoding="utf-8")
    reviewed = tmp_path / "reviewed-links.csv"
    capsys.readouterr()

    assert main(["revert", entry, "--store", str(store), "--who", "tester"]) == 1
    refused(capsys, "revert", store, server.process.pid)
    assert main(["link", str(candidates), "--store", str(store), "--date", "2026-12-01",
                 "--reviewed-links", str(reviewed)]) == 1
    refused(capsys, "link", store, server.process.pid)
    assert not reviewed.exists()
    assert main(["build", "--store", str(store), "-q", "--semantics", "oxigraph", "--engine", "oxigraph"]) == 1
    refused(capsys, "build", store, server.process.pid)
    assert main(["restore", "--store", str(store), str(tmp_path / "backup")]) == 1
    refused(capsys, "restore", store, server.process.pid)
    assert fingerprint(store) == before, "a refused command changed the store or its journal"

    # the readers work beside the server
    assert main(["history", "--store", str(store), "--format", "json"]) == 0
    assert [e["id"] for e in json.loads(capsys.readouterr().out)["entries"]] == [entry]
    assert main(["journal", "export", "--store", str(store), "--graph", SOURCE]) == 0
    assert "Locked Newcomer" in capsys.readouterr().out
    assert main(["query", "--store", str(store),
                 f'ASK {{ GRAPH <{SOURCE}> {{ ?s ?p "Locked Newcomer"@en }} }}']) == 0
    assert "true" in capsys.readouterr().out.lower()
    # and the server still serves its own writes, with the journal's chain intact
    with httpx.Client(base_url=server.url, timeout=120) as client:
        history = client.get("/history", params={"format": "json"}).json()
    assert [e["id"] for e in history["entries"]] == [entry]

    stop_server(server)
    assert lock_path(store).read_text() == "", "a stopped server leaves no pid behind"
    assert main(["revert", entry, "--store", str(store), "--who", "tester"]) == 0
    entries = list(Journal.for_store(store).entries())
    assert len(entries) == 2 and entries[1].extra.get("reverts") == [entry]
    assert main(["link", str(candidates), "--store", str(store), "--date", "2026-12-01",
                 "--reviewed-links", str(reviewed)]) == 0
    assert main(["build", "--store", str(store), "-q", "--semantics", "oxigraph", "--engine", "oxigraph"]) == 0
    assert len(list(Journal.for_store(store).entries())) == 3


def test_a_second_server_on_the_same_store_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    with ServingLock(store), pytest.raises(StoreServed, match="already being served"):
        ServingLock(store).acquire()
    ServingLock(store).acquire().release()  # released: free again
