"""Routes: the W3C Reconciliation Service API (`/reconcile/...`) and full-text search (`/search`).

A thin layer over `kg.linking.reconcile` and `kg.linking.search`: it reads the parameters, checks that the client
can take what we answer, and renders JSON or HTML. The index behind both is cached on the app
and rebuilt when the engine's version moves, so answers follow every committed write.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.deps import EngineDep, ServiceDep
from api.negotiation import parse_accept, quality
from api.security import EMBEDDABLE
from api.templating import page_language, render
from kg.errors import BadRequest, UnsupportedFormat
from kg.linking import extension
from kg.linking import reconcile as rc
from kg.linking.reconcile_service import Service
from kg.pages.describe import kind_label
from kg.pages.ontology_docs import ontology_doc

router = APIRouter(tags=["reconciliation and search"])

JSON = "application/json"
HTML = "text/html"
#: The suggest routes' paging parameters.
Cursor = Annotated[int | None, Query(ge=0)]
Limit = Annotated[int, Query(ge=1, le=rc.MAX_LIMIT)]


def require(request: Request, media_type: str) -> None:
    """Refuse (406) a client whose Accept rules out the only type this route answers with."""
    accept = request.headers.get("accept")
    if accept and quality(parse_accept(accept), media_type) <= 0:
        raise UnsupportedFormat(f"this resource is only available as {media_type}, which Accept: {accept!r} "
                                "rules out", offered=[media_type])


def root_of(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _answer(request: Request, engine: EngineDep, service: Service, queries: str | None,
            extend: str | None) -> dict[str, Any]:
    if queries is not None and extend is not None:
        raise BadRequest("send either `queries` or `extend`, not both")
    if queries is not None:
        return rc.reconcile(service, engine, rc.parse_batch(queries, service.catalogue))
    if extend is not None:
        ids, properties = extension.parse_extend(extend, service)
        return extension.extend(service, engine, ids, properties)
    return rc.manifest(service, root_of(request))


@router.get("/reconcile", summary="Manifest, reconciliation (`queries=`) or data extension (`extend=`)")
def reconcile_get(request: Request, engine: EngineDep, service: ServiceDep,
                  queries: Annotated[str | None, Query(description="a JSON query batch")] = None,
                  extend: Annotated[str | None, Query(description="a JSON data extension query")] = None,
                  ) -> JSONResponse:
    require(request, JSON)
    return JSONResponse(_answer(request, engine, service, queries, extend))


@router.post("/reconcile", summary="Reconciliation or data extension, form-encoded as OpenRefine sends them")
def reconcile_post(request: Request, engine: EngineDep, service: ServiceDep,
                   queries: Annotated[str | None, Form(description="a JSON query batch")] = None,
                   extend: Annotated[str | None, Form(description="a JSON data extension query")] = None,
                   ) -> JSONResponse:
    require(request, JSON)
    content_type = request.headers.get("content-type", "")
    has_body = request.headers.get("content-length", "0") != "0" or "transfer-encoding" in request.headers
    if has_body and not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        from api.errors import ApiError

        raise ApiError(415, f"a POST to /reconcile must be a form, not {content_type or 'an untyped body'}",
                       hint="send application/x-www-form-urlencoded with queries=<JSON batch>")
    return JSONResponse(_answer(request, engine, service, queries, extend))


@router.get("/reconcile/suggest/entity", summary="Autocomplete entities by the beginning of their names")
def suggest_entity(request: Request, service: ServiceDep, prefix: str = "", cursor: Cursor = None,
                   limit: Limit = 10, type: str | None = None) -> JSONResponse:
    require(request, JSON)
    return JSONResponse(rc.suggest_entities(service, prefix, cursor=cursor, limit=limit, type_id=type))


@router.get("/reconcile/suggest/type", summary="Autocomplete types")
def suggest_type(request: Request, service: ServiceDep, prefix: str = "", cursor: Cursor = None,
                 limit: Limit = 10) -> JSONResponse:
    require(request, JSON)
    return JSONResponse(rc.suggest_types(service, prefix, cursor=cursor, limit=limit))


@router.get("/reconcile/suggest/property", summary="Autocomplete properties")
def suggest_property(request: Request, service: ServiceDep, prefix: str = "", cursor: Cursor = None,
                     limit: Limit = 10) -> JSONResponse:
    require(request, JSON)
    return JSONResponse(rc.suggest_properties(service, prefix, cursor=cursor, limit=limit))


@router.get("/reconcile/propose_properties", summary="Properties worth fetching for entities of a type")
def propose_properties(request: Request, service: ServiceDep, type: str,
                       limit: Annotated[int | None, Query(ge=1, le=rc.MAX_LIMIT)] = None) -> JSONResponse:
    require(request, JSON)
    return JSONResponse(extension.propose_properties(service, type, limit=limit))


@router.get("/reconcile/preview", response_class=HTMLResponse,
            summary="An HTML snippet describing an entity, for OpenRefine's preview pane")
def preview(request: Request, engine: EngineDep, service: ServiceDep, id: str) -> Response:
    require(request, HTML)
    response = render(request, "search_preview.html", {"entity": rc.preview(service, engine, id)})
    response.headers["Content-Security-Policy"] = EMBEDDABLE  # OpenRefine shows it in a frame
    return response


@router.get("/search", summary="Search names, aliases and quotes (accent- and case-insensitive)",
            responses={200: {"content": {JSON: {}, HTML: {}}}})
def search(request: Request, service: ServiceDep, q: str = "",
           limit: Annotated[int, Query(ge=1, le=rc.MAX_LIMIT)] = 20,
           format: Annotated[str | None, Query(description="json or html (overrides Accept)")] = None,
           ) -> Response:
    media = _search_format(request.headers.get("accept"), format)
    hits = service.index.search(q, limit=limit) if q.strip() else []
    if media == JSON:
        return JSONResponse({"query": q, "count": len(hits), "results": [h.as_dict() for h in hits]},
                            headers={"Vary": "Accept"})
    labels = ontology_doc().vocabulary(page_language(request)).labels
    kinds = {hit.kind: kind_label(hit.kind, labels) for hit in hits}
    return render(request, "search.html", {"query": q, "hits": hits, "kind_labels": kinds}, headers={"Vary": "Accept"})


def _search_format(accept: str | None, format_param: str | None) -> str:
    """JSON or HTML: `format=` first, then Accept (a browser gets HTML, a script sending */* JSON)."""
    if format_param is not None:
        wanted = format_param.strip().lower()
        if wanted in ("json", JSON):
            return JSON
        if wanted in ("html", HTML):
            return HTML
        raise UnsupportedFormat(f"unknown format {format_param!r} for /search", offered=["json", "html"])
    if not accept:
        return JSON
    ranges = parse_accept(accept)
    q_json, q_html = quality(ranges, JSON), quality(ranges, HTML)
    if q_json <= 0 and q_html <= 0:
        raise UnsupportedFormat(f"/search answers in JSON or HTML; Accept: {accept!r} allows neither",
                                offered=[JSON, HTML])
    return HTML if q_html > q_json else JSON
