"""The store's named graphs: which exist, how big they are, and the query that reads one.

Shared by the graph store (`/rdf-graph-store`, `/graph/…`), the service description and
`/health`, so that the SPARQL text lives in `kg` and every route asks the same questions.
The graph IRI is always bound as a substitution or a dataset IRI, never pasted into the text.
"""

from __future__ import annotations

import pyoxigraph as ox

from kg.store.engine import Engine, QueryRequest, Term

GRAPH_SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
GRAPH_EXISTS = "ASK { GRAPH ?g { } }"
GRAPH_NAMES = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } } ORDER BY ?g LIMIT 20"
#: One graph's triples: the graph is the query's default graph (`default_graph_uris`).
GRAPH_CONTENT = "CONSTRUCT WHERE { ?s ?p ?o }"


def _text(term: Term) -> str:
    return str(term) if isinstance(term, ox.Triple) else term.value


OWN_QUERY_TIMEOUT = 300.0
"""Time limit of the graph-size count (`graph_sizes`), the server's own fixed query."""


def graph_sizes(engine: Engine) -> list[tuple[str, int]]:
    """(graph IRI, quad count) for every non-empty named graph; callers cache it per store version."""
    # The server's own count over every quad: seconds on a large store under load, past the
    # limit strangers' queries get; /health would never answer 200 within that limit.
    rows = engine.select(QueryRequest(GRAPH_SIZES, named_graph_uris=(), timeout=OWN_QUERY_TIMEOUT))
    return [(_text(row["g"]), int(_text(row["n"])))
            for row in rows.rows if "g" in row and "n" in row]


def graph_exists(engine: Engine, graph: str | None) -> bool:
    """Whether the store holds the named graph `graph` (None, the default graph, always exists)."""
    if graph is None:
        return True
    return engine.ask(QueryRequest(GRAPH_EXISTS, substitutions={"g": ox.NamedNode(graph)}))


def graph_names(engine: Engine) -> list[str]:
    """The first 20 graph names, in order: suggestions for a client that named a missing graph."""
    rows = engine.select(QueryRequest(GRAPH_NAMES))
    return [_text(row["g"]) for row in rows.rows if "g" in row]


def graph_content(graph: str) -> QueryRequest:
    """The query whose answer is the content of the named graph `graph`."""
    return QueryRequest(GRAPH_CONTENT, default_graph_uris=[graph])
