"""The one door through which everything reads the store.

Two implementations share the `Engine` protocol: `InProcessEngine` runs queries on a
pyoxigraph `Store` in this process (tests, the CLI, the floor in benchmarks), and the
worker-pool engine (`kg.store.workers`) runs them in processes that can be ended on timeout,
since pyoxigraph cannot cancel a running query. Callers never see which one they have.

Plain queries see the union of all named graphs as their default graph (documented in
docs/endpoint.md); `default-graph-uri` / `named-graph-uri` narrow that as the SPARQL protocol says.
Parameters are bound with pyoxigraph's ``substitutions``: values never enter the query text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, TypeVar

import pyoxigraph as ox

from kg import service
from kg.errors import QuerySyntaxError, ResultTooLarge
from kg.iris import PREFIXES

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Subject = ox.NamedNode | ox.BlankNode | ox.Triple  # the subject position, as pyoxigraph types it
T = TypeVar("T")


def lexical(term: Term) -> str:
    """A solution term's text: an IRI, a literal's lexical form or a blank node's id (its
    `.value`); a quoted triple, which has no `.value`, in N-Triples.

    >>> lexical(ox.Literal("7", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")))
    '7'
    """
    return str(term) if isinstance(term, ox.Triple) else term.value


class ResultKind(StrEnum):
    SOLUTIONS = "solutions"
    BOOLEAN = "boolean"
    GRAPH = "graph"


@dataclass(frozen=True)
class QueryRequest:
    """A query and how to run it. `substitutions` maps variable names (no `?`) to terms."""

    query: str
    substitutions: Mapping[str, Term] | None = None
    default_graph_uris: Sequence[str] = ()
    named_graph_uris: Sequence[str] = ()
    timeout: float | None = None
    base_iri: str | None = None
    #: SERVICE endpoints this query may call (`KG_SERVICE_ALLOW`); empty: SERVICE is refused.
    service_allow: tuple[str, ...] = ()


@dataclass
class Rows:
    """A SELECT result held in memory: variable names in query order, and one dict per row."""

    variables: list[str]
    rows: list[dict[str, Term]] = field(default_factory=list)


@dataclass
class SerializedResult:
    """A result already in its wire format, as chunks, so the HTTP layer can stream it."""

    kind: ResultKind
    media_type: str
    chunks: Iterator[bytes]


class Engine(Protocol):
    """What the API and the other core modules may ask of a store."""

    @property
    def version(self) -> str:
        """Changes whenever the data changes (a build or a committed write): feeds ETags."""
        ...

    def select(self, request: QueryRequest, *, max_rows: int | None = None) -> Rows: ...

    def select_with(self, request: QueryRequest, fn: Callable[..., T], *args: Any,
                    max_rows: int | None = None) -> T:
        """`fn(rows, *args)`, computed where the rows are: in a worker process, only `fn`'s answer
        crosses back (a rendered page is far cheaper to send than the terms it was made from).
        `fn` must be a module-level function, so that it can be sent by name."""
        ...

    def ask(self, request: QueryRequest) -> bool: ...

    def construct(self, request: QueryRequest) -> list[ox.Triple]: ...

    def serialize(self, request: QueryRequest, *, solutions_format: ox.QueryResultsFormat,
                  graph_format: ox.RdfFormat) -> SerializedResult: ...

    def quads(self, subject: Subject | None = None, predicate: ox.NamedNode | None = None,
              object: Term | None = None, graph: ox.NamedNode | ox.DefaultGraph | None = None,
              ) -> list[ox.Quad]: ...

    def dump(self, graph_format: ox.RdfFormat, *, timeout: float | None = None) -> SerializedResult:
        """The whole store (every graph) in a dataset format, N-Quads or TriG, as chunks."""
        ...


_POSITION_RE = re.compile(r"at line (\d+) column (\d+)|(\d+):(\d+)")


#: Deepest bracket nesting accepted in a query or an update. pyoxigraph's SPARQL parser recurses
#: once per level and overflows the stack (a segfault, which kills the process) from about 3,000
#: nested groups; no real query comes near 256.
MAX_NESTING = 256
_NESTING_RE = re.compile(r"""
  (?P<skip>\#[^\n]*                                   # a comment
  | <[^<>"{}|^`\\\x00-\x20]*>                       # an IRI
  | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
  | "(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')    # a string
| (?P<open>[{(\[]) | (?P<close>[})\]])
""", re.X | re.S)


def check_nesting(text: str, *, limit: int = MAX_NESTING) -> None:
    """Refuse SPARQL whose brackets nest deeper than `limit`, before any parser sees it.

    Brackets inside strings, IRIs and comments do not count.

    >>> check_nesting("SELECT * WHERE { { ?s ?p '((((' } }")
    >>> check_nesting("ASK " + "{" * 300 + "}" * 300)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kg.errors.QuerySyntaxError: brackets nested deeper than 256 levels at line 1, column 261...
    """
    depth = 0
    for m in _NESTING_RE.finditer(text):
        if m.lastgroup == "open":
            depth += 1
            if depth > limit:
                line = text.count("\n", 0, m.start()) + 1
                column = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
                raise QuerySyntaxError(
                    f"brackets nested deeper than {limit} levels at line {line}, column {column}: "
                    "split the query or flatten its groups", line=line, column=column)
        elif m.lastgroup == "close":
            depth = max(depth - 1, 0)


#: The hint of a syntax error in text that is the other kind of SPARQL request.
WRONG_ENDPOINT = {
    "query": "this is an update: POST it to /sparql/update with the write token",
    "update": "this is a query: send it to /sparql",
}


def wrong_endpoint(text: str, *, sent_as: str) -> str | None:
    """The hint to give when `text`, refused as a `sent_as` ("query" or "update"), parses as the other.

    pyoxigraph's parser then names the wrong keyword ("expected CONSTRUCT" for an update sent as a
    query), so we try its parser for the other kind on an empty in-memory store: cheap, and
    nothing is read or written. Text naming SERVICE is not tried (that would call out).

    >>> wrong_endpoint("INSERT DATA { <urn:a> <urn:b> <urn:c> }", sent_as="query")
    'this is an update: POST it to /sparql/update with the write token'
    >>> wrong_endpoint("SELECT * WHERE { ?s ?p ?o }", sent_as="update")
    'this is a query: send it to /sparql'
    >>> wrong_endpoint("SELEC * WHERE {}", sent_as="update") is None
    True
    """
    if "service" in text.lower():
        return None
    try:
        check_nesting(text)
        if sent_as == "query":
            ox.Store().update(text)
        else:
            ox.Store().query(text)
    except SyntaxError:
        return None
    except Exception:
        pass
    return WRONG_ENDPOINT[sent_as]


def with_endpoint_hint(exc: QuerySyntaxError, text: str, *, sent_as: str) -> QuerySyntaxError:
    """`exc` with the wrong-endpoint hint when `text` is the other kind of request (see above)."""
    hint = wrong_endpoint(text, sent_as=sent_as)
    if hint is not None:
        exc.hint = hint
    return exc


def syntax_error(exc: SyntaxError) -> QuerySyntaxError:
    """Turn pyoxigraph's SyntaxError into ours, keeping the parser's message and position."""
    msg = str(exc)
    m = _POSITION_RE.search(msg)
    line = col = None
    if m:
        line = int(m.group(1) or m.group(3))
        col = int(m.group(2) or m.group(4))
    return QuerySyntaxError(msg, line=line, column=col)


def run_query(store: ox.Store, request: QueryRequest) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """Run one query on a store; raises QuerySyntaxError for text that does not parse.

    Every read of the store passes here, in the query worker too, so the SERVICE guard
    (`kg.service`) is checked here whatever the caller checked before: pyoxigraph offers no
    way to turn SERVICE off, and a call refused here has opened no connection.
    """
    service.check(request.query, request.service_allow, base_iri=request.base_iri)
    # The request's dataset (default graph: the union, unless it names its own) and bindings.
    default_graph: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [
        ox.NamedNode(g) for g in request.default_graph_uris]
    named_graphs: list[ox.NamedNode | ox.BlankNode] = [ox.NamedNode(g) for g in request.named_graph_uris]
    substitutions = {ox.Variable(k): v for k, v in (request.substitutions or {}).items()}
    try:
        return store.query(request.query, use_default_graph_as_union=not default_graph,
                           default_graph=default_graph or None, named_graphs=named_graphs or None,
                           substitutions=substitutions or None, base_iri=request.base_iri or None)
    except SyntaxError as exc:
        raise syntax_error(exc) from exc


def collect_rows(result: ox.QuerySolutions, max_rows: int | None) -> Rows:
    """A SELECT result in memory, refused past `max_rows` rather than filling the memory."""
    names = [v.value for v in result.variables]
    rows: list[dict[str, Term]] = []
    for solution in result:
        rows.append({n: solution[n] for n in names if solution[n] is not None})
        if max_rows is not None and len(rows) > max_rows:
            raise ResultTooLarge(f"the result has more than {max_rows} rows",
                                 hint="add LIMIT, page with limit/offset, or ask for a streamed format")
    return Rows(names, rows)


def result_kind(result: object) -> ResultKind:
    if isinstance(result, ox.QuerySolutions):
        return ResultKind.SOLUTIONS
    if isinstance(result, ox.QueryBoolean):
        return ResultKind.BOOLEAN
    return ResultKind.GRAPH


class InProcessEngine:
    """Runs queries on a `Store` in this process. No timeout can be enforced here."""

    def __init__(self, store: ox.Store, *, version: str = "0") -> None:
        self.store = store
        self._version = version

    @property
    def version(self) -> str:
        return self._version

    def bump_version(self, version: str) -> None:
        self._version = version

    def select(self, request: QueryRequest, *, max_rows: int | None = None) -> Rows:
        result = run_query(self.store, request)
        if not isinstance(result, ox.QuerySolutions):
            raise QuerySyntaxError("expected a SELECT query")
        return collect_rows(result, max_rows)

    def select_with(self, request: QueryRequest, fn: Callable[..., T], *args: Any,
                    max_rows: int | None = None) -> T:
        return fn(self.select(request, max_rows=max_rows), *args)

    def ask(self, request: QueryRequest) -> bool:
        result = run_query(self.store, request)
        if not isinstance(result, ox.QueryBoolean):
            raise QuerySyntaxError("expected an ASK query")
        return bool(result)

    def construct(self, request: QueryRequest) -> list[ox.Triple]:
        result = run_query(self.store, request)
        if not isinstance(result, ox.QueryTriples):
            raise QuerySyntaxError("expected a CONSTRUCT or DESCRIBE query")
        return list(result)

    def serialize(self, request: QueryRequest, *, solutions_format: ox.QueryResultsFormat,
                  graph_format: ox.RdfFormat) -> SerializedResult:
        result = run_query(self.store, request)
        kind = result_kind(result)
        if isinstance(result, ox.QueryTriples):  # kind is ResultKind.GRAPH
            data = ox.serialize(result, format=graph_format)
            media = graph_format.media_type
        else:
            data = result.serialize(format=solutions_format)
            media = solutions_format.media_type
        return SerializedResult(kind, media, iter([data or b""]))

    def quads(self, subject: Subject | None = None, predicate: ox.NamedNode | None = None,
              object: Term | None = None, graph: ox.NamedNode | ox.DefaultGraph | None = None,
              ) -> list[ox.Quad]:
        return list(self.store.quads_for_pattern(subject, predicate, object, graph))

    def dump(self, graph_format: ox.RdfFormat, *, timeout: float | None = None) -> SerializedResult:
        """In one piece: an in-process store is a test's or a small one."""
        data = self.store.dump(format=graph_format, prefixes=dict(PREFIXES)) or b""
        return SerializedResult(ResultKind.GRAPH, graph_format.media_type, iter([data]))
