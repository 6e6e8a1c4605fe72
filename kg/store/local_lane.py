"""The server's own lane for bounded queries: answered in this process, without the hop to a worker.

Which queries qualify is `kg.store.bounded`'s question (`plan`, then `within` a cap of quads read
from the indexes before the query runs), so such a query cannot run away and a timeout has
nothing to stop. This module is the wiring: the read-only handle those queries read (reopened
when a commit moved the pool's write generation, or the writer's own handle once it is open),
the cached `within` verdicts, and the count of answers given here (health checks, tests).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from kg.store import bounded
from kg.store.engine import QueryRequest, SerializedResult, result_kind, run_query
from kg.store.worker import BUFFERED_GRAPH_FORMATS, error_payload, open_read_only, rebuild_error

log = logging.getLogger("kg.workers")

#: `within` verdicts kept before the cache is emptied (they are keyed by write generation).
SEEN_MAX = 4096


class LocalLane:
    """Bounded queries on the store at `store_path`, in this process; `cap` 0 turns the lane off."""

    def __init__(self, store_path: Path, cap: int) -> None:
        self.store_path = store_path
        #: Queries whose work is bounded by this many quads are answered here; 0 sends every
        #: query to a worker.
        self.cap = cap
        #: Queries answered in this process so far (health checks, tests).
        self.answers = 0
        #: This process's read-only handle, and the write generation it was opened at.
        self._ro: ox.Store | None = None
        self._ro_generation = -1
        #: `within` verdicts by (plan, generation): a commit can change the counts.
        self._seen: dict[tuple[bounded.Plan, int], bool] = {}

    def drop(self) -> None:
        """Forget the read-only handle (shutdown, or a handle gone bad)."""
        self._ro = None

    def store(self, generation: int, writer: ox.Store | None) -> ox.Store | None:
        """The handle bounded queries read: the writer's once open (it sees every commit), else a
        read-only one, reopened when a commit moved the generation; None when it cannot be opened."""
        if writer is not None:
            self._ro = None  # the writer's handle sees more: the read-only one is not needed again
            return writer
        if self._ro is None or self._ro_generation != generation:
            self._ro = None
            try:
                self._ro = open_read_only(str(self.store_path))
            except (OSError, RuntimeError):
                log.warning("could not open the store read-only in the server process", exc_info=True)
                return None
            self._ro_generation = generation
        return self._ro

    def serialize(self, request: QueryRequest, solutions_format: ox.QueryResultsFormat,
                  graph_format: ox.RdfFormat, *, store: Callable[[], ox.Store | None],
                  generation: Callable[[], int]) -> SerializedResult | None:
        """The answer of a query whose work is bounded, computed in this process; None when it is
        not provably bounded (or `store()` gives no handle), and a worker must answer it under its
        deadline. `generation()` is the pool's write generation, read once the handle is in hand.

        The bound is a count of quads read from the indexes before the query runs (at most
        `cap` of them), so the query cannot run away: a timeout has nothing to stop."""
        if not self.cap or graph_format in BUFFERED_GRAPH_FORMATS:
            return None  # JSON-LD is refused past max_result_rows in the worker: left to it
        plan = bounded.plan(request.query)
        if plan is None:
            return None
        handle = store()
        if handle is None:
            return None
        key = (plan, generation())
        try:
            ok = self._seen.get(key)
            if ok is None:
                ok = bounded.within(handle, plan, self.cap)
                if len(self._seen) >= SEEN_MAX:
                    self._seen.clear()
                self._seen[key] = ok
            if not ok:
                return None
            result = run_query(handle, request)
            kind = result_kind(result)
            if isinstance(result, ox.QueryTriples):
                data = ox.serialize(result, format=graph_format)
                media_type = graph_format.media_type
            else:
                data = result.serialize(format=solutions_format)
                media_type = solutions_format.media_type
        except (OSError, RuntimeError):
            # The handle went bad (files moved under it): drop it; a worker answers this one.
            log.warning("a bounded query failed in the server process; sent to a worker", exc_info=True)
            self._ro = None
            return None
        except Exception as exc:
            raise rebuild_error(error_payload(exc, request.query)) from None
        self.answers += 1
        return SerializedResult(kind, media_type, iter((data or b"",)))
