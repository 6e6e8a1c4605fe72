"""The types and properties reconciliation shows, and their API identifiers.

Identifiers follow the Reconciliation API's convention, so that ``identifierSpace + id`` is the
full IRI: types are the local name of a class of our ontology (``Person``) under ``tg:``;
properties the local name of our own properties (``memberOf``), a prefixed name for the others
(``skos:exactMatch``), and two virtual ones, ``qid`` and ``office``. Full IRIs are accepted
wherever an identifier is. Names and definitions come from the ontology graph.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain

import pyoxigraph as ox

from kg import iris, vocab
from kg.errors import BadRequest
from kg.linking.index_reads import read_all
from kg.linking.search import SearchIndex
from kg.linking.text import lexical
from kg.store.cache import Change
from kg.store.engine import Engine
from kg.vocab import RDF_TYPE

QID_PROPERTY = "qid"
OFFICE_PROPERTY = "office"
"""Virtual properties: `qid` (the QID of skos:exactMatch) and `office` (the posts a person held,
two hops away through tenures), what researchers most often want in a column."""
RDFS_LABEL = vocab.RDFS_LABEL.value


# -- identifiers ------------------------------------------------------------------------

def term_id(iri: str) -> str:
    """The API identifier of a class or property: local name for ours, prefixed name otherwise.

    >>> term_id("https://w3id.org/tregua/ontology#memberOf"), term_id("http://www.w3.org/2004/02/skos/core#exactMatch")
    ('memberOf', 'skos:exactMatch')
    """
    if iri.startswith(iris.TG):
        return iri[len(iris.TG):]
    for prefix, namespace in iris.PREFIXES.items():
        if prefix not in ("tg", "id") and iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def term_iri(identifier: str) -> str:
    """The IRI an API identifier stands for (the inverse of `term_id`)."""
    if identifier.startswith(("http://", "https://")):
        return identifier
    prefix, sep, local = identifier.partition(":")
    if sep and prefix in iris.PREFIXES:
        return iris.PREFIXES[prefix] + local
    return iris.TG + identifier


def qid_of(iri: str) -> str | None:
    if iri.startswith(iris.WIKIDATA_ENTITY):
        qid = iri[len(iris.WIKIDATA_ENTITY):]
        return qid if iris.QID_RE.match(qid) else None
    return None


# -- the catalogue of types and properties -------------------------------------------------

@dataclass(frozen=True)
class Term:
    """A type or a property as the API shows it."""

    iri: str
    id: str
    name: str
    description: str = ""

    def ref(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name}


_TERM_LABELS_QUERY = iris.sparql_prologue() + f"""
SELECT ?t ?label ?definition WHERE {{
  GRAPH <{iris.GRAPH_ONTOLOGY}> {{
    ?t rdfs:label ?label .
    OPTIONAL {{ ?t skos:definition ?definition }}
  }}
}}"""
"""Names of classes and properties come from the ontology graph; terms of other vocabularies
that it does not label are shown by their prefixed names."""

_PROPERTIES_BY_TYPE_QUERY = """
SELECT ?t ?p (COUNT(*) AS ?n) WHERE { ?s a ?t ; ?p ?o } GROUP BY ?t ?p"""
"""No string FILTER (see kg/linking/index_reads.py): types of non-entities (statements...) are counted too,
and simply never asked for."""

_SUBJECT_TYPES_QUERY = """SELECT ?s ?t WHERE { ?s a ?t }"""
"""The types of a subject a write touched that the search index does not hold."""


def _best_label(labels: Mapping[str, str], fallback: str) -> str:
    return labels.get("en") or labels.get("") or labels.get("es") or next(iter(labels.values()), fallback)


@dataclass
class Catalogue:
    """The types and properties our entities use, with labels, for suggest and extension."""

    types: dict[str, Term] = field(default_factory=dict)
    properties: dict[str, Term] = field(default_factory=dict)
    properties_by_type: dict[str, list[str]] = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=dict)

    def term(self, iri: str) -> Term:
        """A class or property as the API shows it, named by the ontology graph's labels."""
        fallback = term_id(iri).split(":")[-1]
        return Term(iri, term_id(iri), _best_label(self.labels.get(iri, {}), fallback), self.definitions.get(iri, ""))

    @classmethod
    def build(cls, engine: Engine, index: SearchIndex) -> Catalogue:
        labels: dict[str, dict[str, str]] = defaultdict(dict)
        definitions: dict[str, str] = {}
        for row in read_all(engine, _TERM_LABELS_QUERY):
            label = row["label"]
            assert isinstance(label, ox.Literal)
            labels[lexical(row["t"])].setdefault(label.language or "", label.value)
            if "definition" in row and (label.language or "en") == "en":
                definitions.setdefault(lexical(row["t"]), lexical(row["definition"]))

        term = cls(labels=dict(labels), definitions=definitions).term
        type_counts: Counter[str] = Counter(t for e in index.entities.values() for t in e.types
                                            if t.startswith(iris.TG))
        types = {t: term(t) for t, _n in type_counts.most_common()}
        per_type: dict[str, Counter[str]] = defaultdict(Counter)
        for row in read_all(engine, _PROPERTIES_BY_TYPE_QUERY):
            p = lexical(row["p"])
            if p != RDF_TYPE.value:
                per_type[lexical(row["t"])][p] += int(lexical(row["n"]))
        used: Counter[str] = Counter()
        for counts in per_type.values():
            used.update(counts)
        # Our own properties first (most used first), then the aligned ones inference added.
        ranked = sorted(used, key=lambda p: (not p.startswith(iris.TG), -used[p], p))
        properties = {QID_PROPERTY: Term(QID_PROPERTY, QID_PROPERTY, "Wikidata QID",
                                         "The Wikidata item this entity is the same as (skos:exactMatch).")}
        properties.update({p: term(p) for p in ranked})
        by_type = {t: [QID_PROPERTY, *(p for p, _n in counts.most_common() if p.startswith(iris.TG)
                                       or p == RDFS_LABEL)]
                   for t, counts in per_type.items()}
        if iris.TG + "holder" in per_type.get(iris.TG + "Tenure", {}):
            properties[OFFICE_PROPERTY] = Term(OFFICE_PROPERTY, OFFICE_PROPERTY, "office held",
                                               "The posts the person held (through their tenures).")
            for t in (iris.TG + "Person", iris.TG + "Actor"):
                if t in by_type:
                    by_type[t].insert(1, OFFICE_PROPERTY)
        return cls(types, properties, by_type, dict(labels), definitions)

    def updated(self, engine: Engine, index: SearchIndex, changes: Sequence[Change]) -> Catalogue | None:
        """This catalogue with what the changes added: new types of the touched entities, new
        properties, new (type, property) pairs; None (rebuild) when the ontology graph changed.

        It only grows: a type or property no longer used stays offered until the next rebuild
        (a start, a build, a restore), and the order (by use) is that of the last rebuild.
        """
        added_by_subject: dict[str, set[str]] = defaultdict(set)
        for change in changes:
            for quad in chain(change.removed, change.added):
                if isinstance(quad.graph_name, ox.NamedNode) and quad.graph_name.value == iris.GRAPH_ONTOLOGY:
                    return None
            for quad in change.added:
                if isinstance(quad.subject, ox.NamedNode):
                    added_by_subject[quad.subject.value].add(quad.predicate.value)
        if not added_by_subject:
            return self
        new = Catalogue(dict(self.types), dict(self.properties),
                        {t: list(ps) for t, ps in self.properties_by_type.items()}, self.labels, self.definitions)
        for subject, predicates in added_by_subject.items():
            entity = index.entities.get(subject)
            if entity is not None:
                types = set(entity.types)
            else:
                rows = read_all(engine, _SUBJECT_TYPES_QUERY, {"s": ox.NamedNode(subject)})
                types = {lexical(row["t"]) for row in rows}
            for t in types:
                if t.startswith(iris.TG) and t not in new.types and entity is not None:
                    new.types[t] = new.term(t)
                listed = new.properties_by_type.setdefault(t, [QID_PROPERTY])
                for p in predicates - {RDF_TYPE.value}:
                    if p not in new.properties:
                        new.properties[p] = new.term(p)
                    if (p.startswith(iris.TG) or p == RDFS_LABEL) and p not in listed:
                        listed.append(p)
        return new

    def resolve_type(self, identifier: str) -> str:
        return _resolve(identifier, self.types, "type")

    def resolve_property(self, identifier: str) -> str:
        if identifier in (QID_PROPERTY, OFFICE_PROPERTY) and identifier in self.properties:
            return identifier
        return _resolve(identifier, self.properties, "property")


def _resolve(identifier: str, known: dict[str, Term], kind: str) -> str:
    """The IRI `identifier` names among `known`; a 400 naming a few known ones when none."""
    iri = term_iri(identifier)
    if iri not in known:
        some = ", ".join(t.id for t in list(known.values())[:12])
        raise BadRequest(f"unknown {kind} {identifier!r}",
                         hint=f"use one of: {some} (autocomplete: /reconcile/suggest/{kind}?prefix=)")
    return iri
