"""`kg export-links`: our Wikidata links handed back, as QuickStatements v1 or CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

import pyoxigraph as ox

from kg import iris
from kg.errors import BadRequest

DESCRIBED_AT_URL = "P973"
"""Wikidata's "described at URL" (datatype URL): the item is described at this address. We have
no Wikidata property of our own, so this is how an item can point back at our entity page."""


@dataclass(frozen=True)
class ExportedLink:
    iri: str
    qid: str
    label: str
    reviewer: str
    reviewed_on: str
    note: str


_EXPORT_QUERY = iris.sparql_prologue() + f"""
SELECT ?e ?item ?label ?reviewer ?day ?note WHERE {{
  GRAPH <{iris.GRAPH_WIKIDATA}> {{ ?e skos:exactMatch ?item }}
  OPTIONAL {{ ?e rdfs:label ?label . FILTER(LANGMATCHES(LANG(?label), "en") || LANG(?label) = "") }}
  OPTIONAL {{ ?review prov:used ?e, ?item ; dct:creator ?reviewer ; dct:date ?day .
             OPTIONAL {{ ?review rdfs:comment ?note }} }}
}} ORDER BY ?e"""


def exported_links(store: ox.Store) -> list[ExportedLink]:
    """Every link of the Wikidata graph, with its review when `kg link` recorded one."""
    result = store.query(_EXPORT_QUERY, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    out: dict[str, ExportedLink] = {}
    for s in result:
        item = s["item"].value
        qid = item[len(iris.WIKIDATA_ENTITY):] if item.startswith(iris.WIKIDATA_ENTITY) else ""
        if not iris.QID_RE.match(qid):
            continue
        e = s["e"].value

        def text(var: str, solution: ox.QuerySolution = s) -> str:
            term = solution[var]
            return term.value if term is not None else ""

        out.setdefault(e, ExportedLink(e, qid, text("label"), text("reviewer"), text("day"), text("note")))
    return list(out.values())


def page_url(iri: str, url_base: str | None) -> str:
    """Where people can read about the entity: its IRI, or the same path on the server given."""
    if not url_base:
        return iri
    return url_base.rstrip("/") + "/" + iri[len(iris.BASE):]


def write_quickstatements(links: Iterable[ExportedLink], out: TextIO, *, url_base: str | None = None) -> int:
    """QuickStatements v1: ``Q…<TAB>P973<TAB>"<our page>"`` per link: the item is described there."""
    n = 0
    for link_ in links:
        url = page_url(link_.iri, url_base).replace('"', "%22")
        out.write(f'{link_.qid}\t{DESCRIBED_AT_URL}\t"{url}"\n')
        n += 1
    return n


def write_csv(links: Iterable[ExportedLink], out: TextIO, *, url_base: str | None = None) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("qid", "iri", "url", "label", "reviewer", "reviewed_on", "note"))
    n = 0
    for link_ in links:
        writer.writerow((link_.qid, link_.iri, page_url(link_.iri, url_base), link_.label, link_.reviewer,
                         link_.reviewed_on, link_.note))
        n += 1
    return n


EXPORT_FORMATS = {"quickstatements": write_quickstatements, "csv": write_csv}


def export_links(store: ox.Store, fmt: str, out: TextIO, *, url_base: str | None = None) -> int:
    if fmt not in EXPORT_FORMATS:
        raise BadRequest(f"unknown format {fmt!r}", hint="use quickstatements or csv")
    return EXPORT_FORMATS[fmt](exported_links(store), out, url_base=url_base)
