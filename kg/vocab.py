"""The RDF terms the code names, spelled once: namespaces as IRI strings, terms as pyoxigraph nodes.

Namespaces come from the prefix table (`kg.iris.PREFIXES`), so a namespace IRI is written in one
place; the terms below are the ones several modules compare quads against. Code that needs a
term's text (SPARQL strings, dictionary keys) uses ``.value``.

>>> RDF_TYPE.value
'http://www.w3.org/1999/02/22-rdf-syntax-ns#type'
>>> SKOS + "prefLabel"
'http://www.w3.org/2004/02/skos/core#prefLabel'
"""

from __future__ import annotations

import pyoxigraph as ox

from kg import iris

TG = iris.TG
RDF = iris.PREFIXES["rdf"]
RDFS = iris.PREFIXES["rdfs"]
OWL = iris.PREFIXES["owl"]
XSD = iris.PREFIXES["xsd"]
SKOS = iris.PREFIXES["skos"]
PROV = iris.PREFIXES["prov"]
DCT = iris.PREFIXES["dct"]
SH = iris.PREFIXES["sh"]
OA = iris.PREFIXES["oa"]
SCHEMA = iris.PREFIXES["schema"]
FOAF = iris.PREFIXES["foaf"]

NOISE_NAMESPACES = (RDF, RDFS, OWL, XSD)
"""Inferred triples about these vocabularies are not stored (the build's and the gate's filter)."""

RDF_TYPE = ox.NamedNode(RDF + "type")
RDFS_LABEL = ox.NamedNode(RDFS + "label")
RDFS_COMMENT = ox.NamedNode(RDFS + "comment")
RDFS_SUBCLASS_OF = ox.NamedNode(RDFS + "subClassOf")
SKOS_EXACT_MATCH = ox.NamedNode(SKOS + "exactMatch")
PROV_ACTIVITY = ox.NamedNode(PROV + "Activity")
PROV_USED = ox.NamedNode(PROV + "used")
DCT_CREATOR = ox.NamedNode(DCT + "creator")
DCT_DATE = ox.NamedNode(DCT + "date")
XSD_DATE = ox.NamedNode(XSD + "date")

LINK_STATUS = ox.NamedNode(TG + "linkStatus")
"""How an entity stands with Wikidata when it has no checked link (`tg:notLinked`...)."""
NOT_LINKED = ox.NamedNode(TG + "notLinked")
