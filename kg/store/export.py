"""Dumps of the store in the usual RDF formats, streamed by pyoxigraph's serialisers.

Dataset formats (N-Quads, TriG) keep the named graphs. Graph formats (Turtle, N-Triples,
JSON-LD) hold one graph: the one named with `graph`, or else the union of all graphs
(duplicates across graphs merged), which is what a plain SPARQL query sees too.
"""

from __future__ import annotations

from typing import BinaryIO

import pyoxigraph as ox

from kg import iris, media
from kg.errors import BadRequest, NotFound, UnsupportedFormat

#: The names `kg export --format` accepts: those of the RDF menu of `kg.media`, as `format=` at /sparql.
FORMATS: list[str] = sorted(media.GRAPHS.names())


def rdf_format(name: str) -> ox.RdfFormat:
    """The pyoxigraph format for a CLI name; raises UnsupportedFormat listing the names offered.

    >>> rdf_format("nquads") == ox.RdfFormat.N_QUADS, rdf_format("ttl") == ox.RdfFormat.TURTLE
    (True, True)
    """
    offer = media.GRAPHS.get(name)
    if offer is None or offer.format.rdf is None:
        raise UnsupportedFormat(f"unknown export format {name!r}", offered=FORMATS)
    return offer.format.rdf


def export(store: ox.Store, format: str, graph: str | None, out: BinaryIO) -> None:
    """Write the store (or one named graph) to `out` in `format`.

    Raises UnsupportedFormat for an unknown format, NotFound for a graph the store lacks.
    """
    fmt = rdf_format(format)
    prefixes = dict(iris.PREFIXES)
    if graph is not None:
        if not graph.startswith(("http://", "https://", "urn:")):
            raise BadRequest(f"--graph {graph!r} is not an IRI", hint=f"e.g. --graph {iris.GRAPH_ONTOLOGY}")
        node = ox.NamedNode(graph)
        if not store.contains_named_graph(node):
            names = sorted(g.value for g in store.named_graphs())
            raise NotFound(f"no graph <{graph}> in the store", suggestions=names)
        if fmt.supports_datasets:
            quads = list(store.quads_for_pattern(None, None, None, node))
            ox.serialize(quads, out, format=fmt, prefixes=prefixes)
        else:
            store.dump(out, format=fmt, from_graph=node, prefixes=prefixes)
        return
    if fmt.supports_datasets:
        store.dump(out, format=fmt, prefixes=prefixes)
        return
    triples = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in store}, key=str)
    ox.serialize(triples, out, format=fmt, prefixes=prefixes)
