"""What routes may depend on: the settings, the engine and the writer, attached to the app at start-up.

Routes never open the store themselves: they ask for `EngineDep` (queries, timeouts handled)
and, for writes, `WriterDep` (the single SHACL-gated writer) after `require_write_token`.
Tests may attach any object that follows the `Engine` protocol to `app.state.engine`, e.g.
`InProcessEngine` over an in-memory store; writes then go through `kg.gate.MemoryWriter`.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

import pyoxigraph as ox
from fastapi import Depends, Request

from api import negotiation
from api.errors import ApiError
from kg import media
from kg.config import Settings, get_settings
from kg.errors import BadRequest, Forbidden, StoreUnavailable, Unauthorized
from kg.linking import reconcile as rc
from kg.linking.search import VersionedCache
from kg.store.engine import Engine, InProcessEngine
from kg.store.graphs import graph_sizes


def settings_of(request: Request) -> Settings:
    """The settings the app started with (falls back to the environment for bare apps)."""
    settings = getattr(request.app.state, "settings", None)
    return settings if settings is not None else get_settings()


def engine_of(request: Request) -> Engine:
    engine: Engine | None = getattr(request.app.state, "engine", None)
    if engine is None:
        raise StoreUnavailable("the store is not open yet", hint="wait until GET /health answers 200")
    return engine


EngineDep = Annotated[Engine, Depends(engine_of)]


def writer_of(request: Request) -> Any:
    """The store's single writer: the worker pool itself, or a MemoryWriter over an in-process store."""
    engine = engine_of(request)
    if hasattr(engine, "exclusive"):
        return engine
    writer = getattr(request.app.state, "writer", None)
    if writer is None:
        from kg.gate import MemoryWriter

        if not isinstance(engine, InProcessEngine):
            raise StoreUnavailable("this engine cannot write")
        writer = request.app.state.writer = MemoryWriter(engine.store)
    return writer


def updates_enabled(settings: Settings) -> bool:
    token = settings.update_token
    return token is not None and bool(token.get_secret_value())


def require_write_token(request: Request) -> None:
    """401 without a bearer token, 403 with a wrong one, 403 when writes are off (no KG_UPDATE_TOKEN)."""
    token = settings_of(request).update_token
    if token is None or not updates_enabled(settings_of(request)):
        raise Forbidden("writes are switched off on this server",
                        hint="the operator can enable them by setting KG_UPDATE_TOKEN")
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized("writes need a bearer token", hint=(
            "send the header `Authorization: Bearer <token>` (the server's KG_UPDATE_TOKEN)"))
    if not hmac.compare_digest(value.strip().encode(), token.get_secret_value().encode()):
        raise Forbidden("the bearer token is wrong", hint="use the token the server was started with")


def cached_graph_sizes(request: Request) -> list[tuple[str, int]]:
    """(graph, quads) of the store's named graphs, asked once per store version (health, /sparql)."""
    engine = engine_of(request)
    cache: tuple[str, list[tuple[str, int]]] | None = getattr(request.app.state, "graph_sizes", None)
    if cache is None or cache[0] != engine.version:
        cache = (engine.version, graph_sizes(engine))
        request.app.state.graph_sizes = cache
    return cache[1]


def service_of(request: Request, engine: EngineDep) -> rc.Service:
    """The reconciliation service for the store's current version (built on first use)."""
    cache: VersionedCache[rc.Service] | None = getattr(request.app.state, "reconcile_cache", None)
    if cache is None:
        cache = rc.service_cache()
        request.app.state.reconcile_cache = cache
    return cache.get(engine)


def parse_payload(data: bytes, content_type: str | None, base_iri: str) -> list[ox.Triple]:
    """The triples of an RDF request body (graph store writes, /validate).

    415 for a Content-Type that is not an RDF format; 400 for a body that does not parse or
    that names graphs (N-Quads/TriG quads outside the default graph).
    """
    fmt = negotiation.rdf_format_of_content_type(content_type)
    if fmt is None:
        offered = media.INPUTS.media_types()
        raise ApiError(415, f"Content-Type {content_type or '(none)'!r} is not an RDF format read here",
                       hint="send one of: " + ", ".join(offered), accepted=offered)
    try:
        quads = list(ox.parse(data, format=fmt, base_iri=base_iri))
    except SyntaxError as exc:
        raise BadRequest(f"the {fmt.name} payload does not parse: {exc}",
                         hint="check the document; the position is in the message") from exc
    if any(not isinstance(q.graph_name, ox.DefaultGraph) for q in quads):
        raise BadRequest("the payload names graphs; the graph is chosen by ?graph= or ?default",
                         hint="send triples (Turtle, N-Triples...) or quads in the default graph only")
    return [ox.Triple(q.subject, q.predicate, q.object) for q in quads]


SettingsDep = Annotated[Settings, Depends(settings_of)]
ServiceDep = Annotated[rc.Service, Depends(service_of)]
WriterDep = Annotated[Any, Depends(writer_of)]
WriteAccess = Depends(require_write_token)
