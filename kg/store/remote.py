"""The store on another server: `Engine` and the gate's `Writer` over the SPARQL 1.1 Protocol.

With `KG_BACKEND=sparql` Tregua keeps no data of its own: queries go to `KG_SPARQL_QUERY_URL`,
writes to `KG_SPARQL_UPDATE_URL`, and `kg build` loads through `KG_SPARQL_STORE_URL` (Graph
Store Protocol) or the update URL (`kg.store.remote_load`). Those URLs are the only ones ever
contacted; each request goes through one pooled `httpx.Client` (keep-alive connections).

Reads: the SERVICE guard (`kg.service`) and pyoxigraph's parser check the text first (same
errors and positions as the embedded store; nothing malformed or unallowed is forwarded). When
the remote answers in the format the client asked for, its bytes are streamed through untouched;
otherwise they are parsed and re-serialised by pyoxigraph. Each request has a client-side deadline
(`QueryRequest.timeout`, else `KG_QUERY_TIMEOUT`): past it the connection is closed and the
client gets 503. The remote's own limit is asked for too where it has one per request
(`KG_SPARQL_TIMEOUT_PARAM`, e.g. Virtuoso's `timeout` in ms); for Oxigraph start it with
`--timeout-s`, which cancels inside Rust (a cancelled Oxigraph stream ends with "The SPARQL
operation has been cancelled": detected, the response is cut short).

Plain queries see the union of the named graphs, as in the embedded store: Oxigraph is asked with
its `union-default-graph` parameter; Virtuoso's default graph is that union already.

The version (ETags, `VersionedCache`) is read from the store itself: the triple
`<…/store> <…/meta#version> "v"` in the graph `<…/graph/meta>`, written by `kg build` and by every
gated write, so all the Tregua processes over one store agree on it. Writes (`exclusive`) send the
gate's delta in ONE update that also replaces that triple, conditioned on it still holding the
version read before validation: when another process wrote meanwhile, nothing applies, and
`WriteConflict` (409) says so (the gate retries once).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import httpx
import pyoxigraph as ox

from kg import errors, iris, service
from kg.store.binding import bind
from kg.store.engine import (
    QueryRequest,
    ResultKind,
    Rows,
    SerializedResult,
    Subject,
    T,
    Term,
    check_nesting,
    collect_rows,
    syntax_error,
)

if TYPE_CHECKING:
    from kg.journal.log import Journal

META_GRAPH = iris.GRAPH_META
STORE_NODE = iris.BASE + "store"
VERSION = iris.BASE + "meta#version"
#: One triple per committed write: `<urn:tregua:version:AFTER> <…/meta#follows> "BEFORE"`, so a
#: writer can tell its own commit went in even when another commit followed at once.
FOLLOWS = iris.BASE + "meta#follows"
UNVERSIONED = "unversioned"

_VERSION_QUERY = f'SELECT ?v WHERE {{ GRAPH <{META_GRAPH}> {{ <{STORE_NODE}> <{VERSION}> ?v }} }}'
_RESULTS_JSON = "application/sparql-results+json"
_NTRIPLES = "application/n-triples"
_CANCELLED = b"The SPARQL operation has been cancelled"
CHUNK = 64 * 1024


#: Virtuoso names blank nodes `nodeID://b1` in SPARQL JSON results, which is no blank-node label:
#: made `b1` before pyoxigraph parses them (only where the JSON says the term is a bnode).
_VIRTUOSO_BNODE = re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")nodeID://')
_HOLD = 96


#: Virtuoso keeps xsd:boolean as 1/0 and answers "1"^^xsd:boolean: made the canonical true/false.
_VIRTUOSO_BOOLEAN = re.compile(
    rb'("datatype"\s*:\s*"http://www\.w3\.org/2001/XMLSchema#boolean"\s*,\s*"value"\s*:\s*")([01])"')


def fix_bnodes(data: bytes) -> bytes:
    r"""Virtuoso's JSON results made standard: blank-node labels, canonical booleans.

    >>> fix_bnodes(b'{ "type": "bnode", "value": "nodeID://b10" }, { "type": "literal", "value": "nodeID://x" }')
    b'{ "type": "bnode", "value": "b10" }, { "type": "literal", "value": "nodeID://x" }'
    >>> fix_bnodes(b'"datatype": "http://www.w3.org/2001/XMLSchema#boolean", "value": "1" }')
    b'"datatype": "http://www.w3.org/2001/XMLSchema#boolean", "value": "true" }'
    """
    data = _VIRTUOSO_BNODE.sub(rb"\1", data)
    return _VIRTUOSO_BOOLEAN.sub(lambda m: m.group(1) + (b'true"' if m.group(2) == b"1" else b'false"'), data)


def _fixed_chunks(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """`fix_bnodes` over a stream: the last bytes wait for the next chunk, so no match is cut."""
    held = b""
    for chunk in chunks:
        data = fix_bnodes(held + chunk)
        held = data[-_HOLD:]
        if data[:-_HOLD]:
            yield data[:-_HOLD]
    if held:
        yield fix_bnodes(held)


def _base_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _query_form(query: str) -> ResultKind | None:
    from kg.sparql_lexer import tokenize

    for token in tokenize(query):
        word = token.upper
        if word == "SELECT":
            return ResultKind.SOLUTIONS
        if word == "ASK":
            return ResultKind.BOOLEAN
        if word in ("CONSTRUCT", "DESCRIBE"):
            return ResultKind.GRAPH
    return None


def version_literal(version: str) -> str:
    return str(ox.Literal(version))


@dataclass(frozen=True)
class RemoteConfig:
    """Where the remote store is and how to talk to it (from `Settings`, see `from_settings`)."""

    query_url: str
    update_url: str | None = None
    store_url: str | None = None
    user: str | None = None
    password: str | None = None
    auth: str = "basic"
    timeout: float = 30.0
    timeout_param: str = ""
    connections: int = 16
    #: Oxigraph wants `union-default-graph` to see all graphs by default; Virtuoso does by itself.
    union_param: bool = True


def config_from_settings(settings: Any) -> RemoteConfig:
    if not settings.sparql_query_url:
        raise errors.StoreUnavailable("KG_BACKEND=sparql needs KG_SPARQL_QUERY_URL",
                                      hint="set it to the remote store's SPARQL query endpoint")
    password = settings.sparql_password.get_secret_value() if settings.sparql_password else None
    return RemoteConfig(settings.sparql_query_url, settings.sparql_update_url, settings.sparql_store_url,
                        settings.sparql_user, password, settings.sparql_auth, settings.query_timeout,
                        settings.sparql_timeout_param, settings.sparql_connections,
                        settings.sparql_union_param)


class SparqlEngine:
    """`Engine` (reads) and `Writer` (the gate's commits) over a remote SPARQL store."""

    def __init__(self, config: RemoteConfig) -> None:
        self.config = config
        auth: httpx.Auth | None = None
        if config.user is not None:
            auth = (httpx.DigestAuth(config.user, config.password or "") if config.auth == "digest"
                    else httpx.BasicAuth(config.user, config.password or ""))
        limits = httpx.Limits(max_connections=config.connections, max_keepalive_connections=config.connections)
        # No redirects followed and no proxy from the environment: only the configured URLs.
        self.client = httpx.Client(auth=auth, limits=limits, follow_redirects=False, trust_env=False,
                                   timeout=httpx.Timeout(config.timeout, connect=5.0))
        self.write_lock = threading.Lock()
        #: The gate's Writer has a journal; a remote store keeps none (docs/deployment.md).
        self.journal: Journal | None = None
        self._read_version: str | None = None
        self.timeouts = 0

    @classmethod
    def from_settings(cls, settings: Any) -> SparqlEngine:
        return cls(config_from_settings(settings))

    def close(self) -> None:
        self.client.close()

    # -- transport

    def _params(self, request: QueryRequest) -> list[tuple[str, str]]:
        params: list[tuple[str, str]] = [("default-graph-uri", g) for g in request.default_graph_uris]
        params += [("named-graph-uri", g) for g in request.named_graph_uris]
        if not request.default_graph_uris and self.config.union_param:
            params.append(("union-default-graph", ""))
        return params

    def _text(self, request: QueryRequest, *, check: bool = True) -> str:
        """The text sent: checked (SERVICE guard, nesting, syntax) and with values bound."""
        request = _as_remote(request)
        service.check(request.query, request.service_allow, base_iri=request.base_iri)
        if check:
            check_nesting(request.query)
            if not service.mentions_service(request.query):
                try:  # parsed (and run on an empty store: nothing to read) for our own errors
                    ox.Store().query(request.query, base_iri=request.base_iri)
                except SyntaxError as exc:
                    raise syntax_error(exc) from exc
        text = bind(request.query, request.substitutions)
        if request.base_iri:
            text = f"BASE <{request.base_iri}>\n{text}"
        return text

    def _limit(self, timeout: float | None) -> float:
        return min(timeout, self.config.timeout) if timeout else self.config.timeout

    def _send(self, text: str, params: Sequence[tuple[str, str]], accept: str, limit: float) -> httpx.Response:
        form = [("query", text), *params]
        if self.config.timeout_param:
            # The store is asked to stop a little before Tregua hangs up, so that it stops its work
            # (a closed connection does not stop it) and says so.
            form.append((self.config.timeout_param, str(max(int(limit * 800), 1))))
        req = self.client.build_request(
            "POST", self.config.query_url, data=dict(_multi(form)), headers={"Accept": accept},
            timeout=httpx.Timeout(limit, connect=min(5.0, limit)))
        with _http_errors(self, limit, "did not answer", "retry later; if it persists, tell the operator"):
            response = self.client.send(req, stream=True)
        if response.status_code >= 400:
            body = response.read()[:600].decode("utf-8", "replace")
            response.close()
            raise _remote_error(response.status_code, body)
        if response.headers.get("x-sql-state") == "S1TAT":
            # Virtuoso's "anytime" answer: what it found before its time limit, sent as 200. A
            # partial answer is never passed on as if it were whole.
            response.close()
            self.timeouts += 1
            raise errors.QueryTimeout(f"the remote store stopped the query at its time limit ({limit:g} s)",
                                      hint="simplify the query or add LIMIT")
        return response

    def _read(self, text: str, params: Sequence[tuple[str, str]], accept: str, limit: float) -> tuple[str, bytes]:
        deadline = time.monotonic() + limit
        response = self._send(text, params, accept, limit)
        try:
            data = b"".join(_timed(response, deadline, limit, self))
        finally:
            response.close()
        return _base_type(response.headers.get("content-type")), data

    def query_raw(self, request: QueryRequest, accept: str) -> tuple[str, bytes]:
        return self._read(self._text(request), self._params(request), accept, self._limit(request.timeout))

    # -- Engine

    @property
    def version(self) -> str:
        """Read from the store on every call: a replica never trusts a version it cached."""
        _, data = self._read(_VERSION_QUERY, [], _RESULTS_JSON, self.config.timeout)
        result = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
        rows = list(result) if isinstance(result, ox.QuerySolutions) else []
        if not rows:
            return UNVERSIONED
        value = rows[0]["v"]
        return value.value if value is not None else UNVERSIONED

    def _solutions(self, request: QueryRequest) -> ox.QuerySolutions | ox.QueryBoolean:
        _, data = self.query_raw(request, _RESULTS_JSON)
        return ox.parse_query_results(fix_bnodes(data), format=ox.QueryResultsFormat.JSON)

    def select(self, request: QueryRequest, *, max_rows: int | None = None) -> Rows:
        result = self._solutions(request)
        if not isinstance(result, ox.QuerySolutions):
            raise errors.QuerySyntaxError("expected a SELECT query")
        return collect_rows(result, max_rows)

    def select_with(self, request: QueryRequest, fn: Callable[..., T], *args: Any,
                    max_rows: int | None = None) -> T:
        return fn(self.select(request, max_rows=max_rows), *args)

    def ask(self, request: QueryRequest) -> bool:
        result = self._solutions(request)
        if isinstance(result, ox.QuerySolutions) and [v.value for v in result.variables] == ["__ASK_RETVAL"]:
            # Virtuoso answers ASK as one row of 1 or 0 in a variable of its own.
            row = next(iter(result), None)
            value = row["__ASK_RETVAL"] if row is not None else None
            return value is not None and value.value not in ("0", "false")
        if not isinstance(result, ox.QueryBoolean):
            raise errors.QuerySyntaxError("expected an ASK query")
        return bool(result)

    def construct(self, request: QueryRequest) -> list[ox.Triple]:
        _, data = self.query_raw(request, _NTRIPLES)
        return [q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]

    def serialize(self, request: QueryRequest, *, solutions_format: ox.QueryResultsFormat,
                  graph_format: ox.RdfFormat) -> SerializedResult:
        """Streamed through as the remote's bytes when it answers in the format asked for."""
        kind = _query_form(request.query) or ResultKind.SOLUTIONS
        if kind is ResultKind.BOOLEAN:
            # Written by pyoxigraph: engines differ in how they spell a boolean (Virtuoso: a row).
            answer = ox.Store().query("ASK {}" if self.ask(request) else "ASK { FILTER(false) }")
            return SerializedResult(kind, solutions_format.media_type,
                                    iter([answer.serialize(format=solutions_format) or b""]))  # type: ignore[arg-type]  # an ASK: a boolean result
        text = self._text(request)
        wanted = graph_format if kind is ResultKind.GRAPH else solutions_format
        fallback = _NTRIPLES if kind is ResultKind.GRAPH else _RESULTS_JSON
        accept = wanted.media_type if wanted.media_type == fallback else f"{wanted.media_type}, {fallback};q=0.5"
        limit = self._limit(request.timeout)
        deadline = time.monotonic() + limit
        response = self._send(text, self._params(request), accept, limit)
        got = _base_type(response.headers.get("content-type"))
        if got == _base_type(wanted.media_type):
            return SerializedResult(kind, wanted.media_type, _stream(response, deadline, limit, self))
        try:
            data = b"".join(_timed(response, deadline, limit, self))
        finally:
            response.close()
        return SerializedResult(kind, wanted.media_type, iter([_convert(data, got, kind, wanted)]))

    def quads(self, subject: Subject | None = None, predicate: ox.NamedNode | None = None,
              object: Term | None = None, graph: ox.NamedNode | ox.DefaultGraph | None = None,
              ) -> list[ox.Quad]:
        return list(quads_for_pattern(self, subject, predicate, object, graph))

    def dump(self, graph_format: ox.RdfFormat, *, timeout: float | None = None) -> SerializedResult:
        """Tregua's graphs (those under its base IRI; not the meta graph, nor a shared store's
        others, e.g. Virtuoso's own), from a streamed TSV SELECT (its terms are N-Triples)
        turned into N-Quads or TriG a batch of rows at a time: never the whole store in memory."""
        limit = timeout or self.config.timeout
        deadline = time.monotonic() + limit
        query = (f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                 f"FILTER(?g != <{META_GRAPH}> && STRSTARTS(STR(?g), {ox.Literal(iris.BASE)!s})) }}")
        response = self._send(query, [], _RESULTS_JSON, limit)
        return SerializedResult(ResultKind.GRAPH, graph_format.media_type,
                                _rows_to_quads(response, deadline, limit, self, graph_format))

    # -- the gate's Writer

    @contextlib.contextmanager
    def reading(self) -> Iterator[Any]:
        """A read view of the remote store for the gate, and the version it starts from: the
        commit applies only if the store still holds that version."""
        self._read_version = self.version
        yield RemoteStoreView(self)

    @contextlib.contextmanager
    def exclusive(self, *, version: str | None = None) -> Iterator[Any]:
        """Collect the entry's changes, then send them in one conditional update."""
        before = self._read_version if self._read_version is not None else self.version
        after = version or f"{before.split('+')[0]}+{time.time_ns():x}"
        recorder = _Recorder()
        yield recorder
        self.commit(recorder.removed, recorder.added, before=before, after=after)
        self._read_version = None

    def commit(self, removed: Sequence[ox.Quad], added: Sequence[ox.Quad], *, before: str, after: str) -> None:
        """One update: the delta and the version swap, applied only where the version is `before`."""
        update = conditional_update(removed, added, before=before, after=after)
        self.update(update)
        if not self.ask(QueryRequest(f"ASK {{ GRAPH <{META_GRAPH}> {{ <urn:tregua:version:{_urn(after)}> "
                                     f"<{FOLLOWS}> ?b }} }}")):
            raise errors.WriteConflict(
                "another writer changed the store between this write's validation and its commit; "
                "nothing was written",
                hint="send the write again: it is validated against the store as it is now")

    def update(self, text: str, *, timeout: float | None = None) -> None:
        """Send an update (our own text only: the gate's delta, `kg build`'s swap)."""
        if not self.config.update_url:
            raise errors.Forbidden("this remote store takes no writes: KG_SPARQL_UPDATE_URL is not set",
                                   hint="set KG_SPARQL_UPDATE_URL to the store's SPARQL update endpoint")
        limit = timeout or self.config.timeout
        try:
            response = self.client.post(self.config.update_url, data={"update": text},
                                        timeout=httpx.Timeout(limit, connect=5.0))
        except httpx.HTTPError as exc:
            raise errors.StoreUnavailable(f"the remote store did not take the update ({type(exc).__name__})",
                                          hint="retry; nothing is half-applied: the update is one request") from exc
        if response.status_code >= 400:
            raise _remote_error(response.status_code, response.text[:600], writing=True)


def _as_remote(request: QueryRequest) -> QueryRequest:
    """A graph exists on a remote store while it holds a triple: Oxigraph keeps a named graph
    emptied by a write (the gate's commit removes triples, it cannot DROP conditionally) and
    Virtuoso keeps no empty graph at all, so `kg.store.graphs`' "GRAPH ?g { }" is asked with a triple."""
    from kg.store import graphs

    remote = {graphs.GRAPH_EXISTS: "ASK { GRAPH ?g { ?s ?p ?o } }",
              graphs.GRAPH_NAMES: "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g LIMIT 20"}
    text = remote.get(request.query)
    return request if text is None else dataclasses.replace(request, query=text)


def _urn(version: str) -> str:
    return "".join(c if c.isalnum() or c in "-+._" else "_" for c in version)


def conditional_update(removed: Sequence[ox.Quad], added: Sequence[ox.Quad], *, before: str, after: str) -> str:
    """The whole commit as one DELETE/INSERT/WHERE: nothing applies unless the version is `before`.

    >>> q = ox.Quad(ox.NamedNode("http://s"), ox.NamedNode("http://p"), ox.Literal("o"), ox.NamedNode("http://g"))
    >>> print(conditional_update([], [q], before="v1", after="v2").replace(iris.BASE, "T/"))
    ... # doctest: +NORMALIZE_WHITESPACE
    DELETE { GRAPH <T/graph/meta> { <T/store> <T/meta#version> ?version } }
    INSERT { GRAPH <T/graph/meta> { <T/store> <T/meta#version> "v2" .
    <urn:tregua:version:v2> <T/meta#follows> "v1" }
    GRAPH <http://g> { <http://s> <http://p> "o" . } }
    WHERE { GRAPH <T/graph/meta> { <T/store> <T/meta#version> ?version } FILTER(?version = "v1") }
    """
    meta = f"<{STORE_NODE}> <{VERSION}>"
    if before == UNVERSIONED:
        delete_meta = ""
        where = f"FILTER NOT EXISTS {{ GRAPH <{META_GRAPH}> {{ {meta} ?version }} }}"
    else:
        delete_meta = f"GRAPH <{META_GRAPH}> {{ {meta} ?version }}"
        where = f"GRAPH <{META_GRAPH}> {{ {meta} ?version }} FILTER(?version = {version_literal(before)})"
    insert_meta = (f"GRAPH <{META_GRAPH}> {{ {meta} {version_literal(after)} .\n"
                   f"<urn:tregua:version:{_urn(after)}> <{FOLLOWS}> {version_literal(before)} }}")
    if any(isinstance(t, ox.BlankNode) for q in removed for t in (q.subject, q.object)):
        raise errors.BadRequest("this write removes triples with blank nodes, which a remote store cannot address",
                                hint="name those nodes with IRIs (a named limitation of KG_BACKEND=sparql)")
    return (f"DELETE {{ {delete_meta}\n{_template(removed)} }}\n"
            f"INSERT {{ {insert_meta}\n{_template(added)} }}\nWHERE {{ {where} }}")


def _template(quads: Sequence[ox.Quad]) -> str:
    by_graph: dict[str, list[str]] = {}
    for q in quads:
        key = "" if isinstance(q.graph_name, ox.DefaultGraph) else str(q.graph_name)
        by_graph.setdefault(key, []).append(f"{q.subject} {q.predicate} {q.object} .")
    parts = []
    for graph, lines in by_graph.items():
        body = "\n".join(lines)
        parts.append(f"GRAPH {graph} {{ {body} }}" if graph else body)
    return "\n".join(parts)


class _Recorder:
    """What `Entry.apply_to` does to a store, recorded to be sent as one update."""

    def __init__(self) -> None:
        self.removed: list[ox.Quad] = []
        self.added: list[ox.Quad] = []

    def remove(self, quad: ox.Quad) -> None:
        self.removed.append(quad)

    def extend(self, quads: Any) -> None:
        self.added.extend(quads)

    def add(self, quad: ox.Quad) -> None:
        self.added.append(quad)

    def remove_graph(self, graph: Any) -> None:
        """A dropped graph's quads are in the entry's removals already; empty graphs are not kept."""

    def add_graph(self, graph: Any) -> None:
        """Remote stores keep no empty graphs: a graph exists while it holds a triple."""


def quads_for_pattern(engine: SparqlEngine, s: Any = None, p: Any = None, o: Any = None,
                      g: Any = None) -> Iterator[ox.Quad]:
    """Quads matching a pattern, from the named graphs (the remote default graph is their union).
    A blank node in the pattern matches nothing: a remote store's blank nodes cannot be named."""
    if isinstance(g, ox.DefaultGraph) or any(isinstance(t, ox.BlankNode) for t in (s, p, o, g)):
        return iter(())
    values = {k: v for k, v in (("s", s), ("p", p), ("o", o), ("g", g)) if v is not None}
    query = f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{META_GRAPH}>) }}"
    rows = engine.select(QueryRequest(query, substitutions=values))
    out = []
    for row in rows.rows:
        t = {k: values.get(k, row.get(k)) for k in "spog"}
        out.append(ox.Quad(cast(Subject, t["s"]), cast(ox.NamedNode, t["p"]), cast(Term, t["o"]),
                           cast(ox.NamedNode, t["g"])))
    return iter(out)


class RemoteStoreView:
    """What the gate reads of an `ox.Store`, answered by the remote store (one request each)."""

    def __init__(self, engine: SparqlEngine) -> None:
        self.engine = engine

    def quads_for_pattern(self, s: Any = None, p: Any = None, o: Any = None, g: Any = None) -> Iterator[ox.Quad]:
        return quads_for_pattern(self.engine, s, p, o, g)

    def __contains__(self, quad: ox.Quad) -> bool:
        if isinstance(quad.graph_name, ox.DefaultGraph):
            return False
        return any(True for _ in self.quads_for_pattern(quad.subject, quad.predicate, quad.object, quad.graph_name))

    def __iter__(self) -> Iterator[ox.Quad]:
        return self.quads_for_pattern()

    def __len__(self) -> int:
        rows = self.engine.select(QueryRequest(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{META_GRAPH}>) }}"))
        n = rows.rows[0]["n"] if rows.rows else None
        return int(n.value) if isinstance(n, ox.Literal) else 0

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        rows = self.engine.select(QueryRequest(
            f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{META_GRAPH}>) }}"))
        return iter([g for r in rows.rows if isinstance(g := r.get("g"), ox.NamedNode)])

    def contains_named_graph(self, graph: Any) -> bool:
        if not isinstance(graph, ox.NamedNode):
            return False
        return self.engine.ask(QueryRequest("ASK { GRAPH ?g { ?s ?p ?o } }", substitutions={"g": graph}))

    def query(self, query: str, *, default_graph: Sequence[ox.NamedNode] | None = None,
              named_graphs: Sequence[ox.NamedNode] | None = None, use_default_graph_as_union: bool = False,
              substitutions: Mapping[ox.Variable, Term] | None = None, base_iri: str | None = None,
              ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | list[ox.Triple]:
        request = QueryRequest(query, substitutions={v.value: t for v, t in (substitutions or {}).items()} or None,
                               default_graph_uris=[g.value for g in default_graph or ()],
                               named_graph_uris=[g.value for g in named_graphs or ()], base_iri=base_iri)
        if _query_form(query) is ResultKind.GRAPH:
            return self.engine.construct(request)
        return self.engine._solutions(request)


# ----------------------------------------------------------------------------- helpers


def _multi(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """httpx form data: repeated names become lists."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            out[key] = [*out[key], value] if isinstance(out[key], list) else [out[key], value]
        else:
            out[key] = value
    return out


def _remote_error(status: int, body: str, *, writing: bool = False) -> errors.KgError:
    """The remote's refusal, as ours: its message is passed on (it names the query's fault)."""
    text = " ".join(body.split())[:400]
    if status in (401, 403):
        return errors.StoreUnavailable(f"the remote store refused Tregua's credentials ({status})",
                                       hint="the operator should check KG_SPARQL_USER / KG_SPARQL_PASSWORD"
                                            + (" and the store's update rights" if writing else ""))
    if status in (400, 422) or (status == 500 and "37000" in text):  # Virtuoso: 37000 = the query's fault
        return errors.BadRequest(f"the remote store refused the {'update' if writing else 'query'}: {text}",
                                 hint="check the query; the remote store's dialect may differ (docs/deployment.md)")
    if status in (408, 504):
        return errors.QueryTimeout(f"the remote store stopped the query ({status}): {text}",
                                   hint="simplify the query or add LIMIT")
    return errors.StoreUnavailable(f"the remote store answered {status}",
                                   hint="retry later; if it persists, tell the operator")


def _too_long(limit: float) -> errors.QueryTimeout:
    return errors.QueryTimeout(f"the query ran longer than {limit:g} s", hint="simplify the query or add LIMIT")


@contextlib.contextmanager
def _http_errors(engine: SparqlEngine, limit: float, failed: str, hint: str) -> Iterator[None]:
    """httpx's failures as ours, said once for sending and for reading: a timeout (counted in
    `engine.timeouts`), or the store unavailable."""
    try:
        yield
    except httpx.TimeoutException as exc:
        engine.timeouts += 1
        raise _too_long(limit) from exc
    except httpx.HTTPError as exc:
        raise errors.StoreUnavailable(f"the remote store {failed} ({type(exc).__name__})", hint=hint) from exc


def _timed(response: httpx.Response, deadline: float, limit: float, engine: SparqlEngine) -> Iterator[bytes]:
    tail = b""
    with _http_errors(engine, limit, "broke off its answer", "retry later"):
        for chunk in response.iter_raw(CHUNK) if _identity(response) else response.iter_bytes(CHUNK):
            if time.monotonic() > deadline:
                engine.timeouts += 1
                raise _too_long(limit)
            tail = (tail + chunk)[-128:]
            yield chunk
    if _CANCELLED in tail:
        engine.timeouts += 1
        raise errors.QueryTimeout("the remote store cancelled the query (its own time limit)",
                                  hint="simplify the query or add LIMIT")


def _identity(response: httpx.Response) -> bool:
    return response.headers.get("content-encoding", "identity") in ("", "identity")


def _stream(response: httpx.Response, deadline: float, limit: float, engine: SparqlEngine) -> Iterator[bytes]:
    """The remote's bytes; the connection goes back to the pool when the stream ends or is closed."""
    try:
        # Hold back the last bytes until the end: a cancelled Oxigraph answer must not reach the
        # client as if it were whole.
        held = b""
        for chunk in _timed(response, deadline, limit, engine):
            data = held + chunk
            held = data[-len(_CANCELLED):]
            if data[:-len(_CANCELLED)]:
                yield data[:-len(_CANCELLED)]
        if held:
            yield held
    finally:
        response.close()


def _convert(data: bytes, got: str, kind: ResultKind, wanted: ox.QueryResultsFormat | ox.RdfFormat) -> bytes:
    """The remote's answer in another format than asked: parsed and re-serialised by pyoxigraph."""
    if isinstance(wanted, ox.RdfFormat):
        source = ox.RdfFormat.from_media_type(got) or ox.RdfFormat.N_TRIPLES
        triples = [q.triple for q in ox.parse(data, format=source)]
        return ox.serialize(triples, format=wanted) or b""
    source_r = ox.QueryResultsFormat.from_media_type(got) or ox.QueryResultsFormat.JSON
    result = ox.parse_query_results(fix_bnodes(data), format=source_r)
    return result.serialize(format=wanted) or b""


class _ResponseFile(io.RawIOBase):
    """The response body as a file, so that pyoxigraph parses the results as they arrive."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self.buffer:
            chunk = next(self.chunks, None)
            if chunk is None:
                return 0
            self.buffer = chunk
        n = min(len(target), len(self.buffer))
        target[:n] = self.buffer[:n]
        self.buffer = self.buffer[n:]
        return n


def _rows_to_quads(response: httpx.Response, deadline: float, limit: float, engine: SparqlEngine,
                   graph_format: ox.RdfFormat, batch: int = 5000) -> Iterator[bytes]:
    """SELECT ?s ?p ?o ?g rows, parsed as they stream in, written out a batch of quads at a time
    (N-Quads lines, or TriG blocks: several blocks may name the same graph)."""
    try:
        body = io.BufferedReader(_ResponseFile(_fixed_chunks(_timed(response, deadline, limit, engine))))
        solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        quads: list[ox.Quad] = []
        if not isinstance(solutions, ox.QuerySolutions):
            raise errors.StoreUnavailable("the remote store answered the dump's SELECT with a boolean")
        for row in solutions:
            quads.append(ox.Quad(row["s"], row["p"], row["o"], row["g"]))
            if len(quads) >= batch:
                yield ox.serialize(quads, format=graph_format) or b""
                quads = []
        if quads:
            yield ox.serialize(quads, format=graph_format) or b""
    finally:
        response.close()
