"""The app: aggregates the routers, the error handlers and the middleware, and opens the store.

Start-up opens the store through `kg.store.workers.WorkerPoolEngine` (queries in killable worker
processes, so timeouts hold) unless a test already attached an engine to `app.state.engine`;
before that it applies the journal entries the store lacks (`kg.journal.recover`). With
`KG_BACKEND=sparql` it opens `kg.store.remote.SparqlEngine` instead: the data stays on the remote store.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

import kg
from api import errors, openapi
from api.deps import updates_enabled
from api.head import HeadAsGet
from api.limits import RequestSizeLimit
from api.overload import ClientBudget
from api.routers import (
    admin,
    dumps,
    entities,
    graph_store,
    health,
    history,
    pages,
    queries,
    query_page,
    reconcile,
    sparql,
    validate,
    views,
)
from api.security import AnswerHeaders
from kg.config import Settings, get_settings

if TYPE_CHECKING:  # imported at start-up only (the lifespan below): importing the app opens nothing
    from kg.store.workers import WorkerPoolEngine

log = logging.getLogger("api")
#: Our loggers: one line per query (`tregua.query`), worker events, server errors, index rebuilds.
LOGGERS = ("api", "api.errors", "tregua.query", "kg.workers", "kg.journal", "kg.store.cache")


def configure_logging(level: str) -> None:
    """uvicorn configures only its own loggers; ours get a handler here (once) at the same level."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(level.upper())
        if not logger.handlers:
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s %(message)s"))
            logger.addHandler(handler)
            logger.propagate = False
    uvicorn_errors = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, errors.QuietStreamAborts) for f in uvicorn_errors.filters):
        uvicorn_errors.addFilter(errors.QuietStreamAborts())


def _warm_gate(writer: WorkerPoolEngine) -> None:
    from kg.gate import warm

    try:
        warm(writer)
    except Exception:  # a failed warm-up only means the first write compiles the rules itself
        log.exception("could not prepare the SHACL gate ahead of the first write")


def _warm_void(engine: WorkerPoolEngine) -> None:
    """Count the graphs for /.well-known/void ahead of the first request (seconds at 1M triples)."""
    from kg import void

    try:
        void.cached_statistics(engine)
    except Exception:  # the first request then counts them itself
        log.exception("could not count the graphs for the VoID description ahead of time")


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    configure_logging(settings.log_level)
    owned: Any = None  # the engine this lifespan opened (worker pool or remote), closed at the end
    serving = None
    if getattr(app.state, "engine", None) is None and settings.backend == "sparql":
        from kg.store.remote import SparqlEngine

        # A remote store (docs/deployment.md): no lock, no workers, nothing of the data here.
        remote = owned = SparqlEngine.from_settings(settings)
        app.state.engine = remote
        log.info("remote store %s, version %s", settings.sparql_query_url,
                 await anyio.to_thread.run_sync(lambda: remote.version))
        if updates_enabled(settings):
            threading.Thread(target=_warm_gate, args=(owned,), name="kg-gate-warm", daemon=True).start()
    if getattr(app.state, "engine", None) is None:
        from kg.journal import Journal
        from kg.store.serving import ServingLock
        from kg.store.workers import WorkerPoolEngine

        # Held for the server's life, before the store is opened: `kg revert`, `kg link` and
        # `kg build` refuse to change a store a server is serving (kg/store/serving.py).
        serving = ServingLock(settings.store).acquire()

        # start() first brings the store up to its journal (entries a crash left unapplied).
        owned = WorkerPoolEngine(settings.store, workers=settings.query_workers,
                                 timeout=settings.query_timeout, max_result_rows=settings.max_result_rows,
                                 journal=Journal.for_store(settings.store, settings), queue=settings.query_queue,
                                 local_cap=settings.query_local_cap, demote_after=settings.query_demote_after,
                                 hold_bytes=settings.query_hold_bytes)
        await anyio.to_thread.run_sync(owned.start)
        app.state.engine = owned
        log.info("store %s open: %d query workers, timeout %g s, version %s", settings.store,
                 settings.query_workers, settings.query_timeout, owned.version)
        threading.Thread(target=_warm_void, args=(owned,), name="kg-void-warm", daemon=True).start()
        if updates_enabled(settings):
            threading.Thread(target=_warm_gate, args=(owned,), name="kg-gate-warm", daemon=True).start()
    try:
        yield
    finally:
        if owned is not None:
            app.state.engine = None
            await anyio.to_thread.run_sync(owned.close)
        if serving is not None:
            serving.release()


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app. `settings` default to the `KG_*` environment (validated here, at start-up)."""
    settings = settings or get_settings()
    # FastAPIOffline: FastAPI whose /docs serves Swagger UI from the wheel, no CDN. No /redoc: its
    # bundle fetches a logo from cdn.redoc.ly.
    # No OpenTelemetry here: FastAPI's built-in telemetry, on by default, asked the (unconfigured)
    # providers on every request whether to trace, about a third of a small query's own time.
    app = FastAPIOffline(redoc_url=None, title="Tregua", version=kg.__version__, lifespan=lifespan,
                         telemetry={"tracing": False, "metrics": False, "logs": False},
                         responses=errors.ERROR_RESPONSES, description=(
        "A knowledge graph of the public debate over negotiating with El Salvador's gangs."))
    app.state.settings = settings
    errors.install(app)
    openapi.install(app)
    # Innermost (middleware added first runs last): queries skip FastAPI's routing layer but still
    # pass through the size limit and CORS below.
    app.add_middleware(sparql.SparqlFastPath)
    app.add_middleware(queries.QueriesFastPath)
    app.add_middleware(entities.EntitiesFastPath)
    # A client past its query-time budget is refused before any query runs (inside CORS, so
    # that a browser page can read the 429).
    app.add_middleware(ClientBudget, settings=settings)
    # CORS lets browser pages elsewhere read (GET/POST queries) and revalidate (If-None-Match).
    # No credentials (cookies) are ever allowed; Authorization is, since a bearer token is
    # something a page must be given, never something the browser adds on its own.
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=False,
                       allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
                       allow_headers=["Accept", "Accept-Language", "Authorization", "Cache-Control", "Content-Type",
                                      "If-Modified-Since", "If-None-Match", "Range", "X-Request-ID",
                                      "X-Requested-With"],
                       expose_headers=["Content-Type", "ETag", "Location", "Link", "X-Total-Count", "X-Request-ID"],
                       max_age=3600)
    app.add_middleware(RequestSizeLimit, max_bytes=settings.max_request_bytes)
    # nosniff, Referrer-Policy, a CSP on HTML pages; every answer to a write carries its id, errors too
    app.add_middleware(AnswerHeaders)
    # Outermost: HEAD runs as GET everywhere (routes, short paths, CORS), its body dropped.
    app.add_middleware(HeadAsGet)
    for module in (health, sparql, graph_store, dumps, validate, queries, entities, reconcile, history, admin, pages,
                   query_page, views):
        app.include_router(module.router)
    return app


app = create_app()
