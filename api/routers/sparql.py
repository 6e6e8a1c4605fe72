"""`/sparql` (SPARQL 1.1 Protocol: query) and `/sparql/update` (update, token and SHACL gate).

Plain queries see the union of all named graphs as their default graph; `default-graph-uri` and
`named-graph-uri` narrow the dataset as the protocol says. Results are streamed from the query
worker in chunks. `GET /sparql` without a query answers the SPARQL 1.1 Service Description.
A POST to `/sparql` with an update (form `update=` or `application/sparql-update`) is handled as
a POST to `/sparql/update`, as many clients expect one endpoint for both.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from api import negotiation, shortpath
from api.deps import WriteDep, cached_graph_sizes, engine_of, settings_of, updates_enabled, write_access
from api.errors import ApiError, StreamAborted
from api.head import is_head
from api.streaming import ClosingStreamingResponse
from kg import service
from kg.errors import BadRequest, KgError, ParameterError, QuerySyntaxError
from kg.gate import apply_update
from kg.media import GRAPHS, RESULTS, Offer
from kg.store import description
from kg.store.engine import Engine, QueryRequest, ResultKind, SerializedResult, check_nesting, with_endpoint_hint

router = APIRouter(tags=["sparql"])
query_log = logging.getLogger("tregua.query")

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"

_FORM_RE = re.compile(
    r"^(?:\s+|#[^\n]*(?:\n|$)|PREFIX\s*[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b",
    re.IGNORECASE)


def query_form(query: str) -> ResultKind | None:
    """The result kind a query will give, read from its first keyword (None if unclear).

    >>> query_form("PREFIX a: <http://a/> # hi\\nconstruct { ?s ?p ?o } where { ?s ?p ?o }")
    <ResultKind.GRAPH: 'graph'>
    """
    m = _FORM_RE.match(query)
    if not m:
        return None
    word = m.group(1).upper()
    return {"SELECT": ResultKind.SOLUTIONS, "ASK": ResultKind.BOOLEAN}.get(word, ResultKind.GRAPH)


@dataclass
class Protocol:
    """The protocol parameters of one request, gathered from the URL and the body."""

    params: dict[str, list[str]] = field(default_factory=dict)

    def all(self, name: str) -> list[str]:
        return self.params.get(name, [])

    def one(self, name: str) -> str | None:
        values = self.all(name)
        if len(values) > 1:
            raise ParameterError(name, f"the parameter {name!r} was given {len(values)} times; give it once",
                                 expected="a single value", example=f"{name}=...")
        return values[0] if values else None

    def add(self, more: dict[str, list[str]]) -> None:
        for key, values in more.items():
            self.params.setdefault(key, []).extend(values)


def media_type_of(request: Request) -> tuple[str, str | None]:
    """(media type, charset) of the request body."""
    header = request.headers.get("content-type", "")
    media, *rest = [p.strip() for p in header.split(";")]
    charset = None
    for p in rest:
        key, _, value = p.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.lower(), charset


def decode_utf8(body: bytes, charset: str | None, what: str) -> str:
    if charset not in (None, "utf-8", "utf8"):
        raise ApiError(415, f"the {what} must be encoded in UTF-8, not {charset}",
                       hint="send it as UTF-8 (charset=utf-8), as the SPARQL protocol requires")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the {what} is not valid UTF-8: {exc}", hint="send it encoded as UTF-8") from exc


def parse_form(body: bytes, charset: str | None) -> dict[str, list[str]]:
    text = decode_utf8(body, charset, "form body")
    try:
        return parse_qs(text, keep_blank_values=True, strict_parsing=False, encoding="utf-8", errors="strict")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the form body is not valid URL-encoded UTF-8: {exc}") from exc


#: URL parameters by raw query string: clients repeat the same GET URLs (widgets, lookups), and
#: percent-decoding a long query in Python (urllib's `unquote`) cost tens of µs a request.
_PARAMS: dict[bytes, dict[str, list[str]]] = {}
_PARAMS_MAX = 256
_PARAMS_KEY_MAX = 4096


def url_params(request: Request) -> dict[str, list[str]]:
    raw: bytes = request.scope.get("query_string", b"")
    parsed = _PARAMS.get(raw)
    if parsed is None:
        parsed = {}
        for key, value in request.query_params.multi_items():
            parsed.setdefault(key, []).append(value)
        if len(raw) <= _PARAMS_KEY_MAX:
            if len(_PARAMS) >= _PARAMS_MAX:
                _PARAMS.clear()
            _PARAMS[raw] = parsed
    return {key: list(values) for key, values in parsed.items()}  # a copy: Protocol.add extends it


def _check_iris(values: list[str], name: str) -> list[str]:
    for value in values:
        try:
            ox.NamedNode(value)
        except ValueError as exc:
            raise ParameterError(name, f"{name}={value!r} is not an absolute IRI", expected="an absolute IRI",
                                 example="https://w3id.org/tregua/graph/ontology") from exc
    return values


def _timeout(value: str | None, limit: float) -> float | None:
    """A per-request `timeout` (seconds) may lower the configured limit, never raise it."""
    if value is None or value == "":
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1
    if not seconds > 0:
        raise ParameterError("timeout", f"timeout={value!r} is not a positive number of seconds",
                             expected="a positive number of seconds", example="5")
    return min(seconds, limit)


# ----------------------------------------------------------------------------- query


def service_description(request: Request) -> Response:
    """The SPARQL 1.1 Service Description (`kg.store.description`), in any RDF format the client accepts."""
    fmt = negotiation.choose_graph_format(request.headers.get("accept"), request.query_params.get("format"))
    settings = settings_of(request)
    endpoint = str(request.url.replace(query="", fragment=""))
    triples = description.describe(endpoint, cached_graph_sizes(request), updates=updates_enabled(settings))
    data = ox.serialize(triples, format=fmt.rdf, prefixes=description.PREFIXES) or b""
    return Response(data, media_type=fmt.content_type, headers={"Vary": "Accept"})


def prefers_html(accept: str | None) -> bool:
    """Whether Accept ranks text/html above every RDF format (a browser, not `*/*` or an RDF client).

    >>> prefers_html("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    True
    >>> prefers_html("*/*"), prefers_html("text/turtle, text/html;q=0.5"), prefers_html(None)
    (False, False, False)
    """
    ranges = negotiation.parse_accept(accept)
    html = negotiation.quality(ranges, "text/html")
    return html > 0 and all(html > negotiation.quality(ranges, t.media_type) for t in GRAPHS)


@router.get("/sparql", summary="SPARQL 1.1 query (GET), or the service description without a query")
async def sparql_get(request: Request) -> Response:
    protocol = Protocol(url_params(request))
    if not protocol.all("query"):
        if protocol.all("update"):
            raise ApiError(405, "updates cannot be sent with GET", headers={"Allow": "POST"},
                           hint="POST them to /sparql/update (form `update=` or application/sparql-update)")
        if not protocol.all("format") and prefers_html(request.headers.get("accept")):
            # A person in a browser: the editor, not raw Turtle. Machines keep the description.
            return Response(status_code=303, headers={"Location": "/query", "Vary": "Accept"})
        return await run_in_threadpool(service_description, request)
    return await run_query(request, protocol)


@router.post("/sparql", summary="SPARQL 1.1 query (POST form or application/sparql-query)")
async def sparql_post(request: Request) -> Response:
    media, charset = media_type_of(request)
    protocol = Protocol(url_params(request))
    if media == FORM:
        form = parse_form(await request.body(), charset)
        if "update" in form and "query" not in form:
            return await sparql_update(request, write_access(request))
        protocol.add(form)
    elif media == SPARQL_QUERY:
        protocol.add({"query": [decode_utf8(await request.body(), charset, "query")]})
    elif media == SPARQL_UPDATE:
        return await sparql_update(request, write_access(request))
    else:
        raise _unsupported_media(media, [FORM, SPARQL_QUERY, SPARQL_UPDATE])
    if not protocol.all("query"):
        raise ParameterError("query", "no query in the request", expected="a SPARQL query in `query`",
                             example="query=ASK {}")
    return await run_query(request, protocol)


class SparqlFastPath:
    """Pure ASGI: `GET`/`POST /sparql` go straight to `sparql_get`/`sparql_post`.

    The same handlers the routes above run, minus FastAPI's route matching, endpoint wrappers and
    dependency solving, which were a large part of the server's own time on a small query. Any
    other path or method (HEAD, OPTIONS, PUT...) goes through the app as before. Installed
    innermost, inside the CORS and request-size middleware, so both still apply; errors raised
    by the handlers get the app's own exception handlers (the same lookup Starlette's
    `ExceptionMiddleware` does), and anything unhandled propagates to the server-error handler.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method")
        if (scope["type"] != "http" or scope["path"] != "/sparql" or method not in ("GET", "POST")
                or scope.get("root_path")):
            await self.app(scope, receive, send)
            return
        await shortpath.respond(scope, receive, send,
                                sparql_get if method == "GET" else sparql_post)


def _unsupported_media(media: str, accepted: list[str]) -> ApiError:
    what = f"Content-Type {media!r}" if media else "a request without Content-Type"
    return ApiError(415, f"{what} is not accepted here", hint="send one of: " + ", ".join(accepted),
                    accepted=accepted)


async def run_query(request: Request, protocol: Protocol) -> Response:
    settings = settings_of(request)
    started = time.perf_counter()
    query = protocol.one("query") or ""
    kind = query_form(query)
    outcome = "error"
    try:
        allow = settings.service_allow_list
        service.check(query, allow, base_iri=settings.base_iri)  # before any worker is taken
        formats = protocol.all("format")
        accept = request.headers.get("accept")
        solutions = _choose(ResultKind.SOLUTIONS, accept, _format(formats, ResultKind.SOLUTIONS)) \
            if kind in (None, ResultKind.SOLUTIONS, ResultKind.BOOLEAN) else RESULTS.default
        graph = _choose(ResultKind.GRAPH, accept, _format(formats, ResultKind.GRAPH)) \
            if kind in (None, ResultKind.GRAPH) else GRAPHS.default
        check_nesting(query)  # before any parser: too deep a nesting overflows pyoxigraph's stack
        qr = QueryRequest(
            query,
            default_graph_uris=_check_iris(protocol.all("default-graph-uri"), "default-graph-uri"),
            named_graph_uris=_check_iris(protocol.all("named-graph-uri"), "named-graph-uri"),
            timeout=_timeout(protocol.one("timeout"), settings.query_timeout),
            base_iri=settings.base_iri,
            service_allow=allow,
        )
        result = await serialize(engine_of(request), qr, solutions.results, graph.rdf)
        chosen = graph if result.kind is ResultKind.GRAPH else solutions
        outcome = "ok"
    except KgError as exc:
        _log(query, kind, type(exc).__name__, started, 0)
        if isinstance(exc, QuerySyntaxError):
            with_endpoint_hint(exc, query, sent_as="query")
        raise
    headers = {"Vary": "Accept"}
    close = getattr(result.chunks, "close", None)  # a stream that holds a worker
    if close is None:  # the whole answer is here already
        data = b"".join(result.chunks)
        _log(query, result.kind, outcome, started, len(data))
        return Response(data, media_type=chosen.content_type, headers=headers)
    return ClosingStreamingResponse(_logged(result.chunks, query, result.kind, started), close=close,
                                    media_type=chosen.content_type, headers=headers)


#: `negotiation.choose` answers by (kind, Accept, format=): clients repeat the same few Accept
#: headers, and parsing a long one cost up to ~20 µs a query. Refusals are not kept (they raise).
_CHOSEN: dict[tuple[ResultKind, str | None, str | None], Offer] = {}
_CHOSEN_MAX = 512


def _format(values: list[str], kind: ResultKind) -> str | None:
    """The one `format=` asked for (None: Accept decides); repeats that agree are one."""
    if len(values) <= 1 and "," not in (values[0] if values else ""):
        return values[0] if values and values[0] else None
    return negotiation.agreed_format(values, kind)


def _choose(kind: ResultKind, accept: str | None, fmt_param: str | None) -> Offer:
    key = (kind, accept, fmt_param)
    media = _CHOSEN.get(key)
    if media is None:
        media = negotiation.choose(kind, accept=accept, format_param=fmt_param)
        if len(_CHOSEN) >= _CHOSEN_MAX:
            _CHOSEN.clear()
        _CHOSEN[key] = media
    return media


async def serialize(engine: Engine, qr: QueryRequest, solutions: ox.QueryResultsFormat,
                    graph: ox.RdfFormat) -> SerializedResult:
    """Through the pool's event-loop path when it has one, else in a thread (blocking engines)."""
    native = getattr(engine, "serialize_async", None)
    if native is not None:
        result: SerializedResult = await native(qr, solutions_format=solutions, graph_format=graph)
        return result
    return await run_in_threadpool(engine.serialize, qr, solutions_format=solutions, graph_format=graph)


def _logged(chunks: Iterator[bytes], query: str, kind: ResultKind | None, started: float) -> Iterator[bytes]:
    size = 0
    outcome = "cut"
    try:
        for chunk in chunks:
            size += len(chunk)
            yield chunk
        outcome = "ok"
    except KgError as exc:
        # Headers are sent: no error response is possible any more. Raising aborts the connection,
        # so the client sees an incomplete body rather than a short one that looks whole.
        outcome = type(exc).__name__
        raise StreamAborted(str(exc)) from None
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
        _log(query, kind, f"{outcome}-streamed", started, size)


def _log(query: str, kind: ResultKind | None, outcome: str, started: float, size: int) -> None:
    if not query_log.isEnabledFor(logging.INFO):
        return
    ms = (time.perf_counter() - started) * 1000
    head = " ".join(query.split())[:120]
    query_log.info("query form=%s outcome=%s ms=%.1f bytes=%d q=%r", kind.value if kind else "?", outcome, ms,
                   size, head)


@router.api_route("/sparql", methods=["PUT", "DELETE", "PATCH"], include_in_schema=False)
@router.api_route("/sparql/update", methods=["GET", "PUT", "DELETE", "PATCH"], include_in_schema=False)
async def wrong_method(request: Request) -> Response:
    allowed = "POST" if request.url.path.endswith("/update") else "GET, HEAD, POST"
    method = "HEAD" if is_head(request) else request.method
    raise ApiError(405, f"{method} is not allowed on {request.url.path}", headers={"Allow": allowed},
                   hint=f"use {allowed}")


# ----------------------------------------------------------------------------- update


@router.post("/sparql/update", summary="SPARQL 1.1 update (bearer token; SHACL-gated, atomic)")
async def sparql_update(request: Request, access: WriteDep) -> Response:
    media, charset = media_type_of(request)
    protocol = Protocol(url_params(request))
    if media == FORM:
        form = parse_form(await request.body(), charset)
        if "query" in form:
            raise BadRequest("a query was sent to the update endpoint", hint="send queries to /sparql")
        protocol.add(form)
    elif media == SPARQL_UPDATE:
        protocol.add({"update": [decode_utf8(await request.body(), charset, "update")]})
    else:
        raise _unsupported_media(media, [FORM, SPARQL_UPDATE])
    update = protocol.one("update")
    if update is None:
        raise ParameterError("update", "no update in the request", expected="a SPARQL update in `update`",
                             example="update=INSERT DATA { ... }")
    using = _check_iris(protocol.all("using-graph-uri"), "using-graph-uri")
    using_named = _check_iris(protocol.all("using-named-graph-uri"), "using-named-graph-uri")
    settings = settings_of(request)
    started = time.perf_counter()
    who = f"who={access.label} request={access.request_id}"
    try:
        report = await run_in_threadpool(apply_update, access.store, update, base_iri=settings.base_iri,
                                         using=using, using_named=using_named, **access.gate_kwargs())
    except KgError as exc:
        _log(update, None, f"update-{type(exc).__name__} {who}", started, 0)
        if isinstance(exc, QuerySyntaxError):
            with_endpoint_hint(exc, update, sent_as="update")
        raise
    _log(update, None, f"update-ok +{report.added} -{report.removed} {who}", started, 0)
    body: dict[str, Any] = {"status": "committed", **report.as_dict()}
    return JSONResponse(body)
