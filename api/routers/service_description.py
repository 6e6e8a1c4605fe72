"""The SPARQL 1.1 Service Description (https://www.w3.org/TR/sparql11-service-description/).

Served by `GET /sparql` without a query, in any RDF format the client accepts. It says where the
endpoint is, which languages and result formats it speaks, that the default graph is the union of
the named graphs (`sd:UnionDefaultGraph`), and which graphs the default dataset holds, with sizes.
"""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import Response

from api import negotiation
from api.deps import engine_of, settings_of, updates_enabled
from kg.store.engine import Engine, QueryRequest
from kg.vocab import RDF_TYPE

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
VOID = "http://rdfs.org/ns/void#"

#: W3C format IRIs (https://www.w3.org/ns/formats/) of what /sparql can answer with.
RESULT_FORMATS = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                  "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "N-Quads", "TriG"]
INPUT_FORMATS = ["Turtle", "N-Triples", "JSON-LD", "RDF_XML", "N-Quads", "TriG"]

GRAPH_SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"


def graph_sizes(engine: Engine) -> list[tuple[str, int]]:
    """(graph IRI, quad count) for every non-empty named graph; cached by the caller per version."""
    rows = engine.select(QueryRequest(GRAPH_SIZES, named_graph_uris=()))
    return [(str(row["g"].value), int(row["n"].value))  # type: ignore[union-attr]
            for row in rows.rows if "g" in row]


def cached_graph_sizes(request: Request) -> list[tuple[str, int]]:
    engine = engine_of(request)
    cache = getattr(request.app.state, "graph_sizes", None)
    if cache is None or cache[0] != engine.version:
        cache = (engine.version, graph_sizes(engine))
        request.app.state.graph_sizes = cache
    return cache[1]  # type: ignore[no-any-return]


def describe(endpoint: str, graphs: list[tuple[str, int]], *, updates: bool) -> list[ox.Triple]:
    """The description as triples (blank nodes for the dataset parts, as the spec's examples do)."""
    sd = lambda name: ox.NamedNode(SD + name)  # noqa: E731
    service = ox.NamedNode(endpoint)
    out = [
        ox.Triple(service, RDF_TYPE, sd("Service")),
        ox.Triple(service, sd("endpoint"), service),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(service, sd("feature"), sd("EmptyGraphs")),
        ox.Triple(service, sd("defaultEntailmentRegime"), ox.NamedNode("http://www.w3.org/ns/entailment/Simple")),
    ]
    if updates:
        out.append(ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Update")))
    out += [ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS + f)) for f in RESULT_FORMATS]
    out += [ox.Triple(service, sd("inputFormat"), ox.NamedNode(FORMATS + f)) for f in INPUT_FORMATS]
    dataset, default = ox.BlankNode("dataset"), ox.BlankNode("default")
    total = sum(n for _, n in graphs)
    out += [
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, RDF_TYPE, sd("Graph")),
        ox.Triple(default, ox.NamedNode(VOID + "triples"), ox.Literal(str(total), datatype=ox.NamedNode(
            "http://www.w3.org/2001/XMLSchema#integer"))),
    ]
    for index, (name, size) in enumerate(graphs):
        named, graph = ox.BlankNode(f"named{index}"), ox.BlankNode(f"graph{index}")
        out += [
            ox.Triple(dataset, sd("namedGraph"), named),
            ox.Triple(named, RDF_TYPE, sd("NamedGraph")),
            ox.Triple(named, sd("name"), ox.NamedNode(name)),
            ox.Triple(named, sd("graph"), graph),
            ox.Triple(graph, RDF_TYPE, sd("Graph")),
            ox.Triple(graph, ox.NamedNode(VOID + "triples"),
                      ox.Literal(str(size), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
        ]
    return out


def respond(request: Request) -> Response:
    fmt = negotiation.choose_graph_format(request.headers.get("accept"), request.query_params.get("format"))
    settings = settings_of(request)
    endpoint = str(request.url.replace(query="", fragment=""))
    triples = describe(endpoint, cached_graph_sizes(request), updates=updates_enabled(settings))
    data = ox.serialize(triples, format=fmt.ox_format,  # type: ignore[arg-type]
                        prefixes={"sd": SD, "void": VOID, "formats": FORMATS}) or b""
    return Response(data, media_type=fmt.content_type, headers={"Vary": "Accept"})
