"""The store's single writer, as the gate needs it: a write lock, a read view, an exclusive commit."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Protocol

import pyoxigraph as ox

from kg.journal.log import Journal
from kg.store.cache import ChangeFeed


class Writer(Protocol):
    """The store's single writer: `kg.store.workers.WorkerPoolEngine`, or `MemoryWriter` (tests, the CLI).

    `journal` is where commits are appended first (None: not journaled, e.g. an in-memory store
    or a build replaying the journal itself)."""

    write_lock: threading.Lock
    journal: Journal | None

    def reading(self) -> contextlib.AbstractContextManager[ox.Store]: ...

    def exclusive(self, *, version: str | None = None) -> contextlib.AbstractContextManager[ox.Store]: ...

    @property
    def version(self) -> str: ...


class MemoryWriter:
    """A writer over one store opened in this process (tests, the CLI): same gate, no processes."""

    def __init__(self, store: ox.Store, *, journal: Journal | None = None, version: str = "0") -> None:
        self.store = store
        self.write_lock = threading.Lock()
        self.journal = journal
        self._version = version
        self._commits = 0
        self.changes = ChangeFeed()
        """The deltas committed through this writer (`kg.gate.gated.commit` records them)."""

    @property
    def version(self) -> str:
        return self._version

    @contextlib.contextmanager
    def reading(self) -> Iterator[ox.Store]:
        yield self.store

    @contextlib.contextmanager
    def exclusive(self, *, version: str | None = None) -> Iterator[ox.Store]:
        yield self.store
        self._commits += 1
        self._version = version or f"{self._version.split('+')[0]}+{self._commits}"
