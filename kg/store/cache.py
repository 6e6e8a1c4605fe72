"""A value built from the store, kept in step with the store's version (after any write).

The search index and the reconciliation service are built this way: seconds of work (12 s on the
1M-triple synthetic graph) saved on every request, and never stale, because `Engine.version`
changes with every committed write. A full rebuild after each write would keep a large graph's
index stale or busy under a stream of edits, so the gate also records each commit's delta in
the writer's `ChangeFeed`; when the version moved only by recorded deltas, the cache hands them
to an `update` function, which changes the value in proportion to the delta. A version that
moved any other way (a build, a restore, another process, a delta too old to be kept) means a
full rebuild, as before.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import pyoxigraph as ox

from kg.store.engine import Engine

T = TypeVar("T")
log = logging.getLogger("kg.store.cache")


@dataclass(frozen=True)
class Change:
    """One committed write: the quads it removed and added, between two versions of the store."""

    version_before: str
    version_after: str
    removed: tuple[ox.Quad, ...]
    added: tuple[ox.Quad, ...]


class ChangeFeed:
    """The last committed deltas, by the version they started from: at most `keep` of them and
    `max_quads` quads in all (the oldest go first; a delta bigger than that is not kept, and a
    cache that needed it rebuilds).

    The gate records a change *before* the store commits it, so that a reader who sees the new
    version always finds the delta that made it; a write that then fails never reaches its
    `version_after` (versions are unique), so its record is never followed.

    >>> feed = ChangeFeed()
    >>> feed.record(Change("v1", "v2", (), ())); feed.record(Change("v2", "v3", (), ()))
    >>> [c.version_after for c in feed.path("v1", "v3")], feed.path("v0", "v3")
    (['v2', 'v3'], None)
    """

    def __init__(self, *, keep: int = 256, max_quads: int = 200_000) -> None:
        self._keep = keep
        self._max_quads = max_quads
        self._quads = 0
        self._by_before: OrderedDict[str, Change] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _size(change: Change) -> int:
        return len(change.removed) + len(change.added)

    def record(self, change: Change) -> None:
        with self._lock:
            old = self._by_before.pop(change.version_before, None)
            if old is not None:
                self._quads -= self._size(old)
            if self._size(change) > self._max_quads:
                return
            self._by_before[change.version_before] = change
            self._quads += self._size(change)
            while len(self._by_before) > self._keep or self._quads > self._max_quads:
                _version, dropped = self._by_before.popitem(last=False)
                self._quads -= self._size(dropped)

    def path(self, start: str, end: str) -> list[Change] | None:
        """The changes leading from version `start` to `end`, or None when no recorded chain does."""
        out: list[Change] = []
        version = start
        with self._lock:
            while version != end:
                change = self._by_before.get(version)
                if change is None or len(out) >= self._keep:
                    return None
                out.append(change)
                version = change.version_after
        return out


Update = Callable[[T, Engine, Sequence[Change]], "T | None"]
"""Apply recorded changes to a value; None when they cannot be applied (then: full rebuild)."""


class VersionedCache(Generic[T]):
    """Something built from the store, kept in step with `engine.version` (after any write).

    Checking the version costs one attribute read per request (over a remote store, one small
    query: `kg.store.remote` reads it from the store, so replicas agree). When it moved, the first
    request after the write brings the value up to date under a lock (concurrent requests wait for
    it once), while requests that already hold the old value finish with it (values are never
    mutated: an update makes a new one). `rebuilds` and `updates` count how it was brought up to
    date; a replica that did not make the write knows no delta for it, and rebuilds.
    """

    def __init__(self, build: Callable[[Engine], T], update: Update[T] | None = None) -> None:
        self._build = build
        self._update = update
        self._value: T | None = None
        self._version: str | None = None
        self._lock = threading.Lock()
        self.rebuilds = 0
        self.updates = 0
        self.last_rebuild_s = 0.0
        self.last_update_s = 0.0

    @property
    def version(self) -> str | None:
        return self._version

    def get(self, engine: Engine) -> T:
        version = engine.version
        if self._value is not None and self._version == version:
            return self._value
        with self._lock:
            if self._value is None or self._version != version:
                # Read the version before building: a write during the build makes the next
                # request rebuild again rather than keep a stale index under a new version.
                self._value = self._bring_up_to_date(engine, self._value, self._version, version)
                self._version = version
            return self._value

    def _bring_up_to_date(self, engine: Engine, value: T | None, have: str | None, want: str) -> T:
        feed: ChangeFeed | None = getattr(engine, "changes", None)
        if value is not None and have is not None and self._update is not None and feed is not None:
            changes = feed.path(have, want)
            if changes is not None:
                started = time.perf_counter()
                try:
                    updated = self._update(value, engine, changes)
                except Exception:
                    # An update is an optimisation: whatever went wrong, a rebuild is still right.
                    log.warning("updating by %d delta(s) failed; rebuilding", len(changes), exc_info=True)
                    updated = None
                if updated is not None:
                    self.updates += 1
                    self.last_update_s = time.perf_counter() - started
                    return updated
        started = time.perf_counter()
        built = self._build(engine)
        self.rebuilds += 1
        self.last_rebuild_s = time.perf_counter() - started
        log.info("%s rebuilt in %.2f s (version %s)", getattr(self._build, "__qualname__", "value"),
                 self.last_rebuild_s, want)
        return built

    def stats(self) -> dict[str, object]:
        """What /health shows: how often the value was rebuilt whole or updated by deltas."""
        return {"version": self._version, "rebuilds": self.rebuilds, "updates": self.updates,
                "last_rebuild_s": round(self.last_rebuild_s, 3), "last_update_s": round(self.last_update_s, 4)}
