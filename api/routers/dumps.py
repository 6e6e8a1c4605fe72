"""Whole-store dumps and the VoID description: `/dumps/tregua.nq`, `/dumps/tregua.trig`,
`/.well-known/void`.

A dump is every quad of the store (every named graph) in N-Quads or TriG, written by
pyoxigraph's `Store.dump` in a query worker and streamed chunk by chunk (never held whole). Its
ETag is the store version, so `If-None-Match` gets 304 until a build or a write changes the data.
The VoID document (`kg.void`) names the SPARQL endpoint, the dumps, the graphs with their sizes
and the vocabularies used; Turtle by default, the other RDF formats by Accept or `format=`.
"""

from __future__ import annotations

from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api import negotiation
from api.deps import engine_of, settings_of
from api.head import is_head
from api.streaming import ClosingStreamingResponse
from kg import void
from kg.errors import NotFound, UnsupportedFormat
from kg.media import DATASETS, DOCUMENTS, Offer

router = APIRouter(tags=["dumps"])

#: File name -> format of the whole-store dumps (dataset formats: they keep the graph names).
DUMPS: dict[str, Offer] = {f"tregua.{t.extension}": t for t in DATASETS}
VOID_PATH = "/.well-known/void"


def _root(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def dump_urls(request: Request) -> list[str]:
    return [f"{_root(request)}/dumps/{name}" for name in DUMPS]


@router.api_route("/dumps/{name}", methods=["GET"], response_model=None,
                  summary="The whole store (every named graph) as N-Quads (tregua.nq) or TriG (tregua.trig)",
                  responses={200: {"content": {t.media_type: {} for t in DUMPS.values()}},
                             304: {"description": "Not modified: the If-None-Match ETag is the store's version."},
                             404: {"description": "No such dump; the body lists the dumps offered."}})
async def dump(request: Request, name: str) -> Response:
    """Streamed from a query worker, under `KG_DUMP_TIMEOUT` (not the query timeout: at a million
    triples a dump takes about a minute); the ETag is the store version (304 on If-None-Match)."""
    media = DUMPS.get(name)
    if media is None:
        raise NotFound(f"there is no dump {name!r}", suggestions=[f"/dumps/{n}" for n in DUMPS])
    engine = engine_of(request)
    tag = f'"{engine.version}-{media.extension}"'
    headers = {"ETag": tag, "Content-Disposition": f'attachment; filename="{name}"',
               "Cache-Control": f"public, max-age={settings_of(request).cache_max_age}"}
    if negotiation.etag_matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    if is_head(request):  # HeadAsGet runs HEAD as GET: no worker is taken for a dropped body
        response = Response(media_type=media.content_type, headers=headers)
        del response.headers["content-length"]
        return response
    result = await run_in_threadpool(engine.dump, media.rdf,
                                     timeout=settings_of(request).dump_timeout)
    return ClosingStreamingResponse(result.chunks, close=getattr(result.chunks, "close", None),
                                    media_type=media.content_type, headers=headers)


@router.api_route(VOID_PATH, methods=["GET"], response_model=None,
                  summary="VoID description: endpoint, dumps, graphs with their sizes, vocabularies",
                  responses={200: {"content": {t.media_type: {} for t in DOCUMENTS if t.alias_of is None}}})
async def void_description(
    request: Request,
    format: Annotated[str | None, Query(description="ttl, nt, jsonld or rdf; default: by Accept, else Turtle")]
    = None,
) -> Response:
    """Counted by one aggregate query per store version (`kg.void`)."""
    accept = request.headers.get("accept")
    try:
        media = negotiation.choose_graph_format(accept, format, types=DOCUMENTS)
    except UnsupportedFormat:
        if format or not negotiation.browser_or_anything(accept):
            raise
        media = DOCUMENTS.default  # a browser (text/html) or */*: Turtle rather than a 406
    engine = engine_of(request)
    tag = f'"{engine.version}-void-{media.extension}"'
    headers = {"ETag": tag, "Vary": "Accept"}
    if negotiation.etag_matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    stats = await run_in_threadpool(void.cached_statistics, engine)
    root = _root(request)
    triples = void.describe(stats, dataset=f"{root}{VOID_PATH}#tregua", endpoint=f"{root}/sparql",
                            dumps=dump_urls(request))
    data = ox.serialize(triples, format=media.rdf, prefixes=void.PREFIXES) or b""
    return Response(b"" if is_head(request) else data, media_type=media.content_type, headers=headers)
