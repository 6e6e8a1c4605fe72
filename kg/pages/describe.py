"""A bounded description of one entity: what its page and its RDF both show.

A plain `DESCRIBE` in Oxigraph returns only the subject's own triples, which leaves a person's
page without its quotes; a symmetric CBD follows every link and can pull in half the graph. This
module sits between the two: the entity's triples, those of the nodes that exist only to say
something about it (its stances, statements, quotes and their text positions, tenures,
participations, conditions, analysis claims), the links pointing at it, and just enough about
each neighbour (labels, dates, a source's address and text file) to name it on a page.

A quote also carries the statement it belongs to (speaker, outlet), since a quote alone
names nobody; a statement carries the value, issue and holder of each stance it expressed, which
its page shows as badges. Everything comes from one SPARQL query with the entity bound through ``substitutions``, so the
HTTP page costs one engine round trip, paged with LIMIT/OFFSET so a hub never floods a response.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import pyoxigraph as ox

from kg import iris
from kg.errors import BadRequest, NotFound
from kg.linking.search import SearchIndex
from kg.store.engine import Engine, QueryRequest
from kg.vocab import RDFS, SKOS

#: The kinds of entity IRIs (`{base}id/{kind}/{slug}`), as docs/ARCHITECTURE.md fixes them.
ENTITY_KINDS = (
    "person",
    "organization",
    "place",
    "post",
    "tenure",
    "issue",
    "stance",
    "condition",
    "statement",
    "quote",
    "claim",
    "event",
    "participation",
    "source",
)

#: The ontology class each kind of IRI names, whose label (in the page's language) names the kind.
KIND_CLASSES = {
    kind: iris.TG + cls
    for kind, cls in zip(
        ENTITY_KINDS,
        ("Person", "Organization", "Place", "Post", "Tenure", "Issue", "Stance", "Condition", "Statement",
         "Quote", "AnalysisClaim", "Event", "Participation", "Source"),
        strict=True,
    )
}


def kind_label(kind: str, labels: Mapping[str, str]) -> str:
    """A kind of entity named by its class's label in `labels` (a `Vocabulary`'s, so in the page's
    language), else the kind itself.

    >>> kind_label("person", {iris.TG + "Person": "persona"}), kind_label("thing", {})
    ('persona', 'thing')
    """
    return labels.get(KIND_CLASSES.get(kind, ""), kind)


DEFAULT_PAGE_SIZE = 2000
MAX_PAGE_SIZE = 10_000

# Links that make a node part of its owner's description. "Owners" point down to their parts;
# parts point up to the actor they are about. Kept in one place so RDF and HTML agree.
_UP = "^tg:stanceOf|^tg:speaker|^tg:holder|^tg:participant|^tg:claimant"
_DOWN = "tg:expressedIn|tg:hasQuote|tg:position|tg:hasCondition|tg:hasParticipation"
_NEIGHBOUR_FACTS = "rdfs:label skos:prefLabel tg:date tg:startDate tg:endDate tg:url tg:textFile"
_NEIGHBOUR_FACTS_LIST = ", ".join(_NEIGHBOUR_FACTS.split())
# Shaped by measurement (bench/linked_pages.py). The entity arrives through `substitutions`,
# which Oxigraph applies at evaluation time: its planner sees `?e` as unbound, so sub-SELECTs and
# LATERAL (evaluated on their own) would enumerate the whole store (seconds at 1M triples). Every
# branch therefore starts from `?e` in a plain pattern. Classes (objects of rdf:type) are not
# neighbours here: their labels live in /ontology, and skipping them halves the work.

DESCRIPTION_QUERY = f"""{iris.sparql_prologue()}
SELECT DISTINCT ?s ?p ?o ?e WHERE {{
  {{ ?e ({_UP})? ?n0 . ?n0 ({_DOWN})* ?s . ?s ?p ?o }}
  UNION {{ ?s ?p ?e . BIND(?e AS ?o) }}
  UNION {{ ?e ({_UP})? ?n0 . ?n0 ({_DOWN})* ?n . ?n ?p1 ?s . FILTER(isIRI(?s) && ?p1 != rdf:type)
           ?s ?p ?o . FILTER(?p IN ({_NEIGHBOUR_FACTS_LIST})) }}
  UNION {{ ?s ?p1 ?e . ?s ?p ?o . FILTER(?p IN (rdfs:label, skos:prefLabel)) }}
  UNION {{ ?e (^tg:hasQuote|^tg:position/^tg:hasQuote) ?s . ?s ?p ?o }}
  UNION {{ ?e (^tg:hasQuote|^tg:position/^tg:hasQuote) ?x . ?x ?p1 ?s . FILTER(isIRI(?s))
           ?s ?p ?o . FILTER(?p IN ({_NEIGHBOUR_FACTS_LIST})) }}
  UNION {{ ?e ^tg:expressedIn ?s . ?s ?p ?o . FILTER(?p IN (tg:stanceValue, tg:onIssue, tg:stanceOf)) }}
  UNION {{ ?e ^tg:participant ?o . ?s tg:hasParticipation ?o . BIND(tg:hasParticipation AS ?p) }}
  UNION {{ ?e ^tg:participant ?x . ?s tg:hasParticipation ?x . ?s ?p ?o .
           FILTER(?p IN ({_NEIGHBOUR_FACTS_LIST}, rdf:type)) }}
}}
"""
# LIMIT and OFFSET cannot be bound by substitution; they are formatted from validated ints only.
_PAGE_CLAUSE = "LIMIT {limit:d} OFFSET {offset:d}\n"
_PROLOGUE, _, _SELECT = DESCRIPTION_QUERY.partition("SELECT DISTINCT")
_CONSTRUCT_QUERY = (
    _PROLOGUE.replace("{", "{{").replace("}", "}}")
    + "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SELECT DISTINCT"
    + _SELECT.replace("{", "{{").replace("}", "}}")
    + "{page} }}\n"
)


@dataclass(frozen=True)
class Description:
    """The triples of one page of an entity's bounded description, with lookups for pages.

    `has_next` says whether `page + 1` holds more triples; pages are stable for one store version.
    """

    iri: str
    triples: list[ox.Triple]
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    has_next: bool = False

    @cached_property
    def _by_subject(self) -> dict[str, dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]]]:
        index: dict[str, dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for t in self.triples:
            bucket = index[_key(t.subject)][t.predicate.value]
            if not isinstance(t.object, ox.Triple) and t.object not in bucket:  # (the store holds no triple terms)
                bucket.append(t.object)
        return index

    @cached_property
    def _by_object(self) -> dict[str, dict[str, list[ox.NamedNode | ox.BlankNode]]]:
        index: dict[str, dict[str, list[ox.NamedNode | ox.BlankNode]]] = defaultdict(lambda: defaultdict(list))
        for t in self.triples:
            if isinstance(t.object, ox.NamedNode | ox.BlankNode):
                bucket = index[_key(t.object)][t.predicate.value]
                if not isinstance(t.subject, ox.Triple) and t.subject not in bucket:
                    bucket.append(t.subject)
        return index

    @property
    def exists(self) -> bool:
        """True when the store holds at least one triple about (not just pointing at) the entity."""
        return self.iri in self._by_subject

    def objects(self, subject: str, predicate: str) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
        return list(self._by_subject.get(subject, {}).get(predicate, []))

    def subjects(self, predicate: str, obj: str) -> list[ox.NamedNode | ox.BlankNode]:
        return list(self._by_object.get(obj, {}).get(predicate, []))

    def value(self, subject: str, predicate: str) -> ox.NamedNode | ox.BlankNode | ox.Literal | None:
        found = self.objects(subject, predicate)
        return found[0] if found else None

    def properties(self, subject: str) -> dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal]]:
        return {p: list(v) for p, v in self._by_subject.get(subject, {}).items()}

    def incoming(self, obj: str) -> dict[str, list[ox.NamedNode | ox.BlankNode]]:
        return {p: list(v) for p, v in self._by_object.get(obj, {}).items()}

    def label(self, node: ox.NamedNode | ox.BlankNode | ox.Literal | str, *, lang: str = "en") -> str:
        """The best human name for a node: its label in `lang`, else in English, else untagged, else
        any label, else its IRI's last part."""
        key = node if isinstance(node, str) else _key(node)
        if isinstance(node, ox.Literal):
            return node.value
        labels = [
            lit
            for p in (RDFS + "label", SKOS + "prefLabel")
            for lit in self._by_subject.get(key, {}).get(p, [])
            if isinstance(lit, ox.Literal)
        ]
        for wanted in (lang, "en", None):  # the page's language, then English, then untagged, then any
            for lit in labels:
                if lit.language == wanted:
                    return lit.value
        return labels[0].value if labels else local_name(key)


def _key(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return str(term)


def local_name(iri: str) -> str:
    """The readable tail of an IRI: `tg:Person` -> `Person`, `.../id/person/oscar-ortiz` -> `oscar-ortiz`.

    >>> local_name("https://w3id.org/tregua/ontology#Person")
    'Person'
    >>> local_name("https://w3id.org/tregua/id/person/oscar-ortiz")
    'oscar-ortiz'
    """
    for sep in ("#", "/"):
        if sep in iri.rstrip(sep):
            tail = iri.rstrip(sep).rsplit(sep, 1)[1]
            if tail:
                return tail
    return iri


def description_request(iri: str, *, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE) -> QueryRequest:
    """The query for one page of `iri`'s description; raises `BadRequest` for a page out of range."""
    if page < 1:
        raise BadRequest(f"page must be 1 or more, not {page}", hint="use ?page=1 for the first page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise BadRequest(f"page size must be between 1 and {MAX_PAGE_SIZE}, not {page_size}")
    page_clause = _PAGE_CLAUSE.format(limit=int(page_size) + 1, offset=(int(page) - 1) * int(page_size))
    return QueryRequest(_CONSTRUCT_QUERY.format(page=page_clause), substitutions={"e": ox.NamedNode(iri)})


def read_description(iri: str, data: bytes, *, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE) -> Description:
    """The description from the N-Triples the query of `description_request` produced."""
    triples = list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    has_next = len(triples) > page_size
    return Description(iri, triples[:page_size], page=page, page_size=page_size, has_next=has_next)


# N-Triples bytes rather than rows: a worker process sends them in one message without pickling
# each term, and parsing them back is Rust-fast (bench/linked_pages.py measures the difference).
_SOLUTIONS_FORMAT = ox.QueryResultsFormat.JSON
_GRAPH_FORMAT = ox.RdfFormat.N_TRIPLES


def describe(engine: Engine, iri: str, *, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE) -> Description:
    """One page of the bounded description of `iri`.

    Raises `BadRequest` for a page or page size out of range; never raises for an unknown IRI
    (the result's `exists` is then False, so the caller decides between 404 and an empty page).

    >>> from kg.store.engine import InProcessEngine
    >>> store = ox.Store()
    >>> ex = ox.NamedNode("https://w3id.org/tregua/id/person/x")
    >>> store.add(ox.Quad(ex, ox.NamedNode(RDFS + "label"), ox.Literal("X", language="en")))
    >>> d = describe(InProcessEngine(store), ex.value)
    >>> d.exists, d.label(ex.value), d.has_next
    (True, 'X', False)
    """
    request = description_request(iri, page=page, page_size=page_size)
    result = engine.serialize(request, solutions_format=_SOLUTIONS_FORMAT, graph_format=_GRAPH_FORMAT)
    return read_description(iri, b"".join(result.chunks), page=page, page_size=page_size)


async def describe_async(engine: Engine, iri: str, *, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE) -> Description:
    """`describe` for an event loop: through the engine's `serialize_async` when it has one.

    The worker pool's event-loop path waits on the worker's pipe without a thread hop, which is
    most of the per-request overhead for a small page; other engines run in a thread.
    """
    request = description_request(iri, page=page, page_size=page_size)
    native = getattr(engine, "serialize_async", None)
    if native is not None:
        result = await native(request, solutions_format=_SOLUTIONS_FORMAT, graph_format=_GRAPH_FORMAT)
    else:
        serialize = functools.partial(engine.serialize, request, solutions_format=_SOLUTIONS_FORMAT,
                                      graph_format=_GRAPH_FORMAT)
        result = await asyncio.to_thread(serialize)
    if hasattr(result.chunks, "close"):  # more than one message: read the rest off the loop
        data = await asyncio.to_thread(b"".join, result.chunks)
    else:
        data = b"".join(result.chunks)
    return read_description(iri, data, page=page, page_size=page_size)


def closest_names(index: SearchIndex, iri: str, *, base_iri: str = iris.BASE, limit: int = 5) -> list[tuple[str, str]]:
    """The entities whose names are closest to the unknown `iri`, best first, as (IRI, label).

    The slug is read as words ("oscar-ortis" -> "oscar ortis") and matched by the search index
    (accent- and case-folded, typo-tolerant, built once per store version), so suggesting costs
    milliseconds even on a million triples. Entities of the kind in the path come first, so a
    mistyped `/id/person/...` suggests the person rather than an outlet of a similar name.
    """
    prefix = base_iri + "id/"
    tail = iri[len(prefix) :] if iri.startswith(prefix) else local_name(iri)
    kind, _, slug = tail.partition("/")
    words = re.sub(r"[^0-9A-Za-zÀ-ÿ]+", " ", slug or kind)
    matches = [m for m in index.match_names(words, limit=limit * 4) if m.entity.iri.startswith(prefix)]
    matches.sort(key=lambda m: (m.entity.kind != kind, -m.score))
    return [(m.entity.iri, m.entity.label) for m in matches[:limit]]


def not_found(index: SearchIndex, iri: str, *, base_iri: str = iris.BASE) -> NotFound:
    """The NotFound error for an unknown entity, carrying the closest names as suggestions."""
    suggestions = [s for s, _ in closest_names(index, iri, base_iri=base_iri)]
    return NotFound(f"no entity {iri} in this graph", suggestions=suggestions)


def entities_of_kind(index: SearchIndex, kind: str, *, base_iri: str = iris.BASE) -> list[tuple[str, str]]:
    """Every named entity of one kind, as (IRI, label) sorted by label, from the search index."""
    prefix = f"{base_iri}id/{kind}/"
    found = [(e.iri, e.label) for e in index.entities.values() if e.iri.startswith(prefix) and "#" not in e.iri]
    return sorted(found, key=lambda pair: (pair[1].lower(), pair[0]))
