"""A picture of the model, drawn from the ontology itself so that it can never drift from it.

``python -m kg.pages.diagram > docs/model.dot`` writes the Graphviz source; ``python -m kg.pages.diagram --svg
> docs/model.svg`` renders it with the ``dot`` binary (Debian's graphviz). Classes are boxes grouped
by section (actors, offices, debate, sources, events); hollow arrows are rdfs:subClassOf; labelled
arrows are the object properties that have both an rdfs:domain and an rdfs:range among our classes
(properties left open on purpose, such as tg:onIssue or tg:position, have no single arrow to draw).
The ontology is read with pyoxigraph, so serving the picture never touches rdflib.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Iterable
from functools import lru_cache

import pyoxigraph as ox

from kg import iris, paths

ONTOLOGY_FILE = paths.ONTOLOGY_DIR / "tregua.ttl"

# Which box goes in which cluster; a class not listed lands in "other" (and a test notices).
GROUPS: dict[str, tuple[str, str, list[str]]] = {
    "actors": ("Actors", "#e8f0fe", ["Actor", "Person", "Organization", "Gang", "GovernmentBody", "Ministry",
                                     "PoliceForce", "Legislature", "PoliticalParty", "NewsOutlet",
                                     "ResearchOrganization"]),
    "places": ("Places", "#e6f4ea", ["Place", "Country"]),
    "offices": ("Offices", "#fef7e0", ["Post", "Tenure"]),
    "debate": ("Debate", "#fce8e6", ["Statement", "Quote", "TextPosition", "Stance", "StanceValue",
                                     "Condition", "Issue", "AnalysisClaim"]),
    "sources": ("Sources", "#f3e8fd", ["Source", "Article", "ReferenceWork"]),
    "events": ("Events", "#e4f7fb", ["Event", "Truce", "Legislation", "Arrest", "Proposal", "TakingOffice",
                                     "Conflict", "Participation", "ParticipantRole"]),
    "links": ("Links", "#f1f3f4", ["LinkStatus"]),
}

# The namespace is our own constant, never user text, so it is written into the queries.
QUERY_CLASSES = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?class ?label WHERE {
  ?class a owl:Class .
  OPTIONAL { ?class rdfs:label ?label . FILTER(LANGMATCHES(LANG(?label), "en")) }
  FILTER(STRSTARTS(STR(?class), TG))
} ORDER BY ?class
"""
QUERY_SUBCLASSES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?sub ?super WHERE {
  ?sub rdfs:subClassOf ?super .
  FILTER(STRSTARTS(STR(?sub), TG) && STRSTARTS(STR(?super), TG))
} ORDER BY ?sub ?super
"""
QUERY_PROPERTIES = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?property ?domain ?range WHERE {
  ?property a owl:ObjectProperty ; rdfs:domain ?domain ; rdfs:range ?range .
  FILTER(STRSTARTS(STR(?property), TG) && STRSTARTS(STR(?domain), TG)
         && STRSTARTS(STR(?range), TG))
} ORDER BY ?property
"""


def _in_namespace(query: str) -> str:
    return query.replace("TG", f'"{iris.TG}"')


def ontology_quads() -> list[ox.Quad]:
    """The ontology file's triples."""
    with ONTOLOGY_FILE.open("rb") as f:
        return list(ox.parse(f, format=ox.RdfFormat.TURTLE))


def _local(term: ox.NamedNode) -> str:
    return term.value.removeprefix(iris.TG)


def _quoted(text: str) -> str:
    """A DOT double-quoted string (backslashes and quotes escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _select(store: ox.Store, query: str) -> list[ox.QuerySolution]:
    result = store.query(_in_namespace(query))
    assert isinstance(result, ox.QuerySolutions)
    return list(result)


def model_dot(graph: Iterable[ox.Quad | ox.Triple] | ox.Store) -> str:
    """The Graphviz DOT source of the model drawn from `graph`: the ontology's triples, or a store of them.

    >>> dot = model_dot(ontology_quads())
    >>> dot.startswith("digraph tregua {") and '"Statement"' in dot
    True
    """
    if isinstance(graph, ox.Store):
        store = graph
    else:
        store = ox.Store()
        store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in graph)
    classes = {_local(row["class"]): (row["label"].value if row["label"] else _local(row["class"]))
               for row in _select(store, QUERY_CLASSES)}
    lines = [
        "digraph tregua {",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=11, nodesep=0.35, ranksep=0.6, '
        'label="Tregua ontology: main classes (hollow arrow: subclass of; labelled arrow: object property)", '
        "labelloc=t];",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, fillcolor=white];',
        '  edge [fontname="Helvetica", fontsize=8, color="#5f6368"];',
    ]
    placed: set[str] = set()
    for key, (title, colour, members) in GROUPS.items():
        present = [m for m in members if m in classes]
        if not present:
            continue
        lines.append(f"  subgraph cluster_{key} {{")
        lines.append(f'    label={_quoted(title)}; style="rounded,filled"; color="#dadce0";')
        lines.append(f'    fillcolor="{colour}";')
        for name in present:
            lines.append(f"    {_quoted(name)} [label={_quoted(classes[name])}];")
            placed.add(name)
        lines.append("  }")
    for name in sorted(set(classes) - placed):
        lines.append(f"  {_quoted(name)} [label={_quoted(classes[name])}];")
    for row in _select(store, QUERY_SUBCLASSES):
        sub, sup = _local(row["sub"]), _local(row["super"])
        lines.append(f"  {_quoted(sub)} -> {_quoted(sup)} [arrowhead=empty];")
    for row in _select(store, QUERY_PROPERTIES):
        prop, dom, rng = _local(row["property"]), _local(row["domain"]), _local(row["range"])
        lines.append(f'  {_quoted(dom)} -> {_quoted(rng)} [label={_quoted("tg:" + prop)}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_svg(dot: str) -> str:
    """Render DOT to SVG with Graphviz's ``dot``; raises RuntimeError when graphviz is missing or fails."""
    binary = shutil.which("dot")
    if binary is None:
        raise RuntimeError("Graphviz 'dot' is not installed: apt-get install graphviz (the Makefile does)")
    done = subprocess.run([binary, "-Tsvg"], input=dot.encode("utf-8"), capture_output=True, timeout=60,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"dot failed: {done.stderr.decode('utf-8', 'replace')}")
    return done.stdout.decode("utf-8")


@lru_cache(maxsize=1)
def model_svg() -> str:
    """The model picture as SVG, drawn from ontology/tregua.ttl once per process (for the /ontology page)."""
    return render_svg(model_dot(ontology_quads()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kg.pages.diagram", description=__doc__.splitlines()[0])
    parser.add_argument("--svg", action="store_true", help="render SVG with Graphviz instead of printing DOT")
    args = parser.parse_args(argv)
    sys.stdout.write(model_svg() if args.svg else model_dot(ontology_quads()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
