"""The smallest SPARQL endpoint Python can serve: the ceiling of any design that answers in Python.

No checks, no timeout, no headers but the content type: a GET `/sparql?query=` is parsed, run with
pyoxigraph in this process on the store named by `MINIMAL_STORE` (read-only) and serialised by
pyoxigraph. With `MINIMAL_STORE` unset it answers every request with one constant result (the HTTP
stack alone). `bench/ceiling.py` serves it with uvicorn beside Tregua and `oxigraph serve-read-only`:
what it cannot reach, no Tregua design that keeps the query in a Python process can.

    MINIMAL_STORE=data/store uvicorn bench.minimal_asgi:app --port 8001
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import parse_qs

import pyoxigraph as ox

_PATH = os.environ.get("MINIMAL_STORE")
STORE = ox.Store.read_only(_PATH) if _PATH else None
CONSTANT = b'{"head":{"vars":["l"]},"results":{"bindings":[{"l":{"type":"literal","value":"x"}}]}}'


def answer(query_string: bytes) -> tuple[bytes, bytes]:
    """(content type, body) of a query string; the constant answer without a store or a query."""
    if STORE is None or not query_string:
        return b"application/sparql-results+json", CONSTANT
    query = parse_qs(query_string.decode())["query"][0]
    result = STORE.query(query, use_default_graph_as_union=True)
    if isinstance(result, ox.QueryTriples):
        return b"application/n-triples", ox.serialize(result, format=ox.RdfFormat.N_TRIPLES) or b""
    return b"application/sparql-results+json", result.serialize(format=ox.QueryResultsFormat.JSON) or b""


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    media_type, body = answer(scope["query_string"])
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", media_type), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
