"""A VoID description (https://www.w3.org/TR/void/) of the whole store: what a crawler or a
catalogue needs to find the SPARQL endpoint, the dumps, the graphs and their sizes.

The statistics come from one query (`STATISTICS`: quads per graph, and the distinct predicates
and classes, as a union of three aggregates), cached by store version, so the description stays
cheap at a million triples: the query runs once per build or write (and at start-up, in the
background), and every later request reuses its rows (one per graph, predicate and class). At
a million triples in 7,500 graphs it takes 5-10 s, about three times the bare per-graph COUNT
(bench/void_dump.py): the distinct predicates need a scan of their own.
`describe` is pure (statistics and URLs in, triples out); the HTTP layer only supplies the URLs.

What is counted: `void:triples` of a subset is the number of triples in that named graph; the
dataset's own `void:triples` is their sum, i.e. the number of quads in the N-Quads dump (a
triple asserted in two graphs counts twice, as it appears twice in the dump). Title, license and
creator come from the ontology's release record (`owl:Ontology` with `dct:license`,
`dct:creator`) as far as the data says them; nothing is invented when it does not.

>>> stats = Statistics(graphs={"https://w3id.org/tregua/graph/ontology": 3},
...     vocabularies=frozenset({"http://www.w3.org/2000/01/rdf-schema#"}))
>>> triples = describe(stats, dataset="http://h/.well-known/void#tregua", endpoint="http://h/sparql",
...                    dumps=["http://h/dumps/tregua.nq"])
>>> total = [t.object.value for t in triples if t.subject.value.endswith("#tregua")
...          and t.predicate == VOID_TRIPLES]
>>> total
['3']
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

import pyoxigraph as ox

from kg.store.engine import Engine, QueryRequest, lexical
from kg.store.graphs import OWN_QUERY_TIMEOUT

VOID = "http://rdfs.org/ns/void#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
VOID_TRIPLES = ox.NamedNode(VOID + "triples")
PREFIXES = {"void": VOID, "dct": DCT, "foaf": FOAF, "sd": SD}
TITLE = "Tregua: the public debate over negotiating with El Salvador's gangs"

#: The one statistics query: quads per graph (?g ?n), the predicates used (?p) and the classes
#: instantiated (?c). Grouping by graph and predicate at once would give a row per pair: at a
#: million triples in thousands of graphs, more rows than the graphs and terms themselves.
STATISTICS = """
SELECT ?g ?n ?p ?c WHERE {
  { SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?o1 ?o } } GROUP BY ?g }
  UNION { SELECT DISTINCT ?p WHERE { GRAPH ?g2 { ?s2 ?p ?o2 } } }
  UNION { SELECT DISTINCT ?c WHERE { GRAPH ?g3 { ?s3 a ?c } FILTER(isIRI(?c)) } }
}
"""
#: Rows the statistics may have (graphs + predicates + classes); above the endpoint's row cap.
MAX_ROWS = 10_000_000
#: The release record the dataset's title, license and creator are read from.
RECORD = """
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?description ?license ?creator WHERE {
  ?ontology a <http://www.w3.org/2002/07/owl#Ontology> .
  OPTIONAL { ?ontology dct:description ?description FILTER(LANGMATCHES(LANG(?description), "en")) }
  OPTIONAL { ?ontology dct:license ?license }
  OPTIONAL { ?ontology dct:creator ?creator }
} LIMIT 1
"""


@dataclass(frozen=True)
class Statistics:
    """Triples per named graph, the vocabularies (namespaces of predicates and classes) in use,
    and what the ontology's release record says about the whole."""

    graphs: dict[str, int]
    vocabularies: frozenset[str]
    description: str | None = None
    license: str | None = None
    creator: str | None = None
    classes: frozenset[str] = frozenset()

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


def namespace(iri: str) -> str:
    """The vocabulary an IRI belongs to: everything up to its last `#` or `/`.

    >>> namespace("https://w3id.org/tregua/ontology#Person"), namespace("https://schema.org/name")
    ('https://w3id.org/tregua/ontology#', 'https://schema.org/')
    """
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1] if cut > 0 else iri


def statistics(engine: Engine) -> Statistics:
    """Run the aggregate query and the release-record lookup (prefer `cached_statistics`)."""
    # The server's own count over every quad: past the limit strangers' queries get, like the
    # graph sizes of /health (at 1M triples on a loaded machine it took longer than 5 s).
    rows = engine.select(QueryRequest(STATISTICS, timeout=OWN_QUERY_TIMEOUT), max_rows=MAX_ROWS)
    graphs: dict[str, int] = {}
    vocabularies: set[str] = set()
    classes: set[str] = set()
    for row in rows.rows:
        if "g" in row:
            graphs[lexical(row["g"])] = int(lexical(row["n"]))
        elif "p" in row:
            vocabularies.add(namespace(lexical(row["p"])))
        elif "c" in row:
            vocabularies.add(namespace(lexical(row["c"])))
            classes.add(lexical(row["c"]))
    record = engine.select(QueryRequest(RECORD)).rows
    first = record[0] if record else {}

    def text(name: str) -> str | None:
        term = first.get(name)
        return None if term is None else lexical(term)

    return Statistics(dict(sorted(graphs.items())), frozenset(vocabularies), text("description"),
                      text("license"), text("creator"), frozenset(classes))


_cache: dict[str, Statistics] = {}
_lock = threading.Lock()


def cached_statistics(engine: Engine) -> Statistics:
    """`statistics`, once per store version (the version is a digest of the quads, or changes
    with every committed write, so a cached entry never describes other data)."""
    version = engine.version
    with _lock:
        hit = _cache.get(version)
    if hit is not None:
        return hit
    stats = statistics(engine)
    with _lock:
        _cache.clear()  # only the current version is ever asked for again
        _cache[version] = stats
    return stats


def _integer(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=XSD_INTEGER)


def describe(stats: Statistics, *, dataset: str, endpoint: str, dumps: Sequence[str]) -> list[ox.Triple]:
    """The VoID triples: the dataset with its endpoint, dumps, vocabularies and total, and one
    `void:subset` per named graph (`sd:name` the graph's IRI, `void:triples` its size). A subset's
    IRI is the dataset's followed by `-` and the graph IRI percent-encoded, so it stays put as
    graphs come and go."""
    def void(name: str) -> ox.NamedNode:
        return ox.NamedNode(VOID + name)

    me = ox.NamedNode(dataset)
    out = [
        ox.Triple(me, RDF_TYPE, void("Dataset")),
        ox.Triple(me, ox.NamedNode(DCT + "title"), ox.Literal(TITLE, language="en")),
        ox.Triple(me, void("sparqlEndpoint"), ox.NamedNode(endpoint)),
        ox.Triple(me, void("triples"), _integer(stats.triples)),
        ox.Triple(me, void("classes"), _integer(len(stats.classes))),
    ]
    if stats.description:
        out.append(ox.Triple(me, ox.NamedNode(DCT + "description"), ox.Literal(stats.description, language="en")))
    if stats.license:
        out.append(ox.Triple(me, ox.NamedNode(DCT + "license"), ox.NamedNode(stats.license)))
    if stats.creator:
        publisher = ox.BlankNode("publisher")
        out += [ox.Triple(me, ox.NamedNode(DCT + "publisher"), publisher),
                ox.Triple(publisher, RDF_TYPE, ox.NamedNode(FOAF + "Agent")),
                ox.Triple(publisher, ox.NamedNode(FOAF + "name"), ox.Literal(stats.creator))]
    out += [ox.Triple(me, void("dataDump"), ox.NamedNode(url)) for url in dumps]
    out += [ox.Triple(me, void("vocabulary"), ox.NamedNode(v)) for v in sorted(stats.vocabularies)]
    for graph, size in stats.graphs.items():
        subset = ox.NamedNode(f"{dataset}-{quote(graph, safe='')}")
        out += [
            ox.Triple(me, void("subset"), subset),
            ox.Triple(subset, RDF_TYPE, void("Dataset")),
            ox.Triple(subset, ox.NamedNode(SD + "name"), ox.NamedNode(graph)),
            ox.Triple(subset, void("triples"), _integer(size)),
            ox.Triple(subset, void("sparqlEndpoint"), ox.NamedNode(endpoint)),
        ]
    return out
