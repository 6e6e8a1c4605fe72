"""`GET /health`: liveness and store facts, answered once start-up has opened the store.

Before that (or after shutdown began) it answers 503, so a supervisor or a test fixture can
wait on it. The facts are cached per store version, so polling it costs one small query per write.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from api.deps import cached_graph_sizes, engine_of, settings_of, updates_enabled

router = APIRouter(tags=["health"])
STARTED = time.time()


def facts(request: Request) -> dict[str, Any]:
    engine = engine_of(request)
    settings = settings_of(request)
    graphs = cached_graph_sizes(request)
    out: dict[str, Any] = {
        "status": "ok",
        "version": engine.version,
        "quads": sum(n for _, n in graphs),
        "graphs": [{"name": name, "quads": n} for name, n in graphs],
        "updates_enabled": updates_enabled(settings),
        "query_timeout_s": settings.query_timeout,
        "uptime_s": round(time.time() - STARTED, 1),
    }
    cache = getattr(request.app.state, "reconcile_cache", None)
    if cache is not None:
        # How search and reconciliation kept up with writes: updated by deltas, or rebuilt whole.
        out["search_index"] = cache.stats()
    if getattr(engine, "workers_alive", None) is not None:
        pool: Any = engine  # a worker pool (`kg.store.workers.WorkerPoolEngine`): its own facts
        out["workers"] = {"configured": settings.query_workers, "alive": pool.workers_alive(),
                          "busy": pool.workers_busy(), "pids": pool.worker_pids(),
                          "timeouts": getattr(engine, "timeouts", 0)}
    return out


@router.get("/health", summary="liveness and store facts (quads, graphs, version, workers alive)")
async def health(request: Request) -> dict[str, Any]:
    return await run_in_threadpool(facts, request)
