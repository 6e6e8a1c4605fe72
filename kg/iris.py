"""The IRIs everyone relies on, in one place so that no module spells them differently.

Entities live at ``{BASE}id/{kind}/{slug}``; graphs at ``{BASE}graph/...``. The data always
uses the canonical base below; a server on another host maps request paths onto it.
"""

from __future__ import annotations

import re

BASE = "https://w3id.org/tregua/"
TG = BASE + "ontology#"
ONTOLOGY_IRI = BASE + "ontology"

GRAPH_ONTOLOGY = BASE + "graph/ontology"
GRAPH_SHAPES = BASE + "graph/shapes"
GRAPH_INFERRED = BASE + "graph/inferred"
GRAPH_WIKIDATA = BASE + "graph/wikidata"
#: Where a remote store (KG_BACKEND=sparql) keeps its version triple: not data, never dumped.
GRAPH_META = BASE + "graph/meta"
GRAPH_SOURCE_PREFIX = BASE + "graph/source/"

WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
QID_RE = re.compile(r"^Q[1-9][0-9]*$")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

PREFIXES: dict[str, str] = {
    "tg": TG,
    "id": BASE + "id/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "schema": "https://schema.org/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "time": "http://www.w3.org/2006/time#",
    "oa": "http://www.w3.org/ns/oa#",
    "dct": "http://purl.org/dc/terms/",
    "sh": "http://www.w3.org/ns/shacl#",
    "wd": WIKIDATA_ENTITY,
}


def entity_iri(kind: str, slug: str) -> str:
    """The canonical IRI of an entity.

    >>> entity_iri("person", "oscar-ortiz")
    'https://w3id.org/tregua/id/person/oscar-ortiz'
    """
    return f"{BASE}id/{kind}/{slug}"


def source_graph(slug: str) -> str:
    """The named graph holding what one source says.

    >>> source_graph("insightcrime-2017-01-ms13-dialogue")
    'https://w3id.org/tregua/graph/source/insightcrime-2017-01-ms13-dialogue'
    """
    return GRAPH_SOURCE_PREFIX + slug


def wikidata_iri(qid: str) -> str:
    """The Wikidata entity IRI of a QID; raises ValueError for anything that is not ``Q<digits>``.

    >>> wikidata_iri("Q792")
    'http://www.wikidata.org/entity/Q792'
    """
    if not QID_RE.match(qid):
        raise ValueError(f"{qid!r} is not a Wikidata QID: expected Q followed by digits, e.g. Q792")
    return WIKIDATA_ENTITY + qid


def sparql_prologue() -> str:
    """PREFIX lines for the prefixes above, for queries written in code."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
