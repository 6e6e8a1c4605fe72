"""What routes may depend on: the settings, the engine and the writer, attached to the app at start-up.

Routes never open the store themselves: they ask for `EngineDep` (queries, timeouts handled)
and, for writes, `WriterDep` (the single SHACL-gated writer) after `require_write_token`.
Tests may attach any object that follows the `Engine` protocol to `app.state.engine`, e.g.
`InProcessEngine` over an in-memory store; writes then go through `kg.gate.MemoryWriter`.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import Depends, Request

from kg.config import Settings, get_settings
from kg.errors import Forbidden, StoreUnavailable, Unauthorized
from kg.store.engine import Engine, InProcessEngine


def settings_of(request: Request) -> Settings:
    """The settings the app started with (falls back to the environment for bare apps)."""
    settings = getattr(request.app.state, "settings", None)
    return settings if settings is not None else get_settings()


def engine_of(request: Request) -> Engine:
    engine = getattr(request.app.state, "engine", None)
    if engine is None:
        raise StoreUnavailable("the store is not open yet", hint="wait until GET /health answers 200")
    return engine  # type: ignore[no-any-return]


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


SettingsDep = Annotated[Settings, Depends(settings_of)]
EngineDep = Annotated[Engine, Depends(engine_of)]
WriterDep = Annotated[Any, Depends(writer_of)]
WriteAccess = Depends(require_write_token)
