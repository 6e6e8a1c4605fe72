"""Queries in worker processes that can be ended: the only way to enforce a timeout on pyoxigraph.

pyoxigraph cannot cancel a running query, so a query runs in one of N persistent worker
processes (forkserver: no per-query process start, no fork of a threaded server), each holding
the store open read-only. The caller waits on the worker's pipe; past the deadline the worker is
killed (SIGKILL frees its CPU at once), replaced in the background, and the caller gets
`QueryTimeout`. The other workers keep answering meanwhile. This module is the pool, the server's
side of the pipes; what runs inside a worker is `kg.store.worker`, the single read-write handle
is `kg.store.writer_handle`, and bounded queries answered in this process are `kg.store.local_lane`.

Writes (single writer, the server process): `reading()` lends the writer's handle (or a read-only
one before the first write), so a write is computed and validated while the workers keep
answering; `exclusive()` pauses the pool (no new query starts; reopens and worker starts under way
finish), lets the caller commit, bumps `version` and the pool's generation, and resumes. Queries
already running go on meanwhile on the handles they opened before the commit (a consistent
earlier state): a commit used to wait for them too, so one slow query (up to its time limit) held
up every write and, the pool being paused, every new query behind it. A worker whose generation
is behind reopens its read-only handle just before its next query (the reopen travels in the same
pipe, ahead of the query, and is acknowledged): read-your-writes, without paying a reopen per
write per worker.

A read-only RocksDB instance sees what the write-ahead log held when it was opened. Opens and
reopens happen only while no commit is running (a commit waits for those under way, and a reopen
waits for a commit to end), so none sees half a write.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import select
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, SpawnContext
from pathlib import Path
from typing import Any, NoReturn, cast

import pyoxigraph as ox

from kg import errors
from kg.journal.log import Journal
from kg.store import bounded
from kg.store.cache import ChangeFeed
from kg.store.engine import (
    QueryRequest,
    ResultKind,
    Rows,
    SerializedResult,
    T,
    Term,
)
from kg.store.local_lane import LocalLane
from kg.store.worker import (
    CHUNK_SIZE,
    DATA,
    FAIL,
    format_name,
    rebuild_error,
    worker_main,
)
from kg.store.writer_handle import SingleWriter

log = logging.getLogger("kg.workers")

START_TIMEOUT = 60.0
#: Seconds a query may run at normal CPU priority before it is demoted (`KG_QUERY_DEMOTE_AFTER`).
DEMOTE_AFTER = 0.5
#: The nice value of a demoted worker: the lowest priority, so on a busy machine the server and
#: the other workers get the CPU first (weight 15 against 1024 at nice 0).
DEMOTED_NICE = 19
#: Bytes of a serialised answer held back before its response starts (`KG_QUERY_HOLD_BYTES`).
HOLD_BYTES = 4 * 1024 * 1024


class _Stream:
    """The chunks of a streamed result, still under the query's deadline.

    Past the deadline the worker is killed and the stream ends early. A stream closed or dropped
    before its end (the client went away) leaves its worker mid-write, so that worker is ended
    too; a stream read to its end returns its worker to the pool.
    """

    def __init__(self, pool: WorkerPoolEngine, worker: _Worker, first: bytes, deadline: float,
                 limit: float) -> None:
        self.pool = pool
        self.worker: _Worker | None = worker
        self.pending: bytes | None = first
        self.deadline = deadline
        self.limit = limit
        # The response may close the stream from another thread while one reads it.
        self._lock = threading.Lock()

    def _take(self) -> _Worker | None:
        with self._lock:
            worker, self.worker = self.worker, None
        return worker

    def __iter__(self) -> _Stream:
        return self

    def __next__(self) -> bytes:
        if self.pending is not None:
            chunk, self.pending = self.pending, None
            return chunk
        worker = self.worker
        if worker is None:
            raise StopIteration
        if not worker.conn.poll(max(self.deadline - time.monotonic(), 0)):
            # Headers are gone already: raising (not stopping) makes the server abort the response,
            # so the client sees an incomplete body instead of a short one that looks whole.
            self.pool.timeouts += 1
            self.close()
            raise errors.QueryTimeout(
                f"the streamed query ran past its {self.limit:g} s limit; output cut short")
        try:
            frame = worker.conn.recv_bytes()
        except (EOFError, OSError) as exc:
            self.close()
            raise errors.StoreUnavailable("the query worker died while streaming") from exc
        tag, body = frame[:1], frame[1:]
        if tag == DATA:
            return body
        if self._take() is not worker:  # closed meanwhile: that worker was ended already
            raise StopIteration
        self.pool._release(worker)
        if tag == FAIL:
            raise rebuild_error(pickle.loads(body))
        raise StopIteration

    def close(self) -> None:
        worker = self._take()
        if worker is not None:
            self.pool._replace_later(worker)

    def __del__(self) -> None:
        self.close()


class _Held:
    """The start of a serialised answer, held back until it is whole or `limit` bytes long."""

    def __init__(self, pool: WorkerPoolEngine, worker: _Worker, kind: ResultKind, media_type: str,
                 limit: int) -> None:
        self.pool, self.worker, self.kind, self.media_type, self.limit = pool, worker, kind, media_type, limit
        self.chunks: list[bytes] = []
        self.size = 0
        self.done = False

    def more(self) -> bool:
        """Whether to wait for another frame before the response starts."""
        return not self.done and self.size < self.limit

    def take(self, frame: bytes, *, final: bool = False) -> None:
        """A frame from the worker: data (tag DATA), or its end (END) or failure (FAIL); `final`:
        the first message held the whole answer (no tag)."""
        if final:
            self.chunks.append(frame)
            self.done = True
            self.pool._release(self.worker)
            return
        tag, body = frame[:1], frame[1:]
        if tag == DATA:
            self.chunks.append(body)
            self.size += len(body)
            return
        self.done = True
        self.pool._release(self.worker)
        if tag == FAIL:
            raise rebuild_error(pickle.loads(body))


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    #: The pool's write generation when this worker last opened the store.
    generation: int = 0
    #: When its current query was handed to it (`time.monotonic()`); None while idle.
    started: float | None = None
    #: Running at a lowered CPU priority (`demote`): restored, or retired, once its query ends.
    demoted: bool = False

    @property
    def pid(self) -> int:
        return int(self.process.pid or 0)


def _resolve(future: Any) -> None:
    if not future.done():
        future.set_result(True)


def _readable_now(fd: int) -> bool:
    """`Connection.poll(0)` without its selector set-up (~3 µs down to under 1)."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


def _set_nice(pid: int, nice: int) -> bool:
    """Set the nice value of every thread of a process (Linux keeps one per thread); False when
    not allowed (lowering it needs CAP_SYS_NICE) or the process is gone."""
    try:
        threads = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        threads = [pid]
    try:
        for tid in threads:
            os.setpriority(os.PRIO_PROCESS, tid, nice)
    except OSError:  # PermissionError (raising priority back), ProcessLookupError (gone)
        return False
    return True


def worker_nice(pid: int) -> int:
    """The nice value of a worker process (health checks, tests)."""
    return os.getpriority(os.PRIO_PROCESS, pid)


def _expire(future: Any) -> None:
    if not future.done():
        future.set_result(False)


def _context() -> ForkServerContext | SpawnContext:
    """forkserver where available: children start from a clean, single-threaded parent."""
    try:
        ctx = multiprocessing.get_context("forkserver")
        # kg.canned holds the page writer `select_with` sends by name: preloaded, a new worker's
        # first canned query does not pay the import (about 50 ms).
        ctx.set_forkserver_preload(["pyoxigraph", "kg.store.worker", "kg.canned"])
        return ctx
    except ValueError:  # pragma: no cover - platforms without forkserver
        return multiprocessing.get_context("spawn")


def initial_version(store_path: Path) -> str:
    """The build's version stamp when `kg.store` provides one, else a fresh unique stamp."""
    try:
        from kg.store import store_version

        return str(store_version(store_path))
    except Exception:
        return uuid.uuid4().hex[:12]


class WorkerPoolEngine:
    """The `Engine` the server uses: queries run in killable worker processes.

    Use it as a context manager (or `start()`/`close()`); every method raises `QueryTimeout` past
    the deadline, `QuerySyntaxError` for bad text, `StoreUnavailable` when a worker is lost:

        with WorkerPoolEngine(Path("data/store"), workers=2, timeout=30) as engine:
            engine.ask(QueryRequest("ASK { ?s ?p ?o }"))
    """

    def __init__(self, store_path: Path | str, *, workers: int = 2, timeout: float = 30.0,
                 max_result_rows: int = 100_000, chunk_size: int = CHUNK_SIZE,
                 journal: Journal | None = None, queue: int = 64, local_cap: int = bounded.DEFAULT_CAP,
                 demote_after: float = DEMOTE_AFTER, spares: int | None = None,
                 hold_bytes: int = HOLD_BYTES) -> None:
        self.store_path = Path(store_path)
        #: Queries whose work is bounded by `local_cap` quads (`kg.store.bounded`) are answered in
        #: this process, without the hop to a worker; 0 sends every query to a worker.
        self._lane = LocalLane(self.store_path, local_cap)
        #: Queries that may wait for a worker at once; one more is refused (`Overloaded`) at once.
        self.queue = queue
        self._waiting = 0
        self.refused = 0
        #: Where the gate appends each commit first; `start()` brings the store up to it.
        self.journal = journal
        self.size = workers
        self.timeout = timeout
        self.max_result_rows = max_result_rows
        self.chunk_size = chunk_size
        #: An answer is held until it is whole or this many bytes long before its response starts:
        #: one that runs past its limit meanwhile is refused whole (QueryTimeout, a clean 503), not
        #: cut short after a 200; only a larger answer streams and can end early (`_Stream`).
        self.hold_bytes = hold_bytes
        self._ctx = _context()
        # One lock, two conditions: the watchdog's wake-ups do not wake threads waiting for a worker.
        lock = threading.RLock()
        self._cond = threading.Condition(lock)
        #: A query running longer than this (seconds) is demoted (`_demote`); 0 = never.
        self.demote_after = demote_after
        #: Workers lent at most, beyond `workers`, while demoted queries hold theirs (default: `workers`).
        self.spares = workers if spares is None else spares
        self._watch = threading.Condition(lock)
        #: Workers running a query (or holding a stream) right now.
        self._running: set[_Worker] = set()
        #: When the watchdog wakes next (None: not until woken): a query due sooner wakes it.
        self._watch_until: float | None = None
        self.demotions = 0
        self._idle: list[_Worker] = []
        self._live: set[_Worker] = set()
        self._busy = 0
        self._starting = 0
        #: Workers reopening their handle right now (a commit waits for them, not for queries).
        self._reopening = 0
        self._paused = False
        self._closed = False
        self._version = initial_version(self.store_path)
        #: The single writer's read-write handle: opened at the first write, closed by `close()`.
        self._writer = SingleWriter(self.store_path)
        self.write_lock = self._writer.lock
        #: The deltas the gate committed, by version (the search index updates by them).
        self.changes = ChangeFeed()
        #: Bumped by each commit; a worker behind it reopens before its next query.
        self._generation = 0
        self.timeouts = 0
        #: Threads for requests that must wait for a busy pool (the event loop must not block).
        # The queue bound is enforced before a job is handed to these threads, so the executor's
        # own (unbounded) queue holds at most `queue` jobs beyond its threads.
        self._waiters = concurrent.futures.ThreadPoolExecutor(max_workers=max(queue, 1),
                                                              thread_name_prefix="kg-wait")

    # -- life cycle

    def start(self) -> WorkerPoolEngine:
        if not self.store_path.exists():
            raise errors.StoreUnavailable(f"no store at {self.store_path}",
                                          hint="run `kg build --store PATH` first")
        if self.journal is not None:
            # Before any worker opens the store: the journal's entries it lacks (a crash between
            # an append and its commit) are applied read-write here.
            from kg.journal import recover

            if recover(self.store_path, self.journal):
                self._version = initial_version(self.store_path)
        workers: list[_Worker] = []
        try:
            for _ in range(self.size):
                workers.append(self._spawn())
        except BaseException:
            for worker in workers:  # never leave a started worker behind a failed start
                worker.process.kill()
            raise
        with self._cond:
            self._live.update(workers)
            self._idle.extend(workers)
            self._cond.notify_all()
        if self.demote_after > 0:
            threading.Thread(target=self._watchdog, name="kg-worker-watchdog", daemon=True).start()
        if self.local_cap:
            self._local_store()
        return self

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            busy = [w for w in self._live if w not in idle]
            self._live.clear()
            self._running.clear()
            self._cond.notify_all()
            self._watch.notify_all()
        for worker in idle:
            with contextlib.suppress(OSError):
                worker.conn.send(("stop",))
        for worker in [*idle, *busy]:
            worker.process.join(2 if worker in idle else 0)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
        self._waiters.shutdown(wait=False, cancel_futures=True)
        self._lane.drop()
        with self.write_lock:
            self._writer.close()

    def __enter__(self) -> WorkerPoolEngine:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _spawn(self) -> _Worker:
        generation = self._generation  # read before the worker opens the store: never ahead of it
        parent, child = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(
            target=worker_main, args=(child, str(self.store_path)), name="kg-query-worker", daemon=True)
        process.start()
        child.close()
        if not parent.poll(START_TIMEOUT):
            process.kill()
            raise errors.StoreUnavailable("a query worker did not start in time")
        try:
            message = parent.recv()
        except EOFError as exc:
            process.join()
            raise errors.StoreUnavailable(
                f"a query worker could not open the store at {self.store_path} (exit {process.exitcode})",
                hint="check that the store exists and was built by `kg build`") from exc
        assert message[0] == "ready"
        return _Worker(process, parent, generation)

    def _replace_later(self, worker: _Worker) -> None:
        """Kill a busy worker now (frees its CPU at once) and start its replacement in the
        background, unless a spare lent while it was demoted (`_demote`) already takes its place."""
        worker.process.kill()
        worker.process.join()
        worker.conn.close()
        with self._cond:
            self._live.discard(worker)
            self._running.discard(worker)
            self._busy -= 1
            if len(self._live) + self._starting >= self.size:
                self._cond.notify_all()
                return
        self._spawn_later()

    def _spawn_later(self) -> None:
        """Start one more worker in the background; it joins the idle ones when ready."""
        with self._cond:
            self._starting += 1

        def replace() -> None:
            try:
                new = self._spawn()
            except errors.KgError:
                log.exception("could not replace a query worker")
                new = None
            with self._cond:
                self._starting -= 1  # and counted in `_live` at once: the pool's count never wobbles
                if new is not None and not self._closed:
                    self._live.add(new)
                    self._idle.append(new)
                elif new is not None:
                    new.process.kill()
                self._cond.notify_all()

        threading.Thread(target=replace, name="kg-worker-respawn", daemon=True).start()

    # -- dispatch

    def _deadline(self, request_timeout: float | None) -> tuple[float, float]:
        """The pool's limit (`KG_QUERY_TIMEOUT`), or the request's own when it gives one: the
        server's own reads (the search index, graph sizes) and dumps (`KG_DUMP_TIMEOUT`) need
        more than strangers' queries get; a client's `timeout` is only ever lowered, by the
        router (`api.routers.sparql._timeout`), before it reaches here."""
        limit = self.timeout if request_timeout is None else max(request_timeout, 0.001)
        return limit, time.monotonic() + limit

    def _overloaded(self) -> errors.Overloaded:
        self.refused += 1
        return errors.Overloaded(
            f"all {self.size} query workers are busy and {self.queue} queries are already waiting",
            hint="retry after the Retry-After delay; the operator can raise KG_QUERY_WORKERS or KG_QUERY_QUEUE")

    def _reserve(self) -> None:
        """Take a place in the queue of waiting queries, or raise `Overloaded` when it is full."""
        with self._cond:
            if self._waiting >= self.queue:
                raise self._overloaded()
            self._waiting += 1

    def _acquire(self, deadline: float, limit: float, *, reserved: bool = False) -> _Worker:
        """An idle worker. A query that must wait takes a place in the bounded queue (or is
        refused at once when it is full); `reserved`: the caller took that place already, and
        it is given back here either way."""
        with self._cond:
            queued = reserved
            try:
                if not queued and (self._paused or not self._idle):
                    if self._waiting >= self.queue:
                        raise self._overloaded()
                    self._waiting += 1
                    queued = True
                return self._acquire_locked(deadline, limit)
            finally:
                if queued:
                    self._waiting -= 1

    def _acquire_locked(self, deadline: float, limit: float) -> _Worker:
        if not self._idle and not self._paused:
            self._lend_spare_locked()
        while self._paused or not self._idle:
            if self._closed:
                raise errors.StoreUnavailable("the server is shutting down")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.timeouts += 1
                raise errors.QueryTimeout(
                    f"no query worker became free within the {limit:g} s limit (all busy)",
                    hint="retry later, or raise KG_QUERY_WORKERS")
            self._cond.wait(remaining)
        return self._take_locked(self._idle.pop())

    def _take_locked(self, worker: _Worker) -> _Worker:
        """Mark an idle worker busy (under the lock) and start its watchdog clock."""
        self._busy += 1
        worker.started = time.monotonic()
        if self.demote_after > 0:
            self._running.add(worker)
            if self._watch_until is None or worker.started + self.demote_after < self._watch_until:
                self._watch.notify()
        return worker

    def _release(self, worker: _Worker) -> None:
        with self._cond:
            worker.started = None
            self._running.discard(worker)
            if not worker.demoted:
                self._busy -= 1
                self._idle.append(worker)
                self._cond.notify_all()
                return
            # A demoted worker is back to normal priority before its next query, or retired when
            # the pool has its full count without it (a spare took its place) or it cannot be restored.
            keep = len(self._live) + self._starting <= self.size
        if keep and _set_nice(worker.pid, 0):
            worker.demoted = False
            with self._cond:
                self._busy -= 1
                self._idle.append(worker)
                self._cond.notify_all()
            return
        self._retire(worker)

    def _retire(self, worker: _Worker) -> None:
        """End a worker between queries (no query is lost) and replace it if the pool is short."""
        with contextlib.suppress(OSError):
            worker.conn.send(("stop",))
        self._replace_later(worker)

    # -- demotion of long queries

    def _watchdog(self) -> None:
        """Demote each query that has run for `demote_after` seconds (`_demote`).

        Sleeps until the next running query comes of age, or until woken by `_take_locked` when
        a query starts that is due sooner (or none was pending): no wake-ups on an idle server."""
        with self._cond:
            while not self._closed:
                now = time.monotonic()
                due = [w for w in self._running if not w.demoted and w.started is not None
                       and now - w.started >= self.demote_after]
                for worker in due:
                    self._demote(worker)
                pending = [w.started + self.demote_after for w in self._running
                           if not w.demoted and w.started is not None]
                self._watch_until = max(min(pending), now + 0.005) if pending else None
                self._watch.wait(None if self._watch_until is None else self._watch_until - now)

    def _demote(self, worker: _Worker) -> None:
        """Lower a long query's worker to the lowest CPU priority (a spare follows when needed).

        pyoxigraph cannot pause a query, and on a machine with few cores one that burns a whole
        core until its time limit makes every cheap query wait for the CPU: at nice 19 the kernel
        runs it only when the server and the other workers leave a core free. Called under the
        lock, by the watchdog."""
        if not _set_nice(worker.pid, DEMOTED_NICE):
            return
        worker.demoted = True
        self.demotions += 1
        if self._waiting:
            self._lend_spare_locked()

    def _lend_spare_locked(self) -> None:
        """Start a spare worker when a query must wait while demoted ones hold workers: cheap
        queries keep `size` workers at normal priority (at most `spares` beyond `size`). Lent only
        when someone waits, so a query that merely ran long costs no process start; the demoted
        worker is retired when it ends (`_release`), so the pool returns to `size`."""
        normal = sum(1 for w in self._live if not w.demoted)
        if normal + self._starting < self.size and len(self._live) + self._starting < self.size + self.spares:
            self._spawn_later()

    def _try_idle(self) -> _Worker | None:
        """An idle worker taken without waiting, or None (all busy, or the pool is paused)."""
        with self._cond:
            if not self._idle or self._paused:
                return None
            return self._take_locked(self._idle.pop())

    def _send(self, worker: _Worker, message: tuple[Any, ...]) -> None:
        try:
            payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            # Nothing was written, so the worker is still clean: back to the pool with it.
            self._release(worker)
            raise TypeError(f"cannot send {message[0]!r} to a query worker: {exc}; functions given to "
                            "select_with must be defined at module level") from exc
        try:
            if worker.generation != self._generation:
                self._reopen(worker)
            worker.conn.send_bytes(payload)
        except (OSError, EOFError) as exc:
            self._replace_later(worker)
            raise errors.StoreUnavailable("a query worker is gone; retry") from exc

    def _reopen(self, worker: _Worker) -> None:
        """Bring a worker behind a commit up to date, never during a commit: it waits for a
        commit under way to end, and a commit waits for it (`_reopening`)."""
        with self._cond:
            while self._paused:
                self._cond.wait()
            self._reopening += 1
            generation = self._generation
        try:
            worker.conn.send(("reopen",))
            if not worker.conn.poll(START_TIMEOUT):
                raise OSError("the query worker did not reopen the store in time")
            worker.conn.recv()
            worker.generation = generation
        finally:
            with self._cond:
                self._reopening -= 1
                self._cond.notify_all()

    def _timed_out(self, worker: _Worker, limit: float) -> NoReturn:
        """End a worker whose query ran past its limit (killing it frees its CPU) and say so."""
        self.timeouts += 1
        self._replace_later(worker)
        raise errors.QueryTimeout(f"the query ran past its {limit:g} s limit and was stopped",
                                  hint="make the query more selective (LIMIT, fewer unbound patterns)")

    def _await(self, worker: _Worker, deadline: float, limit: float) -> None:
        """Wait for the worker's next message; past the deadline, end it and raise QueryTimeout."""
        if worker.conn.poll(max(deadline - time.monotonic(), 0)):
            return
        self._timed_out(worker, limit)

    def _recv(self, worker: _Worker, *, frame: bool = False) -> Any:
        """The worker's next message (a pickled object), or its next raw `frame` (a chunk)."""
        try:
            return worker.conn.recv_bytes() if frame else worker.conn.recv()
        except (EOFError, OSError) as exc:
            self._replace_later(worker)
            raise errors.StoreUnavailable("the query worker died while answering",
                                          hint="the query may need more memory than allowed") from exc

    def _call(self, op: str, *args: Any, timeout: float | None = None, reserved: bool = False) -> Any:
        limit, deadline = self._deadline(timeout)
        worker = self._acquire(deadline, limit, reserved=reserved)
        self._send(worker, (op, *args))
        self._await(worker, deadline, limit)
        status, value = self._recv(worker)
        self._release(worker)
        if status == "err":
            raise rebuild_error(value)
        return value

    # -- the Engine protocol

    @property
    def version(self) -> str:
        return self._version

    def select(self, request: QueryRequest, *, max_rows: int | None = None) -> Rows:
        rows: Rows = self._call("select", request, max_rows or self.max_result_rows, timeout=request.timeout)
        return rows

    def select_with(self, request: QueryRequest, fn: Callable[..., T], *args: Any,
                    max_rows: int | None = None) -> T:
        value: T = self._call("select_with", request, max_rows or self.max_result_rows, fn, args,
                              timeout=request.timeout)
        return value

    def ask(self, request: QueryRequest) -> bool:
        return bool(self._call("ask", request, timeout=request.timeout))

    def construct(self, request: QueryRequest) -> list[ox.Triple]:
        triples: list[ox.Triple] = self._call("construct", request, self.max_result_rows,
                                              timeout=request.timeout)
        return triples

    def quads(self, subject: Term | None = None, predicate: ox.NamedNode | None = None,
              object: Term | None = None, graph: ox.NamedNode | ox.DefaultGraph | None = None,
              ) -> list[ox.Quad]:
        quads: list[ox.Quad] = self._call("quads", subject, predicate, object, graph, self.max_result_rows)
        return quads

    def serialize(self, request: QueryRequest, *, solutions_format: ox.QueryResultsFormat,
                  graph_format: ox.RdfFormat) -> SerializedResult:
        """Start the query; the first chunk arrives before this returns, so errors and timeouts
        before any output become proper HTTP errors. Later chunks stream through `chunks`,
        still under the deadline: past it the worker is killed and the stream ends early."""
        local = self._serialize_local(request, solutions_format, graph_format)
        if local is not None:
            return local
        return self._serialize_sync(request, solutions_format, graph_format)

    # -- bounded queries, in this process

    @property
    def local_cap(self) -> int:
        """Queries whose work is bounded by this many quads are answered in this process."""
        return self._lane.cap

    @property
    def local_answers(self) -> int:
        """Queries answered in this process so far (health checks, tests)."""
        return self._lane.answers

    def _local_store(self) -> ox.Store | None:
        """The handle bounded queries read here (`LocalLane.store`). None while a commit is
        running (the pool is paused) or on shutdown: the query then waits like any other."""
        if self._paused or self._closed:
            return None
        return self._lane.store(self._generation, self._writer.store)

    def _serialize_local(self, request: QueryRequest, solutions_format: ox.QueryResultsFormat,
                         graph_format: ox.RdfFormat) -> SerializedResult | None:
        """The answer of a bounded query, computed in this process (`LocalLane.serialize`), or None."""
        return self._lane.serialize(request, solutions_format, graph_format, store=self._local_store,
                                    generation=lambda: self._generation)

    def _serialize_sync(self, request: QueryRequest, solutions_format: ox.QueryResultsFormat,
                        graph_format: ox.RdfFormat, *, reserved: bool = False) -> SerializedResult:
        limit, deadline = self._deadline(request.timeout)
        worker = self._acquire(deadline, limit, reserved=reserved)
        self._send(worker, ("serialize", request, format_name(solutions_format), format_name(graph_format),
                              self.chunk_size, self.max_result_rows))
        self._await(worker, deadline, limit)
        held = self._first_message(worker)
        while held.more():
            self._await(worker, deadline, limit)
            held.take(self._recv(worker, frame=True))
        return self._result(held, deadline, limit)

    def dump(self, graph_format: ox.RdfFormat, *, timeout: float | None = None) -> SerializedResult:
        """The whole store in a dataset format (N-Quads, TriG), streamed from a worker like
        `serialize`'s results: chunk by chunk through the pipe, under the deadline."""
        limit, deadline = self._deadline(timeout)
        worker = self._acquire(deadline, limit)
        self._send(worker, ("dump", format_name(graph_format), self.chunk_size))
        self._await(worker, deadline, limit)
        return self._result(self._first_message(worker, hold=0), deadline, limit)

    def _stream(self, worker: _Worker, first: bytes, deadline: float, limit: float) -> Iterator[bytes]:
        return _Stream(self, worker, first, deadline, limit)

    async def serialize_async(self, request: QueryRequest, *, solutions_format: ox.QueryResultsFormat,
                              graph_format: ox.RdfFormat) -> SerializedResult:
        """`serialize` for an event loop: waits on the worker's pipe with the loop (no thread hop),
        which is most of the per-query overhead for small results. Falls back to a thread when no
        worker is idle (waiting for one is a blocking wait)."""

        local = self._serialize_local(request, solutions_format, graph_format)
        if local is not None:
            return local
        limit, deadline = self._deadline(request.timeout)
        worker = self._try_idle()
        if worker is None:
            # Wait for a worker in a thread, still under this request's deadline (the time spent
            # queued for a thread counts too).
            def wait_then_run() -> SerializedResult:
                left = max(deadline - time.monotonic(), 0.001)
                return self._serialize_sync(dataclasses.replace(request, timeout=left), solutions_format,
                                            graph_format, reserved=True)

            return await self._queued(wait_then_run)
        self._send(worker, ("serialize", request, format_name(solutions_format), format_name(graph_format),
                              self.chunk_size, self.max_result_rows))
        await self._await_reply(worker, deadline, limit)
        held = self._first_message(worker)
        while held.more():
            await self._await_reply(worker, deadline, limit)
            held.take(self._recv(worker, frame=True))
        return self._result(held, deadline, limit)

    async def _queued(self, fn: Callable[[], T]) -> T:
        """Run `fn` (which waits for a worker with `reserved=True`) in a waiter thread, after
        taking its place in the bounded queue: the executor's own queue is unbounded. A job
        cancelled before it ran gives its place back."""
        import asyncio

        self._reserve()
        try:
            job = self._waiters.submit(fn)
        except RuntimeError:  # shut down
            self._unreserve()
            raise errors.StoreUnavailable("the server is shutting down") from None
        job.add_done_callback(lambda f: self._unreserve() if f.cancelled() else None)
        return await asyncio.wrap_future(job)

    def _unreserve(self) -> None:
        with self._cond:
            self._waiting -= 1

    async def _await_reply(self, worker: _Worker, deadline: float, limit: float) -> None:
        """Wait on the event loop until the worker's pipe is readable, or end it at the deadline.

        One timer on the same future (cheaper than asyncio.wait_for's extra future and task
        callbacks): True when the pipe is readable, False at the deadline. Cancelled (the client
        went away): the answer would arrive on a pipe nobody reads, so the worker is replaced.
        """
        import asyncio

        fd = worker.conn.fileno()
        if _readable_now(fd):
            return
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        loop.add_reader(fd, _resolve, ready)
        timer = loop.call_later(max(deadline - time.monotonic(), 0), _expire, ready)
        try:
            answered = await ready
        except BaseException:
            timer.cancel()
            loop.remove_reader(fd)
            self._replace_later(worker)
            raise
        timer.cancel()
        loop.remove_reader(fd)
        if not answered:
            self._timed_out(worker, limit)
        # uvloop leaves a watched descriptor non-blocking; the pipe's other readers block.
        os.set_blocking(fd, True)

    async def _call_async(self, op: str, *args: Any, timeout: float | None) -> Any:
        """`_call` for an event loop: the worker's pipe is awaited with the loop (no thread hop),
        as in `serialize_async`. Falls back to a thread when no worker is idle."""

        limit, deadline = self._deadline(timeout)
        worker = self._try_idle()
        if worker is None:
            def wait_then_call() -> Any:
                return self._call(op, *args, timeout=max(deadline - time.monotonic(), 0.001), reserved=True)

            return await self._queued(wait_then_call)
        self._send(worker, (op, *args))
        await self._await_reply(worker, deadline, limit)
        status, value = self._recv(worker)
        self._release(worker)
        if status == "err":
            raise rebuild_error(value)
        return value

    async def select_async(self, request: QueryRequest, *, max_rows: int | None = None) -> Rows:
        """`select` for an event loop."""
        rows: Rows = await self._call_async("select", request, max_rows or self.max_result_rows,
                                            timeout=request.timeout)
        return rows

    async def select_with_async(self, request: QueryRequest, fn: Callable[..., T], *args: Any,
                                max_rows: int | None = None) -> T:
        """`select_with` for an event loop: only `fn`'s answer crosses the pipe."""
        value: T = await self._call_async("select_with", request, max_rows or self.max_result_rows, fn, args,
                                          timeout=request.timeout)
        return value

    def _first_message(self, worker: _Worker, *, hold: int | None = None) -> _Held:
        """The worker's first answer to a `serialize` or `dump`, to be held (see `hold_bytes`)."""
        message = self._recv(worker)
        if message[0] == "err":
            self._release(worker)
            raise rebuild_error(message[1])
        _, kind, media_type, first, final = message
        held = _Held(self, worker, ResultKind(kind), media_type, self.hold_bytes if hold is None else hold)
        held.take(first if final else DATA + first, final=final)
        return held

    def _result(self, held: _Held, deadline: float, limit: float) -> SerializedResult:
        body = b"".join(held.chunks)
        if held.done:
            return SerializedResult(held.kind, held.media_type, iter((body,)))
        return SerializedResult(held.kind, held.media_type, self._stream(held.worker, body, deadline, limit))

    # -- health

    def workers_alive(self) -> int:
        with self._cond:
            return sum(1 for w in self._live if w.process.is_alive())

    def workers_busy(self) -> int:
        """Workers running a query or holding an unfinished stream (0 when the service is idle)."""
        with self._cond:
            return self._busy

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers, idle or busy (health checks, tests)."""
        with self._cond:
            return sorted(w.pid for w in self._live)

    # -- the single writer

    def reading(self) -> contextlib.AbstractContextManager[ox.Store]:
        """The writer's read-write handle once open (it sees every commit); before the first
        write, a read-only handle in this process, next to the workers' (all read-only: allowed)."""
        return self._writer.reading()

    def backup(self, target: Path) -> Path:
        """A consistent checkpoint of the live store into `target` (`SingleWriter.backup`)."""
        return self._writer.backup(target)

    @contextlib.contextmanager
    def exclusive(self, *, version: str | None = None) -> Iterator[ox.Store]:
        """Pause the pool and yield the single writer's read-write handle (opened on first use).

        On exit `version` changes (to `version` when given: the journal entry's), the pool's
        generation moves so each worker reopens before its next query, and the pool resumes.
        When the write-ahead log has grown past `WAL_FLUSH_BYTES`, the memtables are flushed.
        Call it under `write_lock` so that only one writer exists.
        """
        with self._cond:
            self._paused = True
            while self._reopening or self._starting:
                self._cond.wait(0.05)
        try:
            try:
                with self._writer.writing() as handle:
                    # A WriteHandle forwards every attribute to the store it lends: callers use it
                    # as the store, and it refuses use after the block.
                    yield cast(ox.Store, handle)
            finally:
                # Whatever part of the write got in is on the log: readers must reopen to see it.
                self._generation += 1
            self._writer.flush_if_large()
            self._version = version or f"{self._version.split('+')[0]}+{time.time_ns():x}"
        finally:
            with self._cond:
                self._paused = False
                self._cond.notify_all()
