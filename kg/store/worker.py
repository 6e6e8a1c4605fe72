"""What runs inside a query worker process, and the messages it sends back through its pipe.

The pool (`kg.store.workers`) starts these processes and kills them past a query's deadline; this
module is the other end of the pipe. A worker opens the store read-only (`open_read_only`), then
answers messages until told to stop (`worker_main`).

Results travel as pickled messages for small Python answers (rows, booleans, triples) and as
raw byte chunks for serialised results: a worker sends at most `chunk_size` bytes at a time
(`ChunkWriter`), so a large result is streamed to the HTTP client without being held whole in
either process. `select_with` runs a named function on the rows inside the worker and sends back
only its answer: pickling pyoxigraph terms costs far more than the bytes of a page rendered from
them. Errors cross the pipe as plain values (`error_payload`) and become `kg.errors` again on the
server's side (`rebuild_error`).
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import re
import time
from collections.abc import Iterable
from multiprocessing.connection import Connection
from typing import IO, Any, TypeVar, cast

import pyoxigraph as ox

from kg import errors, media, service
from kg.iris import PREFIXES
from kg.store.engine import QueryRequest, ResultKind, collect_rows, result_kind, run_query

log = logging.getLogger("kg.workers")
T = TypeVar("T")

CHUNK_SIZE = 64 * 1024
#: A read-only open can race a background compaction of the writer (a table file listed in the
#: manifest is gone by the time it is opened); the open is then retried.
OPEN_ATTEMPTS = 5
#: Graph formats that pyoxigraph can only write from the whole graph: bounded by `max_result_rows`.
BUFFERED_GRAPH_FORMATS = (ox.RdfFormat.JSON_LD,)


def format_name(fmt: ox.RdfFormat | ox.QueryResultsFormat) -> str:
    """Formats cannot be pickled: they cross the pipe by their key in the format table `kg.media`."""
    return media.of_ox(fmt).key


_SERVICE_RE = re.compile("SERVICE", re.IGNORECASE)

# Frame tags on the byte channel of a streamed result.
DATA, END, FAIL = b"d", b"e", b"x"


ErrorPayload = tuple[str, str, str | None, int | None, int | None]


def error_payload(exc: BaseException, query: str = "") -> ErrorPayload:
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


class ChunkWriter:
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

    def as_output(self) -> IO[bytes]:
        """This writer where pyoxigraph's stubs ask for a binary file: its serialisers call only
        `write` (and `flush`), which this class has, so the cast is the whole of the adaptation."""
        return cast(IO[bytes], self)

    def _send(self, *, final: bool) -> None:
        if not self.head_sent:
            self.conn.send(("head", self.kind.value, self.media_type, bytes(self.buffer), final))
            self.head_sent = True
        else:
            if self.buffer:
                self.conn.send_bytes(DATA + bytes(self.buffer))
            if final:
                self.conn.send_bytes(END)
        self.buffer.clear()

    def finish(self) -> None:
        self._send(final=True)

    def fail(self, exc: BaseException, query: str) -> None:
        if self.head_sent:
            self.conn.send_bytes(FAIL + pickle.dumps(error_payload(exc, query)))
        else:
            self.conn.send(("err", error_payload(exc, query)))


def _serialize(store: ox.Store, conn: Connection, request: QueryRequest, solutions_format: str,
               graph_format: str, chunk_size: int, max_rows: int) -> None:
    writer: ChunkWriter | None = None
    try:
        result = run_query(store, request)
        kind = result_kind(result)
        if isinstance(result, ox.QueryTriples):  # the GRAPH kind
            fmt = media.rdf_of(graph_format)
            writer = ChunkWriter(conn, kind, fmt.media_type, chunk_size)
            if fmt in BUFFERED_GRAPH_FORMATS:
                triples = []
                for triple in result:
                    triples.append(triple)
                    if len(triples) > max_rows:
                        raise errors.ResultTooLarge(
                            f"the result has more than {max_rows} triples, too many for {fmt.name}",
                            hint="ask for a streamed format (Turtle, N-Triples, N-Quads) or add LIMIT")
                ox.serialize(triples, writer.as_output(), format=fmt)
            else:
                ox.serialize(result, writer.as_output(), format=fmt)
        else:
            fmt_r = media.results_of(solutions_format)
            writer = ChunkWriter(conn, kind, fmt_r.media_type, chunk_size)
            result.serialize(writer.as_output(), format=fmt_r)
        writer.finish()
    except Exception as exc:
        if writer is None or not writer.head_sent:
            conn.send(("err", error_payload(exc, request.query)))
        else:
            writer.fail(exc, request.query)


def _dump(store: ox.Store, conn: Connection, graph_format: str, chunk_size: int) -> None:
    """The whole store in a dataset format, written chunk by chunk to the pipe (never held whole)."""
    fmt = media.rdf_of(graph_format)
    writer = ChunkWriter(conn, ResultKind.GRAPH, fmt.media_type, chunk_size)
    try:
        store.dump(writer.as_output(), format=fmt, prefixes=dict(PREFIXES))
        writer.finish()
    except Exception as exc:
        writer.fail(exc, "")


def _at_most(items: Iterable[T], max_rows: int, too_many: errors.ResultTooLarge) -> list[T]:
    """The items as a list, or `too_many` raised as soon as there are more than `max_rows`
    (a worker never holds more than one row past the cap)."""
    out: list[T] = []
    for item in items:
        out.append(item)
        if len(out) > max_rows:
            raise too_many
    return out


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
        return _at_most(result, max_rows, errors.ResultTooLarge(
            f"the result has more than {max_rows} triples", hint="add LIMIT or ask for a streamed format"))
    if op == "quads":
        subject, predicate, obj, graph, max_rows = args
        return _at_most(store.quads_for_pattern(subject, predicate, obj, graph), max_rows, errors.ResultTooLarge(
            f"more than {max_rows} quads match", hint="narrow the pattern or use a streamed export"))
    if op == "ping":
        return os.getpid()
    raise ValueError(f"unknown operation {op!r}")

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
            conn.send(("err", error_payload(exc, query)))

