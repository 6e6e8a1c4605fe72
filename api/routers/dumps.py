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
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from api import negotiation
from api.deps import engine_of, settings_of
from api.representation import DOCUMENT_TYPES
from kg import void
from kg.errors import NotFound

router = APIRouter(tags=["dumps"])

#: File name -> format of the whole-store dumps (dataset formats: they keep the graph names).
DUMPS: dict[str, negotiation.MediaType] = {f"tregua.{t.extension}": t for t in negotiation.DATASET_TYPES}
VOID_PATH = "/.well-known/void"


def _root(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def dump_urls(request: Request) -> list[str]:
    return [f"{_root(request)}/dumps/{name}" for name in DUMPS]


@router.api_route("/dumps/{name}", methods=["GET", "HEAD"], response_model=None,
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
    if request.method == "HEAD":
        return Response(media_type=media.content_type, headers=headers)
    result = await run_in_threadpool(engine.dump, media.ox_format,  # type: ignore[arg-type]
                                     timeout=settings_of(request).dump_timeout)
    return StreamingResponse(result.chunks, media_type=media.content_type, headers=headers)


@router.api_route(VOID_PATH, methods=["GET", "HEAD"], response_model=None,
                  summary="VoID description: endpoint, dumps, graphs with their sizes, vocabularies",
                  responses={200: {"content": {t.media_type: {} for t in DOCUMENT_TYPES if t.alias_of is None}}})
async def void_description(
    request: Request,
    format: Annotated[str | None, Query(description="ttl, nt, jsonld or rdf; default: by Accept, else Turtle")]
    = None,
) -> Response:
    """Counted by one aggregate query per store version (`kg.void`)."""
    media = negotiation.choose_graph_format(request.headers.get("accept"), format, types=DOCUMENT_TYPES)
    engine = engine_of(request)
    tag = f'"{engine.version}-void-{media.extension}"'
    headers = {"ETag": tag, "Vary": "Accept"}
    if negotiation.etag_matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    stats = await run_in_threadpool(void.cached_statistics, engine)
    root = _root(request)
    triples = void.describe(stats, dataset=f"{root}{VOID_PATH}#tregua", endpoint=f"{root}/sparql",
                            dumps=dump_urls(request))
    data = ox.serialize(triples, format=media.ox_format, prefixes=void.PREFIXES) or b""  # type: ignore[arg-type]
    return Response(b"" if request.method == "HEAD" else data, media_type=media.content_type, headers=headers)
