"""The serving lock: one server per store, and no CLI writer beside it.

A server opens the store for its whole life (its query workers never reopen it), so a write made
by another process (`kg revert`, `kg link`, `kg build`'s swap, `kg restore`) would be invisible to it, and its
next write would break the journal's version chain. The server therefore holds an exclusive
`fcntl.flock` on `STORE.lock` (beside the store, like `STORE.journal`: `kg build` replaces the
store directory whole, and a lock inside it would be on the old one) for as long as it runs, with
its pid written in the file; every `kg` command that writes the store tries the same lock without
waiting and refuses, writing nothing, while a server holds it. Readers (`kg query`, `kg history`,
`kg journal export`, `kg export`) never take it.

The lock is released by the kernel when the process ends, `kill -9` included: a stale file
holds no lock.

>>> lock_path(Path("data/store"))
PosixPath('data/store.lock')
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from kg.errors import KgError

SUFFIX = ".lock"


class StoreServed(KgError):
    """A server is serving this store: a CLI writer must not change it under the server."""


def lock_path(store_path: Path) -> Path:
    """STORE.lock, beside the store directory."""
    store = Path(store_path)
    return store.with_name(store.name + SUFFIX)


def _holder(path: Path) -> str:
    with contextlib.suppress(OSError, ValueError):
        pid = int(path.read_text().strip() or "0")
        if pid > 0:
            return f" (pid {pid})"
    return ""


class ServingLock:
    """The lock a server holds for its life (`acquire` / `release`, or `with`)."""

    def __init__(self, store_path: Path) -> None:
        self.store_path = Path(store_path)
        self.path = lock_path(self.store_path)
        self._fd: int | None = None

    def acquire(self) -> ServingLock:
        """Take the lock and record our pid; StoreServed if another server holds it."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StoreServed(
                f"the store {self.store_path} is already being served{_holder(self.path)}",
                hint="stop that server first, or serve another --store") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None

    def __enter__(self) -> ServingLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


@contextlib.contextmanager
def not_served(store_path: Path, command: str) -> Iterator[None]:
    """Hold the lock for the duration of a CLI write; StoreServed (exit 1) if a server holds it.

    Checked before the store is opened, so the message is the same whether or not the server
    also holds RocksDB's own lock. Held while the command writes, so a server cannot start
    half-way through it either.
    """
    store = Path(store_path)
    path = lock_path(store)
    if not store.parent.is_dir():
        yield  # nowhere to put a lock: the command reports the missing folder itself
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreServed(
                f"`kg {command}` refused: a server{_holder(path)} is serving the store {store}, nothing was "
                "written; stop the server, or make the change over HTTP: POST /sparql/update with a write "
                "token") from None
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
