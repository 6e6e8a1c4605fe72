"""kg errors → HTTP statuses, one status per kind of failure, and one JSON shape for every error.

A client's mistake is a 4xx that says what is wrong and how to fix it; the store's trouble is a
503; only our own bugs are 500. Error bodies are JSON:
``{"error": "QuerySyntaxError", "status": 400, "message": "...", "hint": "...", ...extras}``;
a SHACL rejection is the report itself (JSON, or Turtle when the client prefers it).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from kg import errors

log = logging.getLogger("api.errors")

#: Most specific first: the first class an error is an instance of gives its status.
STATUS: list[tuple[type[errors.KgError], int]] = [
    (errors.QuerySyntaxError, 400),
    (errors.ParameterError, 400),
    (errors.UnsupportedFormat, 406),
    (errors.ResultTooLarge, 400),
    (errors.BadRequest, 400),
    (errors.NotFound, 404),
    (errors.Unauthorized, 401),
    (errors.Forbidden, 403),
    (errors.ValidationFailed, 422),
    (errors.WriteConflict, 409),
    (errors.QueryTimeout, 503),
    (errors.Overloaded, 503),
    (errors.StoreUnavailable, 503),
]


class ApiError(Exception):
    """An HTTP-level refusal that has no kg counterpart (405, 413, 415...)."""

    def __init__(self, status: int, message: str, *, hint: str | None = None,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.hint = hint
        self.headers = headers or {}
        self.extra = extra


class ErrorBody(BaseModel):
    """The JSON body of every error answer (documented in the OpenAPI document for every operation).

    Kinds add their own fields (`line`/`column`, `parameter`, `offered`, `suggestions`,
    `violations`...), hence `extra="allow"`.
    """

    model_config = ConfigDict(extra="allow")
    error: str
    status: int
    message: str
    hint: str | None = None


_ERROR_STATUSES = {
    400: "malformed query, update, document or parameter: the message says which and how to fix it",
    401: "a write without the bearer token",
    403: "a wrong token, or writes switched off (no KG_UPDATE_TOKEN)",
    404: "nothing by that name (suggestions when there are close ones)",
    405: "method not allowed here (see the Allow header)",
    406: "no representation fits Accept or format= (offered lists those that would)",
    413: "request body above KG_MAX_REQUEST_BYTES",
    415: "unsupported request media type or charset",
    429: "this client used its query-time budget (KG_CLIENT_BUDGET_SECONDS); wait Retry-After seconds",
    503: "the query timed out, the query queue is full, or the store is unavailable (Retry-After)",
}

#: Error answers every operation may give, for the OpenAPI document (`FastAPI(responses=...)`).
#: 422 is declared too, so that FastAPI does not document its own validation body there: request
#: validation errors are 400 here, and 422 is the SHACL gate's report (JSON, or Turtle on request).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    **{status: {"model": ErrorBody, "description": text} for status, text in _ERROR_STATUSES.items()},
    422: {"model": ErrorBody, "description": "a write that breaks a SHACL shape: the report",
          "content": {"text/turtle": {"schema": {"type": "string"}}}},
}


def status_of(exc: errors.KgError) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def body(status: int, name: str, message: str, hint: str | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"error": name, "status": status, "message": message}
    if hint:
        out["hint"] = hint
    out.update({k: v for k, v in extra.items() if v is not None})
    return out


def _extras(exc: errors.KgError) -> dict[str, Any]:
    if isinstance(exc, errors.QuerySyntaxError):
        return {"line": exc.line, "column": exc.column}
    if isinstance(exc, errors.UnsupportedFormat):
        return {"offered": exc.offered}
    if isinstance(exc, errors.ParameterError):
        return {"parameter": exc.name, "expected": exc.expected or None, "example": exc.example or None}
    if isinstance(exc, errors.NotFound):
        return {"suggestions": exc.suggestions or None}
    if isinstance(exc, errors.ValidationFailed):
        return {"conforms": False, "violations": [v.as_dict() for v in exc.violations]}
    return {}


def _headers(exc: errors.KgError, status: int) -> dict[str, str]:
    if isinstance(exc, errors.Unauthorized):
        return {"WWW-Authenticate": 'Bearer realm="tregua"'}
    if isinstance(exc, errors.Forbidden) and "token" in exc.message.lower():
        return {"WWW-Authenticate": 'Bearer realm="tregua", error="invalid_token"'}
    if status == 503:
        return {"Retry-After": "1"}
    return {}


def kg_error_response(request: Request, exc: errors.KgError) -> Response:
    status = status_of(exc)
    if status >= 500 and not isinstance(exc, errors.QueryTimeout | errors.StoreUnavailable | errors.Overloaded):
        log.error("server error on %s %s: %s", request.method, request.url.path, exc)
    headers = _headers(exc, status)
    if isinstance(exc, errors.ValidationFailed) and exc.report_turtle and _prefers_turtle(request):
        return Response(exc.report_turtle, status_code=status, media_type="text/turtle", headers=headers)
    return JSONResponse(body(status, type(exc).__name__, exc.message, exc.hint, **_extras(exc)),
                        status_code=status, headers=headers)


def _prefers_turtle(request: Request) -> bool:
    """Turtle only when the client ranks it above JSON (`*/*` alone keeps JSON)."""
    from api.negotiation import parse_accept, quality

    ranges = parse_accept(request.headers.get("accept"))
    return quality(ranges, "text/turtle") > quality(ranges, "application/json")


def api_error_response(request: Request, exc: ApiError) -> Response:
    return JSONResponse(body(exc.status, "HTTPError", exc.message, exc.hint, **exc.extra),
                        status_code=exc.status, headers=exc.headers)


_HTTP_HINTS = {
    404: "see GET / for what this service offers",
    405: "see the Allow header for the methods this path accepts",
}


def http_error_response(request: Request, exc: StarletteHTTPException) -> Response:
    message = exc.detail if isinstance(exc.detail, str) else "request refused"
    return JSONResponse(body(exc.status_code, "HTTPError", message, _HTTP_HINTS.get(exc.status_code)),
                        status_code=exc.status_code, headers=getattr(exc, "headers", None))


def validation_error_response(request: Request, exc: RequestValidationError) -> Response:
    problems = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()]
    return JSONResponse(body(400, "BadRequest", "; ".join(problems) or "invalid request",
                             "check the parameters against the API documentation at /docs"),
                        status_code=400)


class StreamAborted(RuntimeError):
    """A streamed answer stopped mid-way (timeout, worker lost) after its headers were sent.

    Raising it aborts the connection, so the client sees an incomplete body rather than a short
    one that looks whole. It is expected, and already logged in one line (`tregua.query`,
    outcome `…-streamed`): neither our handler nor uvicorn logs it again.
    """


class QuietStreamAborts(logging.Filter):
    """Drops uvicorn's "Exception in ASGI application" traceback when the exception is StreamAborted."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], StreamAborted))


def unexpected_error_response(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, StreamAborted):  # the response has started: this answer is never sent
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(body(500, "InternalError", "the server failed; this is our bug, not your request",
                             "retry later; if it persists, report it with the request"), status_code=500)


def install(app: FastAPI) -> None:
    """Register every handler on `app`."""
    # Starlette types a handler as taking any Exception; each of ours takes the class it is
    # registered for (the arg-type ignores below), which is what Starlette passes it.
    app.add_exception_handler(errors.KgError, kg_error_response)  # type: ignore[arg-type]
    app.add_exception_handler(ApiError, api_error_response)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error_response)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, validation_error_response)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, unexpected_error_response)
