"""What routes may depend on: the settings, the engine and the writer, attached to the app at start-up.

Routes never open the store themselves: they ask for `EngineDep` (queries, timeouts handled)
and, for writes, `WriteDep`: the one write dependency, which checks the bearer token and hands
over who is writing, the request id, the single SHACL-gated writer and the write policy.
Tests may attach any object that follows the `Engine` protocol to `app.state.engine`, e.g.
`InProcessEngine` over an in-memory store; writes then go through `kg.gate.MemoryWriter`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

import pyoxigraph as ox
from fastapi import Depends, Request

from api import negotiation
from api.errors import ApiError
from kg import media
from kg.config import Settings, get_settings
from kg.errors import BadRequest, Forbidden, StoreUnavailable, Unauthorized
from kg.gate.policy import WritePolicy
from kg.linking.reconcile_service import Service, service_cache
from kg.store.cache import VersionedCache
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
    """Writes are on when at least one token is configured (`KG_UPDATE_TOKEN` or `KG_UPDATE_TOKENS`)."""
    return bool(settings.write_tokens())


def _digest(value: str) -> bytes:
    # Comparing fixed-length digests keeps compare_digest from revealing the token's length.
    return hashlib.sha256(value.encode()).digest()


def token_owner(settings: Settings, given: str) -> tuple[bool, str | None]:
    """(matched, writer name) for a presented token. Every configured token is compared, in
    constant time and without stopping at a match, so timing tells nothing about which one
    (or how much of one) matched.

    >>> s = Settings(update_token="t0-secret", update_tokens="alice:t1-secret")
    >>> token_owner(s, "t1-secret"), token_owner(s, "t0-secret"), token_owner(s, "guess")
    ((True, 'alice'), (True, None), (False, None))
    """
    presented = _digest(given)
    matched, owner = False, None
    for name, token in settings.write_tokens():
        hit = hmac.compare_digest(presented, _digest(token.get_secret_value()))
        matched |= hit
        owner = name if hit else owner
    return matched, owner


#: An incoming X-Request-ID is kept when it is this tame (it ends up in logs and the journal).
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}$")


def request_id_of(request: Request) -> str:
    """The client's `X-Request-ID` when well-formed (up to 128 of A-Z a-z 0-9 . _ : @ / + = -),
    else a new one (a UUID). Kept in `request.state` so that `api.security.AnswerHeaders` sends it back."""
    existing = getattr(request.state, "request_id", None)
    if existing:
        return str(existing)
    given = request.headers.get("x-request-id", "").strip()
    value = given if REQUEST_ID_RE.match(given) else str(uuid.uuid4())
    request.state.request_id = value
    return value


@dataclass(frozen=True)
class WriteAccess:
    """Who may write, as the one write dependency hands it to a route: the writer's name (None
    for the single unnamed `KG_UPDATE_TOKEN`), the request id (journal and logs), the store's
    single gated writer and the write policy (which graphs are built, whether CLEAR ALL may run)."""

    who: str | None
    request_id: str
    store: Any
    policy: WritePolicy

    @property
    def label(self) -> str:
        return self.who or "(KG_UPDATE_TOKEN)"

    def gate_kwargs(self) -> dict[str, Any]:
        """What every gated write takes from the access: the policy, and who and which request
        (recorded in the journal entry)."""
        return {"policy": self.policy, "who": self.who, "request_id": self.request_id}


def write_access(request: Request) -> WriteAccess:
    """The write dependency: 403 when writes are off (no token configured), 401 without a bearer
    token, 403 with a wrong one. The request id is settled first, so refusals echo it too."""
    settings = settings_of(request)
    request_id = request_id_of(request)
    if not updates_enabled(settings):
        raise Forbidden("writes are switched off on this server",
                        hint="the operator can enable them by setting KG_UPDATE_TOKEN or KG_UPDATE_TOKENS")
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized("writes need a bearer token", hint=(
            "send the header `Authorization: Bearer <token>` (one of the server's KG_UPDATE_TOKEN(S))"))
    matched, who = token_owner(settings, value.strip())
    if not matched:
        raise Forbidden("the bearer token is wrong", hint="use a token the server was started with")
    return WriteAccess(who, request_id, writer_of(request),
                       WritePolicy(allow_clear_all=settings.allow_clear_all))


def cached_graph_sizes(request: Request) -> list[tuple[str, int]]:
    """(graph, quads) of the store's named graphs, asked once per store version (health, /sparql)."""
    engine = engine_of(request)
    cache: tuple[str, list[tuple[str, int]]] | None = getattr(request.app.state, "graph_sizes", None)
    if cache is None or cache[0] != engine.version:
        cache = (engine.version, graph_sizes(engine))
        request.app.state.graph_sizes = cache
    return cache[1]


def service_of(request: Request, engine: EngineDep) -> Service:
    """The reconciliation service for the store's current version (built on first use)."""
    cache: VersionedCache[Service] | None = getattr(request.app.state, "reconcile_cache", None)
    if cache is None:
        cache = service_cache()
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
ServiceDep = Annotated[Service, Depends(service_of)]
WriteDep = Annotated[WriteAccess, Depends(write_access)]
