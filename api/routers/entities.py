"""Dereferencing: `GET /id/{kind}/{slug}` answers with an HTML page or RDF, as the client asks.

Browsers get a page; RDF tools (rdflib, Jena, curl with an Accept) get the same bounded
description as Turtle, JSON-LD, N-Triples or RDF/XML. A file extension (`.ttl`) or `?format=`
overrides Accept, because a link in a page or a paper cannot set headers. The path is mapped onto
`KG_BASE_IRI`, so the IRI asked about is the same whichever host serves it.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from api import shortpath
from api.deps import EngineDep, SettingsDep, engine_of, service_of, settings_of
from api.negotiation import parse_accept, quality
from api.representation import alternates, choose_representation, link_header, split_extension
from api.templating import page_language, render
from kg import iris
from kg.errors import NotFound
from kg.linking.search import SearchIndex
from kg.media import DOCUMENTS, Offer
from kg.pages.describe import (
    ENTITY_KINDS,
    Description,
    closest_names,
    describe_async,
    entities_of_kind,
    kind_label,
    not_found,
)
from kg.pages.entity_view import build_view, read_passage
from kg.pages.examples import describe_query, editor_query
from kg.pages.ontology_docs import ontology_doc
from kg.paths import text_roots

router = APIRouter(tags=["entities"])


def _serialize(description: Description, media: Offer) -> bytes:
    # No `id:` prefix: slashes in local names would need escaping (`id:person\/x`), which few read well.
    prefixes = {p: ns for p, ns in iris.PREFIXES.items() if p != "id"}
    return ox.serialize(description.triples, format=media.rdf, prefixes=prefixes) or b""


@router.api_route(
    "/id/{kind}/{slug}",
    methods=["GET"],
    response_model=None,
    summary="An entity: HTML page or RDF description",
    responses={
        200: {"content": {"text/html": {}, **{t.media_type: {} for t in DOCUMENTS}}},
        303: {"description": "a hash IRI sent percent-encoded: see its document"},
        404: {"description": "no such entity; the closest names are suggested"},
        406: {"description": "no acceptable format"},
    },
)
async def entity(
    kind: str,
    slug: str,
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    page: Annotated[int, Query(ge=1, le=100_000, description="page of a large description")] = 1,
    format: Annotated[str | None, Query(description="ttl, jsonld, nt, rdf or html; overrides Accept")] = None,
) -> Response:
    if "#" in slug:  # `/id/quote/x%23position`: the hash IRI lives in its document
        document, _, fragment = slug.partition("#")
        return RedirectResponse(f"/id/{quote(kind)}/{quote(document)}#{quote(fragment)}", status_code=303)
    slug, extension = split_extension(slug)
    media = choose_representation(request.headers.get("accept"), extension, format)
    iri = f"{settings.base_iri}id/{kind}/{slug}"
    # The ETag names the store version and the representation, so a revalidation costs no query.
    lang = page_language(request)
    etag = f'W/"{engine.version}-{page}-{media.media_type if media else "text/html;" + lang}"'
    if etag in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers={"Vary": "Accept", "ETag": etag})
    valid = kind in ENTITY_KINDS and iris.SLUG_RE.match(slug) is not None
    description = await describe_async(engine, iri, page=page) if valid else None
    if description is None or not description.exists:
        index = await run_in_threadpool(_search_index, request, engine)
        if media is not None:
            raise not_found(index, iri, base_iri=settings.base_iri)
        closest = closest_names(index, iri, base_iri=settings.base_iri)
        suggestions = [{"iri": s, "label": label} for s, label in closest]
        return render(
            request,
            "not_found.html",
            {"iri": iri, "suggestions": suggestions, "query": slug.replace("-", " ")},
            status_code=404,
            headers={"Vary": "Accept"},
        )

    suffix = f".{extension}" if extension else ""
    link = [link_header(f"/id/{kind}/{slug}")]
    if description.has_next:
        link.append(f'</id/{kind}/{slug}{suffix}?page={page + 1}>; rel="next"')
    if page > 1:
        link.append(f'</id/{kind}/{slug}{suffix}?page={page - 1}>; rel="prev"')
    headers = {"Vary": "Accept", "ETag": etag, "Link": ", ".join(link)}

    if media is not None:
        data = _serialize(description, media)
        return Response(data, media_type=media.content_type, headers=headers)

    view = build_view(description, ontology_doc().vocabulary(lang), lang)
    passage = None
    if view.quote and view.quote.text_file and view.quote.start is not None and view.quote.end is not None:
        passage = read_passage(
            text_roots(settings.shared_dir), view.quote.text_file, view.quote.start, view.quote.end, view.quote.text
        )
    formats = alternates(f"/id/{kind}/{slug}")
    context = {
        "view": view,
        "passage": passage,
        "formats": formats,
        # Both open the query page (a browser at /sparql would get raw N-Triples): the DESCRIBE
        # drawn as a graph, the editable query run as a table.
        "sparql_href": "/query?query=" + quote(describe_query(iri), safe=""),
        "editor_href": "/query?query=" + quote(editor_query(iri), safe=""),
    }
    return render(request, "entity.html", context, headers=headers)


@router.get("/id/{kind}", summary="Every entity of one kind (persons, quotes...), by name", response_model=None)
def entity_index(kind: str, request: Request, engine: EngineDep, settings: SettingsDep) -> Response:
    """A browsable index, so that trimming an entity IRI to its kind still lands somewhere useful."""
    if kind not in ENTITY_KINDS:
        raise NotFound(f"no kind of entity {kind!r}", suggestions=[f"/id/{k}" for k in ENTITY_KINDS])
    index = _search_index(request, engine)
    items = [{"iri": i, "label": label} for i, label in entities_of_kind(index, kind, base_iri=settings.base_iri)]
    ranges = parse_accept(request.headers.get("accept"))
    if quality(ranges, "application/json") > quality(ranges, "text/html"):
        return JSONResponse({"kind": kind, "count": len(items), "entities": items}, headers={"Vary": "Accept"})
    labels = ontology_doc().vocabulary(page_language(request)).labels
    return render(
        request,
        "entity_index.html",
        {"kind": kind, "kind_label": kind_label(kind, labels), "items": items,
         "kinds": [(k, kind_label(k, labels)) for k in ENTITY_KINDS]},
        headers={"Vary": "Accept"},
    )


def _search_index(request: Request, engine: EngineDep) -> SearchIndex:
    """The search index shared with /search and /reconcile (one build per store version)."""
    return service_of(request, engine).index


class EntitiesFastPath:
    """Pure ASGI: `GET`/`HEAD /id/{kind}/{slug}` without a query string goes straight to `entity`.

    The same handler the route above runs (with its defaults, `page=1` and no `format=`), minus
    FastAPI's route matching over every route of the app, its endpoint wrapper and dependency
    solving, like `sparql.SparqlFastPath`. Anything else (a query string, whose `page` FastAPI
    validates; other paths or methods; a `root_path`) goes through the app as before. Installed
    innermost, so the size limit and CORS still apply; errors get the app's own exception handlers.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        kind, _, slug = path[4:].partition("/")
        if (not path.startswith("/id/") or scope.get("method") not in ("GET", "HEAD") or scope.get("query_string")
                or scope.get("root_path") or not kind or not slug or "/" in slug):
            await self.app(scope, receive, send)
            return
        async def handle(request: Request) -> Response:
            return await entity(kind, slug, request, engine_of(request), settings_of(request), 1, None)

        await shortpath.respond(scope, receive, send, handle)
