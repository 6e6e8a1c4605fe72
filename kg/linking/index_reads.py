"""What the search index reads from the store, and which writes make it read again.

`read_index` is the index's whole read: four SELECTs without user text (names, types, the direct
subclass pairs, quotes), sorted out in Python; `read_entity` and `read_quote` are the same reads for
one subject, bound through `substitutions`, for an update by a write's delta. `Touched.of` picks
from a delta the subjects and quotes the index holds, or says that only a rebuild will do (the
class hierarchy changed, or more than `MAX_TOUCHED` things did). The records read (`Name`,
`Entity`, `Quote`) are what `kg.linking.search.SearchIndex` indexes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain

import pyoxigraph as ox

from kg import iris
from kg.build.closure import transitive_closure
from kg.linking.text import compact, lexical, tokens
from kg.store.cache import Change
from kg.store.engine import Engine, QueryRequest, Term
from kg.vocab import RDF_TYPE, RDFS, SKOS

PRIMARY_NAME_PREDICATES: tuple[str, ...] = (
    RDFS + "label",
    SKOS + "prefLabel",
    iris.PREFIXES["schema"] + "name",
    iris.PREFIXES["foaf"] + "name",
)
"""Predicates whose values name an entity; the first one found (English first) is its display name."""

ALIAS_PREDICATES: tuple[str, ...] = (
    iris.TG + "alias",
    SKOS + "altLabel",
    iris.PREFIXES["schema"] + "alternateName",
)
"""Other names an entity is known by ("MS-13", "Mara Salvatrucha", "Oscar Ortiz")."""

DESCRIPTION_PREDICATES: tuple[str, ...] = (
    iris.TG + "description",
    iris.PREFIXES["dct"] + "description",
    iris.PREFIXES["schema"] + "description",
    SKOS + "definition",
)

ENTITY_BASE = iris.BASE + "id/"


@dataclass(frozen=True)
class Name:
    """One name of an entity, as written and as folded (words, compact key, words joined)."""

    text: str
    lang: str
    primary: bool
    words: tuple[str, ...]
    key: str = ""
    spaced: str = ""

    @classmethod
    def of(cls, text: str, lang: str, primary: bool) -> Name:
        words = tuple(tokens(text))
        return cls(text, lang, primary, words, compact(words), " ".join(words))


@dataclass
class Entity:
    """What search and reconciliation need to know of one entity, in memory."""

    iri: str
    label: str = ""
    names: list[Name] = field(default_factory=list)
    types: set[str] = field(default_factory=set)
    description: str = ""

    @property
    def short_id(self) -> str:
        """`kind/slug`: the identifier the reconciliation API uses (identifierSpace + id = IRI)."""
        return self.iri[len(ENTITY_BASE):] if self.iri.startswith(ENTITY_BASE) else self.iri

    @property
    def kind(self) -> str:
        return self.short_id.split("/", 1)[0]


@dataclass(frozen=True)
class Quote:
    """Verbatim words, searchable, with who said them."""

    iri: str
    text: str
    words: tuple[str, ...]
    speaker: str | None


def _choose_label(names: Iterable[Name]) -> str:
    primaries = [n for n in names if n.primary] or list(names)
    for lang in ("en", "", "es"):
        for n in primaries:
            if n.lang == lang:
                return n.text
    return primaries[0].text if primaries else ""


INDEX_MAX_ROWS = 100_000_000
INDEX_QUERY_TIMEOUT = 900.0
"""The index reads whole columns of the store (147k names on the 1M-triple synthetic graph):
past the endpoint's limits for client queries, which are there to protect the server from
strangers, not from its own fixed, text-free queries."""


def read_all(engine: Engine, query: str,
             substitutions: Mapping[str, Term] | None = None) -> list[dict[str, Term]]:
    """Every row of one of the index's own SELECTs, whatever the engine's client limits."""
    request = QueryRequest(query, substitutions=substitutions, timeout=INDEX_QUERY_TIMEOUT)
    return engine.select(request, max_rows=INDEX_MAX_ROWS).rows


_NAME_VALUES = " ".join(f"<{p}>" for p in
                        (*PRIMARY_NAME_PREDICATES, *ALIAS_PREDICATES, *DESCRIPTION_PREDICATES))
_NAMES_QUERY = f"""
SELECT ?s ?p ?o WHERE {{
  VALUES ?p {{ {_NAME_VALUES} }}
  ?s ?p ?o .
}}"""
"""No FILTER on purpose: Oxigraph answers a bare pattern from its indexes, while a string test on
every row made this query three times slower; the rows are sorted out in Python instead."""

_TYPES_QUERY = """SELECT ?s ?t WHERE { ?s a ?t }"""
"""Kept only for named entities and our own classes, in Python (same reason)."""

# The direct pairs only; their closure is taken in Python (`transitive_closure`): a `subClassOf+` path with
# both ends open is refused by Virtuoso ("transitive start not given"), and the pairs are few.
_SUBCLASS_QUERY = """
SELECT DISTINCT ?c ?d WHERE {
  ?c <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?d .
  FILTER(isIRI(?c) && isIRI(?d))
}"""


_QUOTES_QUERY = iris.sparql_prologue() + """
SELECT ?q ?text ?speaker WHERE {
  ?q a tg:Quote ; tg:text ?text .
  OPTIONAL { ?statement tg:hasQuote ?q ; tg:speaker ?speaker . }
}"""

# The same reads for one subject, bound through `substitutions` (?s / ?q / ?statement: a
# bound variable must be in the projection).
_SUBJECT_NAMES_QUERY = f"""
SELECT ?s ?p ?o WHERE {{
  VALUES ?p {{ {_NAME_VALUES} }}
  ?s ?p ?o .
}}"""
_SUBJECT_TYPES_QUERY = """SELECT ?s ?t WHERE { ?s a ?t }"""
_STATEMENT_QUOTES_QUERY = iris.sparql_prologue() + """SELECT ?statement ?q WHERE { ?statement tg:hasQuote ?q }"""

MAX_TOUCHED = 1_000
"""Subjects (and quotes) one update re-reads at most; a larger delta (a bulk load) rebuilds."""
_NAME_PREDICATE_SET = frozenset((*PRIMARY_NAME_PREDICATES, *ALIAS_PREDICATES, *DESCRIPTION_PREDICATES))
_SUBCLASS_OF = RDFS + "subClassOf"
_QUOTE_TEXT, _HAS_QUOTE, _SPEAKER = iris.TG + "text", iris.TG + "hasQuote", iris.TG + "speaker"


@dataclass
class Touched:
    """What a delta changed that the index holds: entities (names, types) and quotes."""

    subjects: set[str] = field(default_factory=set)
    quotes: set[str] = field(default_factory=set)
    statements: set[str] = field(default_factory=set)
    """Statements whose speaker changed: their quotes are re-read."""

    @classmethod
    def of(cls, changes: Iterable[Change]) -> Touched | None:
        """The index's part of the changes; None when only a rebuild can apply them (the class
        hierarchy changed, or too much did).

        >>> s, t = ox.NamedNode(ENTITY_BASE + "person/x"), ox.NamedNode(iris.TG + "alias")
        >>> Touched.of([Change("v1", "v2", (), (ox.Quad(s, t, ox.Literal("X")),))]).subjects
        {'https://w3id.org/tregua/id/person/x'}
        """
        out = cls()
        for change in changes:
            for quad in chain(change.removed, change.added):
                p, subject, o = quad.predicate.value, quad.subject, quad.object
                if p == _SUBCLASS_OF:
                    return None
                if not isinstance(subject, ox.NamedNode):
                    continue
                if (p in _NAME_PREDICATE_SET or p == RDF_TYPE.value) and subject.value.startswith(ENTITY_BASE):
                    out.subjects.add(subject.value)
                if p in (RDF_TYPE.value, _QUOTE_TEXT):
                    out.quotes.add(subject.value)
                elif p == _HAS_QUOTE and isinstance(o, ox.NamedNode):
                    out.quotes.add(o.value)
                elif p == _SPEAKER:
                    out.statements.add(subject.value)
            if len(out.subjects) + len(out.quotes) + len(out.statements) > MAX_TOUCHED:
                return None
        return out


def read_index(engine: Engine) -> tuple[dict[str, Entity], list[Quote], dict[str, set[str]]]:
    """The named entities (by IRI), the quotes and every class's ancestors, read whole."""
    entities: dict[str, Entity] = {}
    raw_names: dict[str, dict[tuple[str, str, bool], None]] = defaultdict(dict)
    descriptions: dict[str, dict[str, str]] = defaultdict(dict)
    primary, alias = set(PRIMARY_NAME_PREDICATES), set(ALIAS_PREDICATES)
    for row in read_all(engine, _NAMES_QUERY):
        subject, o = row["s"], row["o"]
        if not (isinstance(subject, ox.NamedNode) and subject.value.startswith(ENTITY_BASE)
                and isinstance(o, ox.Literal)):
            continue
        s, p = subject.value, lexical(row["p"])
        entities.setdefault(s, Entity(s))
        if p in primary or p in alias:
            raw_names[s][(o.value, o.language or "", p in primary)] = None
        else:
            descriptions[s].setdefault(o.language or "", o.value)
    for s, names in raw_names.items():
        entity = entities[s]
        entity.names = [name for text, lang, is_primary in names
                        if (name := Name.of(text, lang, is_primary)).words]
        entity.label = _choose_label(entity.names)
    for s, texts in descriptions.items():
        entities[s].description = texts.get("en") or texts.get("") or next(iter(texts.values()))
    for row in read_all(engine, _TYPES_QUERY):
        typed = entities.get(lexical(row["s"]))
        type_iri = lexical(row["t"])
        if typed is not None and type_iri.startswith(iris.TG):
            typed.types.add(type_iri)
    superclasses: dict[str, set[str]] = defaultdict(set)
    for row in read_all(engine, _SUBCLASS_QUERY):
        superclasses[lexical(row["c"])].add(lexical(row["d"]))
    superclasses = defaultdict(set, transitive_closure(superclasses))
    for entity in entities.values():
        # Stores without the inferred graph still answer "is a tg:Actor?" for a tg:Person.
        for t in list(entity.types):
            entity.types |= superclasses.get(t, set())
        if not entity.label:
            entity.label = entity.short_id
    quotes: list[Quote] = []
    for row in read_all(engine, _QUOTES_QUERY):
        text = lexical(row["text"])
        speaker = row.get("speaker")
        quotes.append(Quote(lexical(row["q"]), text, tuple(tokens(text)),
                            speaker.value if isinstance(speaker, ox.NamedNode) else None))
    named = {iri: e for iri, e in entities.items() if e.names}
    return named, quotes, dict(superclasses)


def read_entity(engine: Engine, iri: str, superclasses: Mapping[str, set[str]]) -> Entity | None:
    """One entity's names, description and types, as `SearchIndex.build` reads them for all."""
    subject = ox.NamedNode(iri)
    entity = Entity(iri)
    raw: dict[tuple[str, str, bool], None] = {}
    descriptions: dict[str, str] = {}
    primary = set(PRIMARY_NAME_PREDICATES)
    alias = set(ALIAS_PREDICATES)
    for row in read_all(engine, _SUBJECT_NAMES_QUERY, {"s": subject}):
        o, p = row["o"], lexical(row["p"])
        if not isinstance(o, ox.Literal):
            continue
        if p in primary or p in alias:
            raw[(o.value, o.language or "", p in primary)] = None
        else:
            descriptions.setdefault(o.language or "", o.value)
    entity.names = [name for text, lang, is_primary in raw if (name := Name.of(text, lang, is_primary)).words]
    if not entity.names:
        return None
    entity.label = _choose_label(entity.names) or entity.short_id
    if descriptions:
        entity.description = descriptions.get("en") or descriptions.get("") or next(iter(descriptions.values()))
    for row in read_all(engine, _SUBJECT_TYPES_QUERY, {"s": subject}):
        type_iri = lexical(row["t"])
        if type_iri.startswith(iris.TG):
            entity.types.add(type_iri)
    for t in list(entity.types):
        entity.types |= superclasses.get(t, set())
    return entity


def read_quote(engine: Engine, iri: str) -> list[Quote]:
    """One quote's rows (one per speaker), as `SearchIndex.build` reads them for all."""
    out = []
    for row in read_all(engine, _QUOTES_QUERY, {"q": ox.NamedNode(iri)}):
        text = lexical(row["text"])
        speaker = row.get("speaker")
        out.append(Quote(iri, text, tuple(tokens(text)), speaker.value if isinstance(speaker, ox.NamedNode) else None))
    return out


def statement_quotes(engine: Engine, statement: str) -> list[str]:
    """The quotes of one statement (re-read when its speaker changed)."""
    rows = read_all(engine, _STATEMENT_QUOTES_QUERY, {"statement": ox.NamedNode(statement)})
    return [lexical(row["q"]) for row in rows]
