"""What the query page (`/query`) hands its editor: the ontology's terms for completion, the
canned queries (their text and parameters) and the examples for the menu, and the result views.

The browser gets these as data rendered into the page, not as SPARQL written in JavaScript or in
`api/`: the terms come from the ontology files (the same model as `/ontology`), so completion grows
with the ontology; the canned queries from `queries/*.rq`, so the menu grows with the catalogue.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from pathlib import Path
from typing import Any, TypedDict

from kg import iris, paths
from kg.canned import CannedQuery, CannedQueryError, load_queries, param_json
from kg.errors import NotFound, ParameterError
from kg.pages.ontology_docs import ontology_doc

#: The result views the page offers; `auto` lets the page pick one from the result's shape.
VIEWS: tuple[str, ...] = ("auto", "table", "timeline", "graph", "chart")
#: Prefixes the editor completes and offers to declare (`tg:` first: it is ours).
PREFIXES: dict[str, str] = {
    "tg": iris.ONTOLOGY_IRI + "#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
}


class Term(TypedDict):
    curie: str
    iri: str
    kind: str
    label: str


class CannedEntry(TypedDict):
    name: str
    summary: str
    query: str
    parameters: list[dict[str, Any]]


def check_view(view: str | None) -> str:
    """The view a share link asks for; a name the page does not know is a 400 listing the views.

    >>> check_view(None), check_view("timeline")
    ('auto', 'timeline')
    """
    if view is None or view == "":
        return "auto"
    if view not in VIEWS:
        raise ParameterError("view", f"no result view {view!r}", expected="one of " + ", ".join(VIEWS),
                             example="view=table")
    return view


def editor_terms(lang: str = "en") -> list[Term]:
    """The ontology's own terms (classes, properties, concepts) as `tg:` names with their label
    in `lang` (English where the ontology has none in `lang`), for the editor's completion.

    >>> terms = {t["curie"]: t for t in editor_terms("es")}
    >>> terms["tg:Person"]["kind"], terms["tg:Person"]["label"]
    ('class', 'persona')
    """
    ours = iris.ONTOLOGY_IRI + "#"
    out: list[Term] = []
    for term in ontology_doc().terms:
        if not term.iri.startswith(ours):
            continue
        label = term.labels.get(lang) or term.label
        out.append({"curie": "tg:" + term.iri[len(ours):], "iri": term.iri, "kind": term.kind, "label": label})
    return out


def canned_menu(directory: Path = paths.QUERIES_DIR) -> list[CannedEntry]:
    """The canned queries for the menu: the file's SPARQL (its `#+` header left out) and its
    parameters as `GET /queries` describes them. [] when a file is broken: the queries router
    reports it, and the editor stays usable."""
    files = sorted(directory.glob("*.rq"))
    try:
        return _canned_menu(str(directory), tuple((str(f), f.stat().st_mtime) for f in files))
    except (CannedQueryError, OSError):
        return []


def canned_entry(name: str, directory: Path = paths.QUERIES_DIR) -> CannedEntry:
    """One canned query of the menu, for a share link naming it; NotFound with the closest names."""
    menu = canned_menu(directory)
    for entry in menu:
        if entry["name"] == name:
            return entry
    names = [e["name"] for e in menu]
    raise NotFound(f"no canned query {name!r}", suggestions=difflib.get_close_matches(name, names, n=3))


@lru_cache(maxsize=2)
def _canned_menu(directory: str, stamp: tuple[tuple[str, float], ...]) -> list[CannedEntry]:
    return [_entry(q) for q in load_queries(Path(directory))]


def _entry(q: CannedQuery) -> CannedEntry:
    lines = q.path.read_text(encoding="utf-8").splitlines(keepends=True)
    while lines and lines[0].startswith("#+"):
        lines.pop(0)
    return {"name": q.name, "summary": q.summary, "query": "".join(lines).strip() + "\n",
            "parameters": [param_json(p) for p in q.params]}
