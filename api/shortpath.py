"""The plumbing shared by the pure-ASGI short paths (`/sparql`, `/queries/{name}`, `/id/…`).

A short path calls a route's handler directly, skipping FastAPI's route matching, endpoint
wrapper and dependency solving (a large part of the server's own time on small requests). It
must still answer errors exactly as the app does: `respond` looks up the app's own exception
handlers the way Starlette's `ExceptionMiddleware` does, and leaves anything unhandled to the
outer server-error middleware.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send


def exception_handler(scope: Scope, exc: Exception) -> Any:
    """The app's handler for `exc` by class, most specific first; `Exception` (500) is left to
    the outer server-error middleware, as Starlette does."""
    handlers = getattr(scope.get("app"), "exception_handlers", None) or {}
    for cls in type(exc).__mro__:
        if cls is Exception:
            return None
        if cls in handlers:
            return handlers[cls]
    return None


async def respond(scope: Scope, receive: Receive, send: Send,
                  handle: Callable[[Request], Awaitable[Response]]) -> None:
    """Run `handle` on the request and send its response, or the app's answer to its error."""
    request = Request(scope, receive, send)
    try:
        response = await handle(request)
    except Exception as exc:
        handler = exception_handler(scope, exc)
        if handler is None:
            raise
        if inspect.iscoroutinefunction(handler):
            response = await handler(request, exc)
        else:
            response = await run_in_threadpool(handler, request, exc)
        if response is None:
            return
    await response(scope, receive, send)
