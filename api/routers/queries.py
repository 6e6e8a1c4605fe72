"""Canned queries over HTTP: the list, and one typed GET operation per `.rq` file.

Each query gets its own route, registered at import, so the OpenAPI document (and /docs)
shows it with its typed, documented parameters. Parameters are not validated by FastAPI:
`kg.canned` checks them so that a bad one gets our 400 (naming the parameter, what was
expected, an example) rather than a generic 422. A broken query file fails the import, so the
server never starts with a query that would fail its callers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from api import negotiation, shortpath
from api.deps import EngineDep, SettingsDep, engine_of, settings_of
from api.negotiation import html_over_json, match, parse_accept
from api.security import EMBEDDABLE
from api.templating import local_href, page_language, render
from kg import canned, media, paths
from kg.canned.params import PAGE_LANGUAGE
from kg.config import Settings
from kg.errors import ParameterError, UnsupportedFormat
from kg.pages import embeds, views
from kg.store.engine import Engine

TAG = "canned queries"

#: `format=` names, in the order they are listed (the menu is kg.media.CANNED).
FORMAT_NAMES = media.CANNED.short_names()


def choose_format(format_param: str | None, accept: str | None) -> str:
    """`format=` decides outright; otherwise the best q-value, then the most specific range.

    >>> choose_format(None, "text/html,application/xhtml+xml,*/*;q=0.8")
    'html'
    >>> choose_format(None, "*/*"), choose_format("csv", "text/html")
    ('json', 'csv')

    Plain TSV for `text/tab-separated-values`; SPARQL 1.1 TSV when the range names its profile:

    >>> choose_format(None, 'text/tab-separated-values; profile="' + canned.SPARQL_TSV_PROFILE + '"')
    'sparql-tsv'
    """
    if format_param is not None and format_param != "":
        if format_param not in FORMAT_NAMES:
            raise ParameterError("format", f"unknown format {format_param!r}",
                                 expected="one of " + ", ".join(FORMAT_NAMES), example="format=csv")
        return format_param
    ranges = parse_accept(accept)
    best, best_key = None, (0.0, -1)
    for offer in media.CANNED_ACCEPT:
        key = match(ranges, offer.media_type)
        if key[0] > 0 and key > best_key:
            best, best_key = offer.short, key
    if best is None:
        raise UnsupportedFormat(f"none of the media types in Accept: {accept!r} is served here",
                                offered=[o.media_type for o in media.CANNED_ACCEPT])
    if best == "tsv" and any(r.matches("text/tab-separated-values") and ("profile", canned.SPARQL_TSV_PROFILE)
                             in r.params for r in ranges if r.q > 0):
        return "sparql-tsv"
    return best


def _page_links(request: Request, page: canned.Page, total: int) -> dict[str, str]:
    """rel -> URL for first/prev/next/last, in the paging style the caller used."""
    params = dict(request.query_params)
    limit = page.limit
    if limit is None:
        return {}
    use_pages = "page" in params or "per_page" in params
    for key in ("limit", "offset", "page", "per_page"):
        params.pop(key, None)

    def url(offset: int) -> str:
        extra = {"page": offset // limit + 1, "per_page": limit} if use_pages else {"limit": limit,
                                                                                     "offset": offset}
        return str(request.url.replace(query=urlencode({**params, **extra})))

    links = {"first": url(0)}
    for rel, offset in (("prev", page.prev_offset()), ("next", page.next_offset(total)),
                        ("last", page.last_offset(total))):
        if offset is not None:
            links[rel] = url(offset)
    return links


def _format_url(request: Request, fmt: str) -> str:
    params = {k: v for k, v in request.query_params.items() if k != "format"}
    return str(request.url.replace(query=urlencode({**params, "format": fmt})))


def _html(request: Request, result: canned.CannedResult, links: dict[str, str], base_iri: str) -> Response:
    lang = page_language(request)
    rows = []
    for row in result.rows:
        cells = []
        for v in result.variables:
            term = row.get(v)
            text = canned.plain_value(term)
            numeric = isinstance(canned.json_value(term), int | float)
            href = local_href(text, base_iri) if isinstance(term, ox.NamedNode) else None
            # an English label standing in for a missing Spanish one says so (screen readers)
            other = term.language if isinstance(term, ox.Literal) and term.language not in ("", lang) else None
            cells.append({"text": text, "href": href, "numeric": numeric, "lang": other})
        rows.append(cells)
    base = str(request.base_url).rstrip("/")
    params = tuple((k, v) for k, v in request.query_params.multi_items() if k not in ("format", "lang"))
    embed = embeds.Embed(result.query.name, "table", params, lang)
    title = embeds.title(result.query.summary)
    # a snippet for every view the answer supports (a chart for counts, a timeline for dates...)
    others = [embeds.Embed(result.query.name, v, params, lang)
              for v in views.views_of(result.variables, result.rows) if v != "table"]
    context = {
        "query": result.query, "columns": result.variables, "rows": rows, "total": result.total,
        # the labels' language is the page's own, not a filter worth repeating above the table
        "offset": result.page.offset, "links": links,
        "values": {k: v for k, v in result.shown.items() if k != PAGE_LANGUAGE},
        "formats": {f: _format_url(request, f) for f in FORMAT_NAMES if f != "html"},
        # the copy-paste snippet and oEmbed discovery (kg.pages.embeds; /embed and /oembed: routers/views.py)
        "embed_url": base + embed.path, "data_url": embed.data_path,
        "embed_snippet": embeds.snippet(base, embed, title, embeds.height("table", len(rows))),
        "other_embeds": [{"view": e.view, "url": base + e.path,
                          "snippet": embeds.snippet(base, e, title, embeds.height(e.view, len(rows)))} for e in others],
        "oembed_url": f"{base}/oembed?" + urlencode({"url": base + embed.path, "format": "json"}),
    }
    return render(request, "queries_result.html", context)


def with_page_language(query: canned.CannedQuery, pairs: list[tuple[str, str]], lang: str,
                       ) -> list[tuple[str, str]]:
    """The parameters of a page that shows the answer: the page's language (`?lang=` when it names
    one of ours, else `Accept-Language`: `api.templating.page_language`) as the query's `lang`, so
    that the labels are in the language of the page around them. As on every page, a `?lang=` we
    do not speak falls back rather than failing. A query without `lang` is left as it is.

    >>> from kg import paths
    >>> q = canned.load_query(paths.QUERIES_DIR / "positions.rq")
    >>> with_page_language(q, [("position", "reject"), ("lang", "fr")], "es")
    [('position', 'reject'), ('lang', 'es')]
    """
    if query.param(PAGE_LANGUAGE) is None:
        return pairs
    return [(k, v) for k, v in pairs if k != PAGE_LANGUAGE] + [(PAGE_LANGUAGE, lang)]


def _prepare(request: Request, engine: Engine, settings: Settings, query: canned.CannedQuery,
             ) -> tuple[str, canned.BoundQuery, canned.Page, dict[str, str], Response | None]:
    """Validate everything; the 304 response when the caller's copy is current."""
    pairs = list(request.query_params.multi_items())
    params = dict(pairs)
    fmt = choose_format(params.get("format"), request.headers.get("accept"))
    if fmt == "html":
        pairs = with_page_language(query, pairs, page_language(request))
    bound = query.bind(pairs, timeout=settings.query_timeout)
    page = canned.Page.from_params(params, default_size=query.page_size, max_size=settings.max_result_rows)
    # the HTML table is in the reader's language: its ETag names it, so a cached English page is
    # never revalidated as Spanish. The data formats take `lang` from the URL only (English by
    # default), so they are the same bytes whatever the browser's Accept-Language.
    tag = canned.etag(engine.version, query, bound.values, page,
                      f"html-{page_language(request)}" if fmt == "html" else fmt)
    vary = "Accept, Accept-Language" if fmt == "html" else "Accept"
    headers = {"ETag": tag, "Cache-Control": f"public, max-age={settings.cache_max_age}", "Vary": vary}
    if _matches(request.headers.get("if-none-match"), tag):
        return fmt, bound, page, headers, Response(status_code=304, headers=headers)
    return fmt, bound, page, headers, None


def _paging_headers(request: Request, page: canned.Page, total: int, headers: dict[str, str],
                    ) -> dict[str, str]:
    """Link (first/prev/next/last) and the count, added to `headers`; the links, for the HTML page."""
    links = _page_links(request, page, total)
    if links:
        headers["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())
    headers["X-Total-Count"] = str(total)
    return links


def _finish_html(request: Request, settings: Settings, result: canned.CannedResult, headers: dict[str, str],
                 ) -> Response:
    """The embeddable, sortable table page, with paging links."""
    links = _paging_headers(request, result.page, result.total, headers)
    response = _html(request, result, links, settings.base_iri)
    response.headers.update(headers)
    response.headers["Content-Security-Policy"] = EMBEDDABLE  # made to be framed on other sites
    return response


def _finish_rendered(request: Request, query: canned.CannedQuery, page: canned.Page,
                     rendered: canned.RenderedPage, fmt: str, headers: dict[str, str]) -> Response:
    """A page the query worker already wrote out, with paging links."""
    _paging_headers(request, page, rendered.total, headers)
    if fmt in ("csv", "tsv", "sparql-tsv"):  # a spreadsheet that saves the answer gets a sensible file name
        headers["Content-Disposition"] = f'inline; filename="{query.name}.{fmt.removeprefix("sparql-")}"'
    return Response(rendered.body, media_type=canned.FORMATS[fmt], headers=headers)


def answer(request: Request, engine: Engine, settings: Settings, query: canned.CannedQuery,
           cache: canned.ResultCache) -> Response:
    """Validate everything, answer 304 when the caller's copy is current, else run and write out."""
    fmt, bound, page, headers, not_modified = _prepare(request, engine, settings, query)
    if not_modified is not None:
        return not_modified
    cache.size = settings.canned_cache_entries  # the settings are the app's; the cache is the router's
    if fmt == "html":
        result = canned.execute(engine, query, bound, page, max_rows=settings.max_result_rows, cache=cache)
        canned.check_iris(engine, query, bound, result.total)
        return _finish_html(request, settings, result, headers)
    rendered = canned.render(engine, query, bound, page, fmt, max_rows=settings.max_result_rows, cache=cache)
    canned.check_iris(engine, query, bound, rendered.total)
    return _finish_rendered(request, query, page, rendered, fmt, headers)


async def answer_async(request: Request, engine: Engine, settings: Settings, query: canned.CannedQuery,
                       cache: canned.ResultCache) -> Response:
    """`answer` on the event loop: the same checks, cache and bytes, but the worker pool is awaited
    with the loop instead of through a thread. The page is written out in the worker, so only its
    bytes cross the pipe; the HTML page, a template filled here, takes the rows. Engines without
    the async calls run `answer` in a thread."""
    select_with_async = getattr(engine, "select_with_async", None)
    select_async = getattr(engine, "select_async", None)
    if select_with_async is None or select_async is None:
        return await run_in_threadpool(answer, request, engine, settings, query, cache)
    fmt, bound, page, headers, not_modified = _prepare(request, engine, settings, query)
    if not_modified is not None:
        return not_modified
    cache.size = settings.canned_cache_entries
    max_rows = settings.max_result_rows
    if fmt != "html":
        key = canned.page_key(engine, query, bound, page, fmt)
        rendered = cache.get(key)
        if rendered is None:
            rendered = await select_with_async(bound.request, canned.render_rows, query.hidden, page, fmt,
                                               max_rows=max_rows)
            cache.put(key, rendered)
        await _check_iris_async(engine, query, bound, rendered.total)
        return _finish_rendered(request, query, page, rendered, fmt, headers)
    key = canned.cache_key(engine, query, bound)
    rows = cache.get(key)
    if rows is None:
        rows = await select_async(bound.request, max_rows=max_rows)
        cache.put(key, rows)
    result = canned.shape(query, rows, page, bound.values, bound.shown)
    await _check_iris_async(engine, query, bound, result.total)
    if len(result.rows) > INLINE_ROWS:  # a long table page is filled in a thread, off the event loop
        return await run_in_threadpool(_finish_html, request, settings, result, headers)
    return _finish_html(request, settings, result, headers)


async def _check_iris_async(engine: Any, query: canned.CannedQuery, bound: canned.BoundQuery, total: int) -> None:
    """`canned.check_iris` with the pool awaited: only an empty answer costs the extra query."""
    if total:
        return
    request = canned.existence_request(query, bound)
    if request is None:
        return
    missing = canned.missing_iris(query, bound, await engine.select_async(request))
    if missing:
        raise await run_in_threadpool(canned.unknown_iri_error, engine, query, missing)


#: HTML pages with more rows than this are filled in a thread, not on the event loop.
INLINE_ROWS = 1000


_matches = negotiation.etag_matches


def _schema(p: canned.Parameter) -> dict[str, Any]:
    schemas: dict[canned.ParamType, dict[str, Any]] = {
        canned.ParamType.IRI: {"type": "string", "format": "iri"},
        canned.ParamType.INTEGER: {"type": "integer"},
        canned.ParamType.DECIMAL: {"type": "number"},
        canned.ParamType.NUMBER: {"type": "number"},
        canned.ParamType.DATE: {"type": "string", "format": "date"},
        # the values, then the labels also accepted for them (`rejects` for reject...)
        canned.ParamType.ENUM: {"type": "string",
                                "enum": list(dict.fromkeys([*p.values, *(label for label, _ in p.labels)]))},
    }
    base = dict(schemas.get(p.type, {"type": "string"}))
    if p.minimum is not None:
        base["minimum"] = p.minimum
    if p.maximum is not None:
        base["maximum"] = p.maximum
    if p.default is not None:
        base["default"] = p.default
    return base


def _typed_example(p: canned.Parameter) -> Any:
    if p.type is canned.ParamType.INTEGER:
        return int(p.example)
    if p.type in (canned.ParamType.DECIMAL, canned.ParamType.NUMBER):
        return float(p.example)
    return p.example


#: An empty paging parameter is no parameter (`Page.from_params`), as an HTML form sends a blank field.
_EMPTY: dict[str, Any] = {"type": "string", "maxLength": 0}
_COMMON_PARAMS: list[dict[str, Any]] = [
    {"name": "format", "in": "query", "required": False,
     "description": "Result format; without it (or empty), the Accept header decides (plain JSON for */*). `csv` and "
                    "`tsv` are plain (column names, plain values: for spreadsheets); `sparql-tsv` is SPARQL 1.1 "
                    "TSV (also by Accept: text/tab-separated-values; profile=\"" + canned.SPARQL_TSV_PROFILE + "\").",
     "schema": {"type": "string", "enum": [*FORMAT_NAMES, ""]}},
    {"name": "limit", "in": "query", "required": False, "description": "Rows per page (empty: not given).",
     "schema": {"anyOf": [{"type": "integer", "minimum": 1}, _EMPTY]}},
    {"name": "offset", "in": "query", "required": False, "description": "Rows to skip (empty: not given).",
     "schema": {"anyOf": [{"type": "integer", "minimum": 0}, _EMPTY]}},
    {"name": "page", "in": "query", "required": False,
     "description": "Page number, from 1 (grlc style; empty: not given).",
     "schema": {"anyOf": [{"type": "integer", "minimum": 1}, _EMPTY]}},
    {"name": "per_page", "in": "query", "required": False,
     "description": "Rows per page (grlc style; empty: not given).",
     "schema": {"anyOf": [{"type": "integer", "minimum": 1}, _EMPTY]}},
]


def openapi_operation(query: canned.CannedQuery) -> dict[str, Any]:
    """The OpenAPI parameters and responses of one canned query."""
    params = [{"name": p.name, "in": "query", "required": p.required,
               "description": (p.description + f" Expected: {p.expected}.").strip(),
               "schema": _schema(p), "example": _typed_example(p)} for p in query.params]
    content: dict[str, Any] = {m.split(";")[0]: {"schema": {"type": "string"}} for m in canned.FORMATS.values()}
    # The two JSON forms, as their bodies really are: plain objects (one per row, numbers as
    # numbers, unbound as null) and the W3C SPARQL 1.1 JSON results.
    content["application/json"] = {"schema": {
        "type": "array", "items": {"type": "object", "properties": {v: {} for v in query.variables}}}}
    content["application/sparql-results+json"] = {"schema": {
        "type": "object", "required": ["head"],
        "properties": {"head": {"type": "object"}, "results": {"type": "object"}, "boolean": {"type": "boolean"}}}}
    return {
        "parameters": params + _COMMON_PARAMS,
        "responses": {
            "200": {"description": "The rows, in the format asked for. Columns: "
                                   + ", ".join(query.variables), "content": content},
            "304": {"description": "Not modified: the If-None-Match ETag is current."},
            "400": {"description": "A parameter is missing, unknown or of the wrong type; the body names "
                                   "it, what was expected and an example."},
            "404": {"description": "An IRI parameter names nothing in the store (asked only when no row came "
                                   "back); the body lists the closest IRIs."},
        },
    }


def _endpoint(query: canned.CannedQuery, cache: canned.ResultCache) -> Callable[..., Any]:
    async def run_canned(request: Request, engine: EngineDep, settings: SettingsDep) -> Response:
        return await answer_async(request, engine, settings, query, cache)

    run_canned.__doc__ = query.description or query.summary
    return run_canned


def build_router(catalog: canned.QueryCatalog, cache: canned.ResultCache | None = None) -> APIRouter:
    """The list, one route per query, and a catch-all that suggests the closest names."""
    router = APIRouter(tags=[TAG])
    cache = cache if cache is not None else canned.ResultCache()

    @router.get("/queries", summary="The canned queries: names, summaries, parameters, example calls",
                response_model=None)
    def list_queries(request: Request, format: str | None = None) -> Response:
        wants_html = format == "html" or (format is None and html_over_json(request.headers.get("accept")))
        base = str(request.base_url).rstrip("/")
        if wants_html:
            lang = page_language(request)
            # each query's table embed, with its example's parameters, in the page's language
            snippets = {q.name: embeds.snippet(base, embeds.Embed(q.name, "table", _example_params(q), lang),
                                               embeds.title(q.summary), 400) for q in catalog}
            return render(request, "queries.html", {"queries": list(catalog), "active": "/queries",
                                                    "base_url": base, "snippets": snippets})
        if format not in (None, "json"):
            raise ParameterError("format", f"unknown format {format!r} for the list",
                                 expected="json or html", example="format=json")
        return JSONResponse({"queries": [q.describe(base) for q in catalog]})

    for query in catalog:
        description = (query.description + f"\n\nExample: `{query.example}`").strip()
        router.add_api_route(
            f"/queries/{query.name}", _endpoint(query, cache), methods=["GET"], name=f"canned-{query.name}",
            summary=query.summary, description=description, tags=[TAG, *query.tags],
            operation_id=f"canned_{query.name.replace('-', '_')}", openapi_extra=openapi_operation(query),
            response_class=Response, response_model=None)

    @router.get("/queries/{name}", include_in_schema=False, response_model=None)
    def unknown_query(name: str) -> Response:
        catalog.get(name)  # raises NotFound with the closest names
        raise AssertionError("unreachable: every known query has its own route")

    return router


def _example_params(query: canned.CannedQuery) -> tuple[tuple[str, str], ...]:
    """The parameters of a query's example call (`/queries/NAME?a=1`), but its format and language."""
    return tuple((k, v) for k, v in parse_qsl(urlsplit(query.example).query) if k not in ("format", "lang"))


CATALOG = canned.load_queries(paths.QUERIES_DIR)
CACHE = canned.ResultCache()
router = build_router(CATALOG, CACHE)

_PREFIX = "/queries/"


class QueriesFastPath:
    """Pure ASGI: `GET /queries/{name}` goes straight to `answer` (or to the 404 with suggestions).

    The same work the generated routes above do, minus FastAPI's route matching over every route
    of the app, its endpoint wrapper and dependency solving, like `sparql.SparqlFastPath`. The
    routes stay registered for the OpenAPI document and for any request this does not take
    (other methods, nested paths, a `root_path`). Installed innermost, so the size limit and CORS
    still apply; errors get the app's own exception handlers.
    """

    def __init__(self, app: ASGIApp, catalog: canned.QueryCatalog = CATALOG,
                 cache: canned.ResultCache = CACHE) -> None:
        self.app = app
        self.catalog = catalog
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if (not path.startswith(_PREFIX) or scope.get("method") != "GET" or scope.get("root_path")
                or "/" in path[len(_PREFIX):] or len(path) == len(_PREFIX)):
            await self.app(scope, receive, send)
            return
        name = path[len(_PREFIX):]

        async def handle(request: Request) -> Response:
            query = self.catalog.get(name)  # NotFound with the closest names
            return await answer_async(request, engine_of(request), settings_of(request), query, self.cache)

        await shortpath.respond(scope, receive, send, handle)
