"""The SPARQL 1.1 Service Description (https://www.w3.org/TR/sparql11-service-description/) as triples.

`GET /sparql` without a query serves it. It says where the endpoint is, which languages and
result formats it speaks (from the format table `kg.media`), that the default graph is the union
of the named graphs (`sd:UnionDefaultGraph`), and which graphs the default dataset holds, with
sizes (`kg.store.graphs.graph_sizes`).
"""

from __future__ import annotations

import pyoxigraph as ox

from kg import iris, media

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = media.W3C_FORMATS
VOID = "http://rdfs.org/ns/void#"
PREFIXES = {"sd": SD, "void": VOID, "formats": FORMATS}

#: W3C format names (https://www.w3.org/ns/formats/) of what /sparql can answer with, and read.
RESULT_FORMATS = [o.format.w3c for menu in (media.RESULTS, media.GRAPHS) for o in menu if o.alias_of is None]
INPUT_FORMATS = [o.format.w3c for o in media.INPUTS if o.alias_of is None]
RDF_TYPE = ox.NamedNode(iris.PREFIXES["rdf"] + "type")
_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def describe(endpoint: str, graphs: list[tuple[str, int]], *, updates: bool) -> list[ox.Triple]:
    """The description as triples (blank nodes for the dataset parts, as the spec's examples do).

    >>> triples = describe("http://127.0.0.1/sparql", [("https://w3id.org/tregua/graph/ontology", 3)], updates=False)
    >>> sum(t.predicate == _sd("namedGraph") for t in triples)
    1
    """
    service = ox.NamedNode(endpoint)
    out = [
        ox.Triple(service, RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), service),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        ox.Triple(service, _sd("feature"), _sd("EmptyGraphs")),
        ox.Triple(service, _sd("defaultEntailmentRegime"), ox.NamedNode("http://www.w3.org/ns/entailment/Simple")),
    ]
    if updates:
        out.append(ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Update")))
    out += [ox.Triple(service, _sd("resultFormat"), ox.NamedNode(FORMATS + f)) for f in RESULT_FORMATS]
    out += [ox.Triple(service, _sd("inputFormat"), ox.NamedNode(FORMATS + f)) for f in INPUT_FORMATS]
    dataset, default = ox.BlankNode("dataset"), ox.BlankNode("default")
    total = sum(n for _, n in graphs)
    out += [
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, _sd("defaultGraph"), default),
        ox.Triple(default, RDF_TYPE, _sd("Graph")),
        ox.Triple(default, ox.NamedNode(VOID + "triples"), ox.Literal(str(total), datatype=_INTEGER)),
    ]
    for index, (name, size) in enumerate(graphs):
        named, graph = ox.BlankNode(f"named{index}"), ox.BlankNode(f"graph{index}")
        out += [
            ox.Triple(dataset, _sd("namedGraph"), named),
            ox.Triple(named, RDF_TYPE, _sd("NamedGraph")),
            ox.Triple(named, _sd("name"), ox.NamedNode(name)),
            ox.Triple(named, _sd("graph"), graph),
            ox.Triple(graph, RDF_TYPE, _sd("Graph")),
            ox.Triple(graph, ox.NamedNode(VOID + "triples"), ox.Literal(str(size), datatype=_INTEGER)),
        ]
    return out
