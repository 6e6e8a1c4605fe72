"""`kg backup` while the real server serves and writes, then `kg restore` (issue 13).

The server holds the store read-write (the single writer), so `kg backup` asks it
(`POST /admin/backup`); the checkpoint is taken under the write lock, so the backup holds exactly
the writes up to the journal position it records. The test renames one entity in a stream of
writes, takes a backup mid-stream, and checks that the restored store opens, conforms to the
shapes, holds one of the acknowledged states (a prefix of the acknowledged writes), and that
its recorded journal position is that write's entry; then that restoring with the journal
replays the rest.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import pyoxigraph as ox

from kg import iris
from kg.store.backup import BUILT_STAMP
from tests.api.test_store_stays_bounded import HEADERS, NEWCOMER, RDFS_LABEL, SOURCE, rename
from tests.conftest import UPDATE_TOKEN, Server


def kg(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "KG_UPDATE_TOKEN": UPDATE_TOKEN, **env})


def labels(path: Path) -> list[str]:
    store = ox.Store.read_only(str(path))
    try:
        return [str(q.object.value) for q in store.quads_for_pattern(  # type: ignore[union-attr]
            ox.NamedNode(NEWCOMER), ox.NamedNode(RDFS_LABEL), None, ox.NamedNode(SOURCE))]
    finally:
        del store


def test_a_backup_taken_under_write_load_restores_a_prefix_of_the_acknowledged_writes(
        make_server: Callable[..., Server], tmp_path: Path) -> None:
    server = make_server()
    acknowledged: list[str] = []  # entry id of write i, in order
    stop = threading.Event()

    def write_stream() -> None:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            i = 0
            while not stop.is_set() and i < 200:
                response = client.post("/sparql/update", content=rename(i).encode(), headers=HEADERS)
                assert response.status_code == 200, response.text
                acknowledged.append(response.json()["entry"])
                i += 1

    writer = threading.Thread(target=write_stream)
    writer.start()
    while len(acknowledged) < 3:
        threading.Event().wait(0.05)
    before = len(acknowledged)
    backup = tmp_path / "backup"
    done = kg("backup", str(backup), "--store", str(server.store), "--server", server.url)
    after = len(acknowledged)
    stop.set()
    writer.join()
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr

    # The backup opens, conforms, and holds write k for some acknowledged k, with k's position.
    held = labels(backup)
    assert len(held) == 1 and held[0].startswith("Bounded "), held
    k = int(held[0].split()[1])
    assert before - 1 <= k <= after - 1, (before, k, after)
    assert (backup / "tregua-journal").read_text().strip() == acknowledged[k]
    from kg.validation.shacl import validate_store

    store = ox.Store(str(shutil.copytree(backup, tmp_path / "scratch")))
    shapes = list(store.quads_for_pattern(None, None, None, ox.NamedNode(iris.GRAPH_SHAPES)))
    ontology = list(store.quads_for_pattern(None, None, None, ox.NamedNode(iris.GRAPH_ONTOLOGY)))
    assert shapes and validate_store(store, shapes=shapes, ontology=ontology).conforms
    del store

    # Restored without the journal: exactly the backup. With the server's journal beside it: the
    # later acknowledged writes are replayed, up to the last one.
    alone = tmp_path / "alone" / "store"
    result = kg("restore", str(backup), "--store", str(alone))
    assert result.returncode == 0, result.stderr
    assert labels(alone) == [f"Bounded {k}"]
    # the Makefile's stamp: `make serve` serves the restored store instead of rebuilding it from
    # the sources (which would drop what only the backup holds)
    assert (alone / BUILT_STAMP).is_file()
    replayed = tmp_path / "replayed" / "store"
    replayed.parent.mkdir()
    shutil.copy(server.store.parent / "store.journal", replayed.parent / "store.journal")
    result = kg("restore", str(backup), "--store", str(replayed))
    assert result.returncode == 0, result.stderr
    assert f"{len(acknowledged) - 1 - k} later journal entr" in result.stderr
    assert labels(replayed) == [f"Bounded {len(acknowledged) - 1}"]


    # The served store itself cannot be replaced while the server holds it: one line saying so.
    refused = kg("restore", str(backup), "--store", str(server.store))
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    # (the serving lock answers before RocksDB's own lock: kg/store/serving.py)
    assert refused.stderr.startswith(f"error: `kg restore` refused: a server (pid {server.process.pid}) is "
                                     f"serving the store {server.store}, nothing was written")
