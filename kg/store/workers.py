"""Queries in worker processes that can be ended: the only way to enforce a timeout on pyoxigraph.

pyoxigraph cannot cancel a running query, so a query runs in one of N persistent worker
processes (forkserver: no per-query process start, no fork of a threaded server), each holding
the store open read-only. The caller waits on the worker's pipe; past the deadline the worker is
killed (SIGKILL frees its CPU at once), replaced in the background, and the caller gets
`QueryTimeout`. The other workers keep answering meanwhile.

Results travel as pickled messages for small Python answers (rows, booleans, triples) and as
raw byte chunks for serialised results: a worker sends at most `chunk_size` bytes at a time, so
a large result is streamed to the HTTP client without being held whole in either process.
`select_with` runs a named function on the rows inside the worker and sends back only its
answer: pickling pyoxigraph terms costs far more than the bytes of a page rendered from them.

Writes (single writer, the server process): the store is opened read-write once, at the first
write, and kept open until `close()`. Reopening it per write made RocksDB rotate its info log
each time (a 137 KB `LOG.old.*` per write, up to 1,000 of them) and replay the write-ahead log
into a new table file. `reading()` lends that handle (or a read-only one before the first
write), so a write is computed and validated while the workers keep answering; `exclusive()`
pauses the pool (no new query starts; reopens and worker starts under way finish), lets the
caller commit, bumps `version` and the pool's generation, and resumes. Queries already running
go on meanwhile on the handles they opened before the commit (a consistent earlier state): a
commit used to wait for them too, so one slow query (up to its time limit) held up every write
and, the pool being paused, every new query behind it. A worker whose generation is behind
reopens its read-only handle just before its next query (the reopen travels in the same pipe,
ahead of the query, and is acknowledged): read-your-writes, without paying a reopen per write
per worker.

A read-only RocksDB instance sees what the write-ahead log held when it was opened. Opens and
reopens happen only while no commit is running (a commit waits for those under way, and a reopen
waits for a commit to end), so none sees half a write. The writer does not flush after each write
(a flush per write makes a table file per write and sets compaction going beside the readers: the
"Corruption … sst" flake of the reopen-per-write design); it flushes when the write-ahead log
passes `WAL_FLUSH_BYTES`, and on `close()`. Durability does not depend on the flush: every commit
is in the fsync'ed journal first, and start-up replays what the store lacks.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import gc
import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import re
import select
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NoReturn

import pyoxigraph as ox

from kg import errors, media, service
from kg.iris import PREFIXES
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
    collect_rows,
    result_kind,
    run_query,
)

log = logging.getLogger("kg.workers")

CHUNK_SIZE = 64 * 1024
#: Past this much write-ahead log, the single writer flushes its memtables to table files: a
#: read-only open replays the whole log, so the log is kept small enough to replay in milliseconds.
WAL_FLUSH_BYTES = 8 * 1024 * 1024
#: A read-only open can race a background compaction of the writer (a table file listed in the
#: manifest is gone by the time it is opened); the open is then retried.
OPEN_ATTEMPTS = 5
START_TIMEOUT = 60.0
#: Graph formats that pyoxigraph can only write from the whole graph: bounded by `max_result_rows`.
BUFFERED_GRAPH_FORMATS = (ox.RdfFormat.JSON_LD,)



def format_name(fmt: ox.RdfFormat | ox.QueryResultsFormat) -> str:
    """Formats cannot be pickled: they cross the pipe by their key in the format table `kg.media`."""
    return media.of_ox(fmt).key


_SERVICE_RE = re.compile("SERVICE", re.IGNORECASE)

# Frame tags on the byte channel of a streamed result.
_DATA, _END, _FAIL = b"d", b"e", b"x"


# ----------------------------------------------------------------------------- worker side


ErrorPayload = tuple[str, str, str | None, int | None, int | None]


def _error_payload(exc: BaseException, query: str = "") -> ErrorPayload:
    """Errors cross the pipe as plain values: kg errors have keyword-only constructors."""
    if isinstance(exc, SyntaxError):
        from kg.store.engine import syntax_error

        exc = syntax_error(exc)
    if isinstance(exc, errors.KgError):
        return (type(exc).__name__, exc.message, exc.hint,
                getattr(exc, "line", None), getattr(exc, "column", None))
    if _SERVICE_RE.search(query) and service.mentions_service(query):
        # Only an allowed SERVICE gets this far. Its failure may carry the remote end's answer
        # (an HTML page, an internal host's banner): never shown, only its kind.
        log.warning("an allowed SERVICE call failed: %s", type(exc).__name__)
        return ("BadRequest", f"a SERVICE call to an allowed endpoint failed ({type(exc).__name__}); "
                "the remote answer is not shown", "check that the endpoint is up and answers SPARQL",
                None, None)
    if isinstance(exc, OSError):
        # The OS error names files of the server: logged, never sent to the client.
        log.warning("the store could not be read: %s", exc)
        return ("StoreUnavailable", f"the store could not be read ({type(exc).__name__})",
                "retry later; if it persists, tell the operator", None, None)
    # pyoxigraph raises plain exceptions for evaluation failures the query itself causes
    # (e.g. a bad regular expression).
    return ("BadRequest", f"the query failed during evaluation: {exc}", "check the query", None, None)


def rebuild_error(payload: ErrorPayload) -> errors.KgError:
    name, message, hint, line, column = payload
    if name == "QuerySyntaxError":
        return errors.QuerySyntaxError(message, line=line, column=column)
    cls = getattr(errors, name, None)
    if not (isinstance(cls, type) and issubclass(cls, errors.KgError)) or name in (
            "ParameterError", "UnsupportedFormat", "NotFound", "ValidationFailed", "BuildError"):
        cls = errors.BadRequest
    return cls(message, hint=hint)


class _ChunkWriter:
    """File-like sink for pyoxigraph serialisers: batches bytes into chunk-sized pipe messages.

    The first message carries the result kind and media type; a result smaller than one chunk
    travels in that single message, which keeps small queries at one round trip.
    """

    def __init__(self, conn: Connection, kind: ResultKind, media_type: str, chunk_size: int) -> None:
        self.conn = conn
        self.kind = kind
        self.media_type = media_type
        self.chunk_size = chunk_size
        self.buffer = bytearray()
        self.head_sent = False

    def write(self, data: bytes) -> int:
        self.buffer += data
        if len(self.buffer) >= self.chunk_size:
            self._send(final=False)
        return len(data)

    def flush(self) -> None:
        """pyoxigraph flushes at the end; batching is ours, so nothing to do here."""

    def _send(self, *, final: bool) -> None:
        if not self.head_sent:
            self.conn.send(("head", self.kind.value, self.media_type, bytes(self.buffer), final))
            self.head_sent = True
        else:
            if self.buffer:
                self.conn.send_bytes(_DATA + bytes(self.buffer))
            if final:
                self.conn.send_bytes(_END)
        self.buffer.clear()

    def finish(self) -> None:
        self._send(final=True)

    def fail(self, exc: BaseException, query: str) -> None:
        if self.head_sent:
            self.conn.send_bytes(_FAIL + pickle.dumps(_error_payload(exc, query)))
        else:
            self.conn.send(("err", _error_payload(exc, query)))


def _serialize(store: ox.Store, conn: Connection, request: QueryRequest, solutions_format: str,
               graph_format: str, chunk_size: int, max_rows: int) -> None:
    writer: _ChunkWriter | None = None
    try:
        result = run_query(store, request)
        kind = result_kind(result)
        if kind is ResultKind.GRAPH:
            fmt = media.rdf_of(graph_format)
            writer = _ChunkWriter(conn, kind, fmt.media_type, chunk_size)
            if fmt in BUFFERED_GRAPH_FORMATS:
                triples = []
                for triple in result:  # type: ignore[union-attr]
                    triples.append(triple)
                    if len(triples) > max_rows:
                        raise errors.ResultTooLarge(
                            f"the result has more than {max_rows} triples, too many for {fmt.name}",
                            hint="ask for a streamed format (Turtle, N-Triples, N-Quads) or add LIMIT")
                ox.serialize(triples, writer, format=fmt)  # type: ignore[arg-type]  # _ChunkWriter: a write()-only file
            else:
                ox.serialize(result, writer, format=fmt)  # type: ignore[arg-type]  # the same
        else:
            fmt_r = media.results_of(solutions_format)
            writer = _ChunkWriter(conn, kind, fmt_r.media_type, chunk_size)
            # a GRAPH result took the branch above; _ChunkWriter is a write()-only binary file
            result.serialize(writer, format=fmt_r)  # type: ignore[arg-type]
        writer.finish()
    except Exception as exc:
        if writer is None or not writer.head_sent:
            conn.send(("err", _error_payload(exc, request.query)))
        else:
            writer.fail(exc, request.query)


def _dump(store: ox.Store, conn: Connection, graph_format: str, chunk_size: int) -> None:
    """The whole store in a dataset format, written chunk by chunk to the pipe (never held whole)."""
    fmt = media.rdf_of(graph_format)
    writer = _ChunkWriter(conn, ResultKind.GRAPH, fmt.media_type, chunk_size)
    try:
        store.dump(writer, format=fmt, prefixes=dict(PREFIXES))  # type: ignore[arg-type]  # _ChunkWriter: a write()-only file
        writer.finish()
    except Exception as exc:
        writer.fail(exc, "")


def _answer(store: ox.Store, op: str, args: tuple[Any, ...]) -> Any:
    if op in ("select", "select_with"):
        request, max_rows = args[:2]
        result = run_query(store, request)
        if not isinstance(result, ox.QuerySolutions):
            raise errors.BadRequest("expected a SELECT query", hint="use /sparql for other query forms")
        rows = collect_rows(result, max_rows)
        if op == "select":
            return rows
        fn, fn_args = args[2:]
        return fn(rows, *fn_args)
    if op == "ask":
        result = run_query(store, args[0])
        if not isinstance(result, ox.QueryBoolean):
            raise errors.BadRequest("expected an ASK query")
        return bool(result)
    if op == "construct":
        request, max_rows = args
        result = run_query(store, request)
        if not isinstance(result, ox.QueryTriples):
            raise errors.BadRequest("expected a CONSTRUCT or DESCRIBE query")
        triples = []
        for triple in result:
            triples.append(triple)
            if len(triples) > max_rows:
                raise errors.ResultTooLarge(f"the result has more than {max_rows} triples",
                                            hint="add LIMIT or ask for a streamed format")
        return triples
    if op == "quads":
        subject, predicate, obj, graph, max_rows = args
        out = []
        for quad in store.quads_for_pattern(subject, predicate, obj, graph):
            out.append(quad)
            if len(out) > max_rows:
                raise errors.ResultTooLarge(f"more than {max_rows} quads match",
                                            hint="narrow the pattern or use a streamed export")
        return out
    if op == "ping":
        return os.getpid()
    raise ValueError(f"unknown operation {op!r}")


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


def open_read_only(store_path: str) -> ox.Store:
    """`Store.read_only`, retried a few times when it races the writer's compaction."""
    for attempt in range(OPEN_ATTEMPTS):
        try:
            return ox.Store.read_only(store_path)
        except (OSError, RuntimeError):
            if attempt == OPEN_ATTEMPTS - 1:
                raise
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


def worker_main(conn: Connection, store_path: str) -> None:
    """Entry point of a worker process: open read-only, then answer until told to stop.

    `("reopen",)` makes it drop its handle and open a fresh one, which sees every write committed
    so far, and answer `("reopened", None)`; the server sends it ahead of a query when the worker
    is behind, and counts the reopen as under way until the answer (a commit waits for it)."""
    store: ox.Store | None = open_read_only(store_path)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        op, args = message[0], message[1:]
        if op == "stop":
            return
        if op == "close":
            store = None
            gc.collect()
            conn.send(("ok", None))
            continue
        if op == "open":
            store = open_read_only(store_path)
            conn.send(("ok", None))
            continue
        if op == "reopen":
            store = None
            gc.collect()
            try:
                store = open_read_only(store_path)
            except (OSError, RuntimeError):
                store = None  # the next query answers StoreUnavailable; a later reopen may succeed
            conn.send(("reopened", None))
            continue
        if store is None:
            conn.send(("err", ("StoreUnavailable", "the store is closed for a write", None, None, None)))
            continue
        if op == "serialize":
            _serialize(store, conn, *args)
            continue
        if op == "dump":
            _dump(store, conn, *args)
            continue
        try:
            conn.send(("ok", _answer(store, op, args)))
        except Exception as exc:
            query = args[0].query if args and isinstance(args[0], QueryRequest) else ""
            conn.send(("err", _error_payload(exc, query)))


# ----------------------------------------------------------------------------- server side


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
        if tag == _DATA:
            return body
        if self._take() is not worker:  # closed meanwhile: that worker was ended already
            raise StopIteration
        self.pool._release(worker)
        if tag == _FAIL:
            raise rebuild_error(pickle.loads(body))
        raise StopIteration

    def close(self) -> None:
        worker = self._take()
        if worker is not None:
            self.pool._replace_later(worker)

    def __del__(self) -> None:
        self.close()


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    #: The pool's write generation when this worker last opened the store.
    generation: int = 0

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


def _expire(future: Any) -> None:
    if not future.done():
        future.set_result(False)


def _context() -> multiprocessing.context.BaseContext:
    """forkserver where available: children start from a clean, single-threaded parent."""
    try:
        ctx = multiprocessing.get_context("forkserver")
        # kg.canned holds the page writer `select_with` sends by name: preloaded, a new worker's
        # first canned query does not pay the import (about 50 ms).
        ctx.set_forkserver_preload(["pyoxigraph", "kg.store.workers", "kg.canned"])
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
                 journal: Journal | None = None, queue: int = 64, local_cap: int = bounded.DEFAULT_CAP) -> None:
        self.store_path = Path(store_path)
        #: Queries whose work is bounded by this many quads (`kg.store.bounded`) are answered in
        #: this process, without the hop to a worker; 0 sends every query to a worker.
        self.local_cap = local_cap
        #: Queries answered in this process so far (health checks, tests).
        self.local_answers = 0
        #: This process's read-only handle for those queries, and the write generation it was opened at.
        self._ro: ox.Store | None = None
        self._ro_generation = -1
        #: `within` verdicts by (plan, generation): a commit can change the counts.
        self._bounded_seen: dict[tuple[bounded.Plan, int], bool] = {}
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
        self._ctx = _context()
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._live: set[_Worker] = set()
        self._busy = 0
        self._starting = 0
        #: Workers reopening their handle right now (a commit waits for them, not for queries).
        self._reopening = 0
        self._paused = False
        self._closed = False
        self._version = initial_version(self.store_path)
        self.write_lock = threading.Lock()
        #: The deltas the gate committed, by version (the search index updates by them).
        self.changes = ChangeFeed()
        #: The single writer's read-write handle: opened at the first write, closed by `close()`.
        self._rw: ox.Store | None = None
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
        workers = [self._spawn() for _ in range(self.size)]
        with self._cond:
            self._idle.extend(workers)
            self._cond.notify_all()
        if self.local_cap:
            self._local_store()
        return self

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            busy = [w for w in self._live if w not in idle]
            self._live.clear()
            self._cond.notify_all()
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
        self._ro = None
        with self.write_lock:
            self._close_writer()

    def _close_writer(self) -> None:
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

    def __enter__(self) -> WorkerPoolEngine:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _spawn(self) -> _Worker:
        generation = self._generation  # read before the worker opens the store: never ahead of it
        parent, child = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(  # type: ignore[attr-defined]
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
        worker = _Worker(process, parent, generation)
        with self._cond:
            self._live.add(worker)
        return worker

    def _replace_later(self, worker: _Worker) -> None:
        """Kill a worker now (frees its CPU at once) and start its replacement in the background."""
        worker.process.kill()
        worker.process.join()
        worker.conn.close()
        with self._cond:
            self._live.discard(worker)
            self._busy -= 1
            self._starting += 1

        def replace() -> None:
            try:
                new = self._spawn()
            except errors.KgError:
                log.exception("could not replace a query worker")
                new = None
            with self._cond:
                self._starting -= 1
                if new is not None and not self._closed:
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
        self._busy += 1
        return self._idle.pop()

    def _release(self, worker: _Worker) -> None:
        with self._cond:
            self._busy -= 1
            self._idle.append(worker)
            self._cond.notify_all()

    def _try_idle(self) -> _Worker | None:
        """An idle worker taken without waiting, or None (all busy, or the pool is paused)."""
        with self._cond:
            worker = self._idle.pop() if self._idle and not self._paused else None
            if worker is not None:
                self._busy += 1
            return worker

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

    def _recv(self, worker: _Worker) -> Any:
        try:
            return worker.conn.recv()
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

    def _local_store(self) -> ox.Store | None:
        """The handle bounded queries read here: the writer's once open (it sees every commit),
        else a read-only one, reopened when a commit moved the generation. None while a commit
        is running (the pool is paused) or on shutdown: the query then waits like any other."""
        if self._paused or self._closed:
            return None
        if self._rw is not None:
            self._ro = None  # the writer's handle sees more: the read-only one is not needed again
            return self._rw
        generation = self._generation
        if self._ro is None or self._ro_generation != generation:
            self._ro = None
            try:
                self._ro = open_read_only(str(self.store_path))
            except (OSError, RuntimeError):
                log.warning("could not open the store read-only in the server process", exc_info=True)
                return None
            self._ro_generation = generation
        return self._ro

    def _serialize_local(self, request: QueryRequest, solutions_format: ox.QueryResultsFormat,
                         graph_format: ox.RdfFormat) -> SerializedResult | None:
        """The answer of a query whose work is bounded (`kg.store.bounded`), computed in this
        process; None when it is not provably bounded, and a worker must answer it under its deadline.

        The bound is a count of quads read from the indexes before the query runs (at most
        `local_cap` of them), so the query cannot run away: a timeout has nothing to stop."""
        if not self.local_cap or graph_format in BUFFERED_GRAPH_FORMATS:
            return None  # JSON-LD is refused past max_result_rows in the worker: left to it
        plan = bounded.plan(request.query)
        if plan is None:
            return None
        store = self._local_store()
        if store is None:
            return None
        key = (plan, self._generation)
        try:
            ok = self._bounded_seen.get(key)
            if ok is None:
                ok = bounded.within(store, plan, self.local_cap)
                if len(self._bounded_seen) >= 4096:
                    self._bounded_seen.clear()
                self._bounded_seen[key] = ok
            if not ok:
                return None
            result = run_query(store, request)
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
            raise rebuild_error(_error_payload(exc, request.query)) from None
        self.local_answers += 1
        return SerializedResult(kind, media_type, iter((data or b"",)))

    def _serialize_sync(self, request: QueryRequest, solutions_format: ox.QueryResultsFormat,
                        graph_format: ox.RdfFormat, *, reserved: bool = False) -> SerializedResult:
        limit, deadline = self._deadline(request.timeout)
        worker = self._acquire(deadline, limit, reserved=reserved)
        self._send(worker, ("serialize", request, format_name(solutions_format), format_name(graph_format),
                              self.chunk_size, self.max_result_rows))
        self._await(worker, deadline, limit)
        return self._first_message(worker, deadline, limit)

    def dump(self, graph_format: ox.RdfFormat, *, timeout: float | None = None) -> SerializedResult:
        """The whole store in a dataset format (N-Quads, TriG), streamed from a worker like
        `serialize`'s results: chunk by chunk through the pipe, under the deadline."""
        limit, deadline = self._deadline(timeout)
        worker = self._acquire(deadline, limit)
        self._send(worker, ("dump", format_name(graph_format), self.chunk_size))
        self._await(worker, deadline, limit)
        return self._first_message(worker, deadline, limit)

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
        return self._first_message(worker, deadline, limit)

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

    def _first_message(self, worker: _Worker, deadline: float, limit: float) -> SerializedResult:
        message = self._recv(worker)
        if message[0] == "err":
            self._release(worker)
            raise rebuild_error(message[1])
        _, kind, media_type, first, final = message
        if final:
            self._release(worker)
            return SerializedResult(ResultKind(kind), media_type, iter((first,)))
        return SerializedResult(ResultKind(kind), media_type, self._stream(worker, first, deadline, limit))

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

    @contextlib.contextmanager
    def reading(self) -> Iterator[ox.Store]:
        """The writer's read-write handle once open (it sees every commit); before the first
        write, a read-only handle in this process, next to the workers' (all read-only: allowed)."""
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
        with the single writer's handle under the write lock: no commit is half in it, and the
        journal position copied beside it is exactly the last commit it holds."""
        from kg.store.backup import take_backup

        with self.write_lock:
            if self._rw is None:
                self._rw = ox.Store(str(self.store_path))
            return take_backup(self._rw, self.store_path, target)

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
            if self._rw is None:
                self._rw = ox.Store(str(self.store_path))
            handle = WriteHandle(self._rw)
            try:
                yield handle  # type: ignore[misc]
            except BaseException:
                # RocksDB stops writing after a failed write (a full disk): a fresh handle at the
                # next write starts clean, once the cause is gone.
                handle.release()
                self._close_writer()
                raise
            finally:
                handle.release()
                # Whatever part of the write got in is on the log: readers must reopen to see it.
                self._generation += 1
            if self._wal_bytes() > WAL_FLUSH_BYTES:
                self._rw.flush()
            self._version = version or f"{self._version.split('+')[0]}+{time.time_ns():x}"
        finally:
            with self._cond:
                self._paused = False
                self._cond.notify_all()
