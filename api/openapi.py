"""The OpenAPI document, made valid for client generators, and the offline /docs pages.

FastAPI gives a route declared for several methods (GET and HEAD) one operationId for both, and
a canned query's route repeats the router's tag. Client generators (openapi-generator, schemathesis)
refuse a document whose operationIds repeat, so `tidy` gives every operation an id of its own
(`<route>_<method>`, whatever routes exist) and drops repeated tags. The document is checked with
openapi-spec-validator in tests/api/test_openapi.py.

/docs (Swagger UI) is served by `fastapi-offline`, which ships the UI's JavaScript and CSS inside
its wheel and serves them from `/static-offline-docs`: the page loads nothing from a CDN. ReDoc is
not served: its bundle fetches its logo from cdn.redoc.ly.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI

_METHOD_SUFFIX = re.compile(r"_(get|head|post|put|delete|patch|options|trace)$")


def tidy(schema: dict[str, Any]) -> dict[str, Any]:
    """Unique operationIds and tags, in place; returns `schema`.

    >>> doc = {"paths": {"/a": {"get": {"operationId": "a_get", "tags": ["x", "x"]},
    ...                         "head": {"operationId": "a_get"}}}}
    >>> ops = tidy(doc)["paths"]["/a"]
    >>> ops["get"]["operationId"], ops["head"]["operationId"], ops["get"]["tags"]
    ('a_get', 'a_head', ['x'])
    """
    seen: set[str] = set()
    for ops in schema.get("paths", {}).values():
        for method, op in ops.items():
            if not isinstance(op, dict) or "operationId" not in op:
                continue
            if "tags" in op:
                op["tags"] = list(dict.fromkeys(op["tags"]))
            # FastAPI suffixes the first method of the route to every method's id: use the right one
            candidate = op["operationId"]
            if _METHOD_SUFFIX.search(candidate):
                candidate = _METHOD_SUFFIX.sub("", candidate) + "_" + method
            unique, n = candidate, 2
            while unique in seen:
                unique, n = f"{candidate}_{n}", n + 1
            op["operationId"] = unique
            seen.add(unique)
    return schema


def install(app: FastAPI) -> None:
    """Replace `app.openapi` by one that tidies FastAPI's document (built once, then cached)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = tidy(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to replace the document
