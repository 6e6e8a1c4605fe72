"""Writes on a full disk (a small tmpfs the test mounts, as root): refused with 503/507 and a
message saying so; reads go on; the journal keeps no torn entry; writes work again once space
is freed, and the store opens cleanly afterwards (issue 13)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from kg.journal import Journal
from tests.api.test_store_stays_bounded import HEADERS, label, rename
from tests.conftest import start_server, stop_server

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("mount") is None,
    reason="mounting the small tmpfs that plays the full disk needs root (and mount)")


def fill(folder: Path) -> Path:
    """Write a file until the disk refuses even one more byte."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as out:
        for size in (1 << 20, 1 << 16, 1 << 12, 1):
            with contextlib.suppress(OSError):
                while True:
                    out.write(b"\0" * size)
    return filler


def test_a_full_disk_refuses_writes_politely_and_recovers(built_store: Path, tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    used = sum(f.stat().st_size for f in built_store.iterdir())
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={used + 8 * 1024 * 1024}", "tmpfs", str(disk)],
                   check=True)
    server = None
    try:
        store = disk / "store"
        shutil.copytree(built_store, store)
        server = start_server(store, tmp_path / "server.log")
        acknowledged: list[str] = []
        refused: list[httpx.Response] = []
        with httpx.Client(base_url=server.url, timeout=60) as client:
            first = client.post("/sparql/update", content=rename(0).encode(), headers=HEADERS)
            assert first.status_code == 200, first.text
            acknowledged.append(first.json()["entry"])
            filler = fill(disk)
            for _ in range(29):  # a page's slack may take a write or two before the refusal
                response = client.post("/sparql/update", content=rename(len(acknowledged)).encode(),
                                       headers=HEADERS)
                if response.status_code == 200:
                    acknowledged.append(response.json()["entry"])
                    continue
                refused.append(response)
                break
            assert refused, "no write was refused on the full disk"
            answer = refused[0]
            assert answer.status_code in (503, 507), answer.text
            assert "space" in answer.text.lower(), answer.text
            assert label(client) == [f"Bounded {len(acknowledged) - 1}"]  # reads go on
            ids = [e.id for e in Journal.for_store(store).entries()]  # parses whole: no torn entry
            assert ids[: len(acknowledged)] == acknowledged

            filler.unlink()  # space again: the next write goes through and is seen
            again = client.post("/sparql/update", content=rename(len(acknowledged)).encode(), headers=HEADERS)
            assert again.status_code == 200, again.text
            assert label(client) == [f"Bounded {len(acknowledged)}"]
        stop_server(server)
        server = None
        from kg.store import open_store

        reopened = open_store(store, read_only=True)
        assert len(reopened) > 0
        del reopened
    finally:
        if server is not None:
            stop_server(server)
        subprocess.run(["umount", "-l", str(disk)], check=False)
