"""What the reconciliation service needs from one version of the store, kept in step with writes.

`Service` bundles the search index (`kg.linking.search`), the catalogue of types and properties
(`kg.linking.catalogue`) and each holder's offices (for the descriptions that tell candidates
apart). `service_cache()` keeps one per store version: a write through the gate updates it by the
write's delta (`Service.updated`: the index's and catalogue's own updates, and the offices of the
holders the delta touched); anything else that moves the version rebuilds it whole. Answering the
API's requests with it is `kg.linking.reconcile`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import pyoxigraph as ox

from kg import iris, vocab
from kg.linking.catalogue import Catalogue, Term
from kg.linking.index_reads import Entity, read_all
from kg.linking.search import SearchIndex
from kg.linking.text import lexical
from kg.store.cache import Change, VersionedCache
from kg.store.engine import Engine

RDFS_LABEL = vocab.RDFS_LABEL.value

_ALL_OFFICES_QUERY = iris.sparql_prologue() + """
SELECT ?s ?post ?label ?when WHERE {
  ?tenure tg:holder ?s ; tg:post ?post .
  ?post rdfs:label ?label FILTER(LANG(?label) = "en")
  OPTIONAL { ?tenure tg:endDate|tg:attestedOn|tg:startDate|tg:attestedBefore ?when }
}"""
"""Every person's posts with a date of each tenure, for the descriptions: one SELECT per version
of the store, not one per candidate."""

_HOLDERS_OF_TENURE_QUERY = iris.sparql_prologue() + """SELECT ?tenure ?s WHERE { ?tenure tg:holder ?s }"""
_HOLDERS_OF_POST_QUERY = iris.sparql_prologue() + """SELECT ?post ?s WHERE { ?tenure tg:post ?post ; tg:holder ?s }"""
_TENURE_PREDICATES = frozenset(iris.TG + p for p in ("holder", "post", "endDate", "attestedOn", "startDate",
                                                     "attestedBefore"))


@dataclass
class Service:
    """Everything reconciliation needs from one version of the store."""

    index: SearchIndex
    catalogue: Catalogue
    offices: dict[str, list[str]] = field(default_factory=dict)
    """The posts each holder held, latest known first (`office_names`)."""

    @classmethod
    def build(cls, engine: Engine) -> Service:
        index = SearchIndex.build(engine)
        return cls(index, Catalogue.build(engine, index), office_names(read_all(engine, _ALL_OFFICES_QUERY)))

    def updated(self, engine: Engine, changes: Sequence[Change]) -> Service | None:
        """This service with the changes applied (`SearchIndex.updated`, `Catalogue.updated`, the
        offices of the holders they touched), or None when only a rebuild can apply them."""
        index = self.index.updated(engine, changes)
        if index is None:
            return None
        catalogue = self.catalogue.updated(engine, index, changes)
        if catalogue is None:
            return None
        offices = self.offices
        holders = _touched_holders(engine, changes)
        if holders:
            offices = dict(offices)
            for holder in holders:
                node = ox.NamedNode(holder)
                rows = [{**row, "s": node} for row in read_all(engine, _ALL_OFFICES_QUERY, {"s": node})]
                offices.pop(holder, None)
                offices.update(office_names(rows))
        return Service(index, catalogue, offices)

    def __post_init__(self) -> None:
        self._types: dict[str, list[dict[str, str]]] = {}
        self._descriptions: dict[str, str] = {}

    def entity_types(self, entity: Entity) -> list[Term]:
        """The most specific of our types an entity has (Gang, not also Organization and Actor)."""
        ours = [t for t in entity.types if t in self.catalogue.types]
        implied = {s for t in ours for s in self.index.superclasses.get(t, ())}
        return [self.catalogue.types[t] for t in sorted(ours) if t not in implied]

    def type_refs(self, entity: Entity) -> list[dict[str, str]]:
        """`entity_types` as the API writes them, computed once per entity and version."""
        refs = self._types.get(entity.iri)
        if refs is None:
            refs = self._types[entity.iri] = [t.ref() for t in self.entity_types(entity)]
        return [dict(r) for r in refs]

    def description(self, entity: Entity) -> str:
        """What tells candidates apart: the entity's own description, else the offices it held
        ("Vice President of El Salvador"), else its kind ("gang"), never just "person" when more
        is known."""
        text = self._descriptions.get(entity.iri)
        if text is None:
            text = self._descriptions[entity.iri] = entity.description or "; ".join(
                self.offices.get(entity.iri, ())) or ", ".join(t.name for t in self.entity_types(entity))
        return text


def office_names(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Each holder's post labels, the latest known tenure first, each post once.

    A tenure's date is the latest it has (end, attested on, start, attested before), a year or a
    month counting as its first day; tenures with no date come last.

    >>> rows = [{"s": ox.NamedNode("http://x/p"), "label": ox.Literal("deputy director"),
    ...          "when": ox.Literal("2016-01-22")},
    ...         {"s": ox.NamedNode("http://x/p"), "label": ox.Literal("Police Director"),
    ...          "when": ox.Literal("2019-05")}]
    >>> office_names(rows)
    {'http://x/p': ['Police Director', 'deputy director']}
    """
    latest: dict[str, dict[str, str]] = defaultdict(dict)
    for row in rows:
        label = lexical(row["label"])
        when = lexical(row["when"]) if "when" in row else ""
        held = latest[lexical(row["s"])]
        held[label] = max(held.get(label, ""), when, key=_date_rank)
    return {s: sorted(held, key=lambda label: (-_date_rank(held[label]), label)) for s, held in latest.items()}


def _date_rank(when: str) -> int:
    """An ISO date at any precision as a number that sorts like it ("2016-01" -> 20160100)."""
    digits = when.replace("-", "")[:8]
    return int(digits.ljust(8, "0")) if digits.isdigit() else 0


def _touched_holders(engine: Engine, changes: Sequence[Change]) -> set[str]:
    """People whose offices a delta may have changed: holders of the touched tenures, of tenures
    of posts whose label changed, and holders named in the delta itself (a tenure removed)."""
    holders: set[str] = set()
    for change in changes:
        for quad in chain(change.removed, change.added):
            p, subject = quad.predicate.value, quad.subject
            if not isinstance(subject, ox.NamedNode):
                continue
            if p == iris.TG + "holder" and isinstance(quad.object, ox.NamedNode):
                holders.add(quad.object.value)
            if p in _TENURE_PREDICATES:
                rows = read_all(engine, _HOLDERS_OF_TENURE_QUERY, {"tenure": subject})
                holders.update(lexical(row["s"]) for row in rows)
            elif p == RDFS_LABEL:
                rows = read_all(engine, _HOLDERS_OF_POST_QUERY, {"post": subject})
                holders.update(lexical(row["s"]) for row in rows)
    return holders


def service_cache() -> VersionedCache[Service]:
    """The service for the store's current version: updated by each write's delta, rebuilt
    whole when the version moved any other way (`kg.store.cache`)."""
    return VersionedCache(Service.build, Service.updated)
