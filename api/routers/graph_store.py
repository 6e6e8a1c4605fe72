"""`/rdf-graph-store`: the SPARQL 1.1 Graph Store HTTP Protocol, indirect and direct identification.

`?graph=IRI` names a graph, `?default` the store's own default graph (not the union that queries
see: a write must say exactly where it goes). A request to a path below `/rdf-graph-store/`
identifies its graph directly (protocol §4.1): the request IRI itself, without its query
string, is the graph's name (`PUT http://host/rdf-graph-store/person/1.ttl`).
Reads are content-negotiated and streamed; writes
need the bearer token and pass the same SHACL gate as SPARQL updates (`kg.gate`). A graph that
does not exist is 404; PUT/POST answer 201 when they create the graph and 204 when it existed.
"""

from __future__ import annotations

import uuid
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api import negotiation
from api.deps import WriteDep, engine_of, parse_payload, settings_of
from api.errors import ApiError
from api.head import is_head
from api.streaming import ClosingStreamingResponse
from kg import gate, media
from kg.errors import NotFound, ParameterError
from kg.store.graphs import graph_content, graph_exists, graph_names

router = APIRouter(tags=["graph store"])
PATH = "/rdf-graph-store"


class _Whole:
    """Marker: the request named no graph (only POST accepts that: it creates a new graph)."""


WHOLE = _Whole()
Target = str | None | _Whole  # a graph IRI, None for the default graph, or WHOLE


def target_of(request: Request) -> Target:
    params = request.query_params
    graphs = params.getlist("graph")
    if request.url.path.startswith(PATH + "/") and request.url.path != PATH + "/":
        if graphs or "default" in params:
            raise ParameterError("graph", "this URL names its graph itself (direct identification); "
                                 "?graph= and ?default are for /rdf-graph-store", expected="no ?graph= here",
                                 example=PATH + "?graph=" + str(request.url.replace(query="", fragment="")))
        return str(request.url.replace(query="", fragment=""))
    if graphs and "default" in params:
        raise ParameterError("graph", "give either ?graph=IRI or ?default, not both",
                             expected="one graph", example="?graph=https://w3id.org/tregua/graph/ontology")
    if len(graphs) > 1:
        raise ParameterError("graph", "give one ?graph= at a time", expected="one graph IRI",
                             example="?graph=https://w3id.org/tregua/graph/ontology")
    if graphs:
        try:
            ox.NamedNode(graphs[0])
        except ValueError as exc:
            raise ParameterError("graph", f"graph={graphs[0]!r} is not an absolute IRI",
                                 expected="an absolute IRI",
                                 example="https://w3id.org/tregua/graph/ontology") from exc
        return graphs[0]
    return None if "default" in params else WHOLE


def _need_graph(target: Target) -> str | None:
    if isinstance(target, _Whole):
        raise ParameterError("graph", "name the graph with ?graph=IRI or ?default",
                             expected="?graph=IRI or ?default", example="?graph=https://w3id.org/tregua/graph/ontology")
    return target


# ----------------------------------------------------------------------------- reads


#: Direct identification: the request IRI is the graph's name (not in the OpenAPI: same operations).
DIRECT = PATH + "/{rest:path}"


@router.api_route(DIRECT, methods=["GET"], include_in_schema=False)
@router.api_route(PATH, methods=["GET"], summary="a graph's content (content-negotiated)")
async def read_graph(request: Request) -> Response:
    return await serve_graph(request, _need_graph(target_of(request)))


@router.api_route("/graph/{rest:path}", methods=["GET"],
                  summary="dereference a graph IRI (…/graph/…) under this server's host")
async def dereference_graph(request: Request, rest: str) -> Response:
    """Graph IRIs are names under the base IRI (`KG_BASE_IRI`); this host answers for them.

    A path that cannot be part of an IRI (a space, `{`, a noncharacter such as U+FFFF) names no
    graph: 400 saying which character, rather than letting the IRI parser fail inside the query.
    """
    graph = f"{settings_of(request).base_iri}graph/{rest}"
    try:
        ox.NamedNode(graph)
    except ValueError as exc:
        raise ParameterError("path", f"/graph/{rest!r} cannot name a graph: {exc}",
                             expected="a graph path made of IRI characters (percent-encode the others)",
                             example="/graph/ontology") from exc
    return await serve_graph(request, graph)


async def serve_graph(request: Request, graph: str | None) -> Response:
    """One graph's content (None: the store's own default graph), content-negotiated, streamed."""
    fmt = negotiation.choose_graph_format(request.headers.get("accept"), request.query_params.get("format"))
    engine = engine_of(request)
    if not await run_in_threadpool(graph_exists, engine, graph):
        names = await run_in_threadpool(graph_names, engine)
        raise NotFound(f"there is no graph {graph}", suggestions=names)
    headers = {"Vary": "Accept", "ETag": f'W/"{engine.version}"'}
    if is_head(request):  # the graph is not serialised only to be dropped; its length is unknown
        response = Response(media_type=fmt.content_type, headers=headers)
        del response.headers["content-length"]
        return response
    if graph is None:
        quads = await run_in_threadpool(engine.quads, None, None, None, ox.DefaultGraph())
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
        data = ox.serialize(triples, format=fmt.rdf) or b""
        return Response(data, media_type=fmt.content_type, headers=headers)
    result = await run_in_threadpool(
        engine.serialize, graph_content(graph),
        solutions_format=media.RESULTS.default.results,
        graph_format=fmt.rdf)
    close = getattr(result.chunks, "close", None)  # a stream that holds a worker
    if close is None:
        return Response(b"".join(result.chunks), media_type=fmt.content_type, headers=headers)
    return ClosingStreamingResponse(result.chunks, close=close, media_type=fmt.content_type, headers=headers)


@router.api_route(DIRECT, methods=["PATCH"], include_in_schema=False)
@router.api_route(PATH, methods=["PATCH"], include_in_schema=False)
async def wrong_method(request: Request) -> Response:
    raise ApiError(405, f"{request.method} is not allowed on {PATH}",
                   headers={"Allow": "GET, HEAD, PUT, POST, DELETE"},
                   hint="use GET, HEAD, PUT, POST or DELETE")


# ----------------------------------------------------------------------------- writes


async def payload_triples(request: Request, base_iri: str) -> list[ox.Triple]:
    content_type = request.headers.get("content-type")
    if content_type and content_type.split(";")[0].strip().lower() == "multipart/form-data":
        triples: list[ox.Triple] = []
        form = await request.form()
        for _, part in form.multi_items():
            if isinstance(part, UploadFile):
                data = await part.read()
                triples += await run_in_threadpool(parse_payload, data, part.content_type, base_iri)
        return triples
    return await run_in_threadpool(parse_payload, await request.body(), content_type, base_iri)


def _written(report: gate.GateReport, created: bool, location: str | None = None) -> Response:
    if not created:
        return Response(status_code=204)
    headers = {"Location": location} if location else {}
    body: dict[str, Any] = {"status": "created", **report.as_dict()}
    if location:
        body["graph"] = location
    return JSONResponse(body, status_code=201, headers=headers)


@router.put(DIRECT, include_in_schema=False)
@router.put(PATH, summary="replace a graph (bearer token; SHACL-gated)")
async def put_graph(request: Request, access: WriteDep) -> Response:
    graph = _need_graph(target_of(request))
    access.policy.check_target(graph, "replacing (PUT)")  # before reading the payload
    settings = settings_of(request)
    triples = await payload_triples(request, graph or settings.base_iri)
    existed = await run_in_threadpool(graph_exists, engine_of(request), graph)
    report = await run_in_threadpool(gate.replace_graph, access.store, graph, triples, **access.gate_kwargs())
    return _written(report, not existed)


@router.post(DIRECT, include_in_schema=False)
@router.post(PATH, summary="merge into a graph, or create one when no graph is named (token; SHACL-gated)")
async def post_graph(request: Request, access: WriteDep) -> Response:
    target = target_of(request)
    settings = settings_of(request)
    if isinstance(target, _Whole):
        graph: str | None = f"{settings.base_iri}graph/upload/{uuid.uuid4()}"
        location: str | None = graph
    else:
        graph, location = target, None
        access.policy.check_target(graph, "adding (POST) to")
    triples = await payload_triples(request, graph or settings.base_iri)
    existed = location is None and await run_in_threadpool(graph_exists, engine_of(request), graph)
    report = await run_in_threadpool(gate.add_to_graph, access.store, graph, triples, **access.gate_kwargs())
    return _written(report, not existed, location or (graph if not existed else None))


@router.delete(DIRECT, include_in_schema=False)
@router.delete(PATH, summary="remove a graph (bearer token; SHACL-gated)")
async def delete_graph(request: Request, access: WriteDep) -> Response:
    graph = _need_graph(target_of(request))
    await run_in_threadpool(gate.delete_graph, access.store, graph, **access.gate_kwargs())
    return Response(status_code=204)
