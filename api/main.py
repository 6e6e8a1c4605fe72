"""The app: aggregates the routers and the error handlers, nothing else."""

from __future__ import annotations

from fastapi import FastAPI

from api.routers import entities, graph_store, health, pages, queries, reconcile, sparql


def create_app() -> FastAPI:
    """Build the app; settings and the engine are attached at start-up by `api.deps`."""
    app = FastAPI(title="Tregua", version="0.1.0",
                  description="A knowledge graph of the public debate over negotiating with El Salvador's gangs.")
    for module in (health, sparql, graph_store, queries, entities, reconcile, pages):
        app.include_router(module.router)
    return app


app = create_app()
