"""The server's single read-write handle on the store: opened at the first write, kept until `close()`.

Reopening the store per write made RocksDB rotate its info log each time (a 137 KB `LOG.old.*`
per write, up to 1,000 of them) and replay the write-ahead log into a new table file, so the
handle is opened once and kept. The writer does not flush after each write (a flush per write
makes a table file per write and sets compaction going beside the readers: the "Corruption … sst"
flake of the reopen-per-write design); it flushes when the write-ahead log passes
`WAL_FLUSH_BYTES` (`flush_if_large`), and on `close()`. Durability does not depend on the flush:
every commit is in the fsync'ed journal first, and start-up replays what the store lacks.

Pausing the query workers around a commit is the pool's part (`kg.store.workers.WorkerPoolEngine.exclusive`);
this module holds the handle, lends it (`writing`, `reading`) and checkpoints it (`backup`).
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg import errors

#: Past this much write-ahead log, the single writer flushes its memtables to table files: a
#: read-only open replays the whole log, so the log is kept small enough to replay in milliseconds.
WAL_FLUSH_BYTES = 8 * 1024 * 1024


class WriteHandle:
    """The read-write store lent out by `exclusive()`, usable only inside its `with` block.

    After the block the handle forgets the store, so the last reference to the RocksDB
    instance is gone whatever names the caller kept; any later use raises StoreUnavailable.
    """

    def __init__(self, store: ox.Store) -> None:
        self._store: ox.Store | None = store

    def __getattr__(self, name: str) -> Any:
        store = self.__dict__.get("_store")
        if store is None:
            raise errors.StoreUnavailable("the write handle was used after its write ended")
        return getattr(store, name)

    def release(self) -> None:
        self._store = None


class SingleWriter:
    """The one read-write handle of the store at `store_path`, and the lock its writers hold."""

    def __init__(self, store_path: Path) -> None:
        self.store_path = store_path
        #: Held by whoever writes (the gate, backups): only one writer exists at a time.
        self.lock = threading.Lock()
        self._rw: ox.Store | None = None

    @property
    def store(self) -> ox.Store | None:
        """The read-write handle once the first write opened it, else None."""
        return self._rw

    def open(self) -> ox.Store:
        """The read-write handle, opened on first use."""
        if self._rw is None:
            self._rw = ox.Store(str(self.store_path))
        return self._rw

    @contextlib.contextmanager
    def writing(self) -> Iterator[WriteHandle]:
        """The handle, lent for one write (`WriteHandle`). A failed write closes it: RocksDB stops
        writing after a failed write (a full disk), so a fresh handle at the next write starts
        clean, once the cause is gone."""
        handle = WriteHandle(self.open())
        try:
            yield handle
        except BaseException:
            handle.release()
            self.close()
            raise
        finally:
            handle.release()

    def flush_if_large(self) -> None:
        """Flush the memtables when the write-ahead log has grown past `WAL_FLUSH_BYTES`."""
        if self._wal_bytes() > WAL_FLUSH_BYTES:
            self.open().flush()

    def close(self) -> None:
        """Flush and close the read-write handle (RocksDB closes when its last reference goes)."""
        store, self._rw = self._rw, None
        if store is not None:
            with contextlib.suppress(OSError, RuntimeError):
                store.flush()
            del store
            gc.collect()

    def _wal_bytes(self) -> int:
        try:
            return sum(e.stat().st_size for e in os.scandir(self.store_path) if e.name.endswith(".log"))
        except OSError:
            return 0

    @contextlib.contextmanager
    def reading(self) -> Iterator[ox.Store]:
        """The read-write handle once open (it sees every commit); before the first write, a
        read-only handle in this process, next to the query workers' (all read-only: allowed)."""
        if self._rw is not None:
            yield self._rw
            return
        store = ox.Store.read_only(str(self.store_path))
        try:
            yield store
        finally:
            del store
            gc.collect()

    def backup(self, target: Path) -> Path:
        """A consistent checkpoint of the live store into `target` (`kg.store.backup`), taken
        with the read-write handle under the write lock: no commit is half in it, and the
        journal position copied beside it is exactly the last commit it holds."""
        from kg.store.backup import take_backup

        with self.lock:
            return take_backup(self.open(), self.store_path, target)
