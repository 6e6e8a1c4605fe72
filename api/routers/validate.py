"""`POST /validate`: the SHACL report for a submitted RDF document, nothing written.

The same shapes and ontology as the store's (read from its graphs), so what passes here passes
the build's checks for shapes; the document is checked on its own, not merged with the store.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import engine_of, parse_payload, settings_of
from api.errors import ApiError
from kg import iris
from kg.store.engine import Engine
from kg.validation.shacl import ValidationReport, validate_document

router = APIRouter(tags=["validation"])

_RULES: dict[str, tuple[list[ox.Quad], list[ox.Quad]]] = {}


def rules_of(engine: Engine) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """Shapes and ontology from the store, read once per store version."""
    rules = _RULES.get(engine.version)
    if rules is None:
        shapes = engine.quads(None, None, None, ox.NamedNode(iris.GRAPH_SHAPES))
        ontology = engine.quads(None, None, None, ox.NamedNode(iris.GRAPH_ONTOLOGY))
        _RULES.clear()
        rules = _RULES[engine.version] = (shapes, ontology)
    return rules


def check(engine: Engine, data: bytes, content_type: str | None, base_iri: str) -> ValidationReport:
    triples = parse_payload(data, content_type, base_iri)
    shapes, ontology = rules_of(engine)
    return validate_document(triples, shapes=shapes, ontology=ontology)


def _wants_turtle(accept: str | None) -> bool:
    from api import negotiation

    ranges = negotiation.parse_accept(accept)
    return negotiation.quality(ranges, "text/turtle") > negotiation.quality(ranges, "application/json")


@router.post("/validate", summary="SHACL report for submitted RDF (nothing is written)")
async def validate(request: Request) -> Response:
    """Send Turtle, N-Triples, JSON-LD, RDF/XML (triples) with its Content-Type; get the report.

    200 with `conforms` true or false (JSON; the SHACL report graph as Turtle when Accept prefers
    `text/turtle`); 400 when the document does not parse; 415 for a type that is not RDF.
    """
    body = await request.body()
    if not body.strip():
        raise ApiError(400, "the request body is empty: send the RDF document to check",
                       hint="e.g. curl -X POST /validate -H 'Content-Type: text/turtle' --data-binary @data.ttl")
    report = await run_in_threadpool(check, engine_of(request), body, request.headers.get("content-type"),
                                     settings_of(request).base_iri)
    if _wants_turtle(request.headers.get("accept")):
        return Response(report.report_turtle or _empty_report(report.conforms), media_type="text/turtle",
                        headers={"Vary": "Accept"})
    out: dict[str, Any] = {
        "conforms": report.conforms,
        "violations": [v.as_dict() for v in report.violations],
        "warnings": [v.as_dict() for v in report.warnings],
    }
    return JSONResponse(out, headers={"Vary": "Accept"})


def _empty_report(conforms: bool) -> str:
    value = "true" if conforms else "false"
    return ("@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
            f"[] a sh:ValidationReport ; sh:conforms {value} .\n")
