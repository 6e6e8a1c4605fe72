"""An accent-folded index over the names (labels and aliases) and quotes of the entities.

One index serves both `/search` (people typing words) and reconciliation (a researcher's
column of names), so that both find "Óscar Ortiz" from "oscar ortiz" and "MS13" from "MS-13"
in the same way. It is built from the store in one pass of four SELECTs and kept in memory:
for our sizes (hundreds of entities; tens of thousands on the synthetic graph) that is cheaper
and faster than any text index inside the store. It follows `engine.version`
(`kg.store.cache.VersionedCache`): after a write through the gate, `SearchIndex.updated` applies
the write's delta (the touched subjects' names and types, the touched quotes, re-read with bound
parameters), in proportion to the change; after anything else that moves the version (a build,
a restore, a change to the class hierarchy, a delta touching more than `MAX_TOUCHED` subjects)
it is built again whole.

Matching, in three steps that keep a batch of names around or above 1,000 names/s even on the
1M-triple synthetic graph (bench/linked.py):
1. *Folding*: NFKD, drop combining marks, casefold, split on anything that is not a letter or
   digit. "Óscar  Ortiz" → ("oscar", "ortiz"); its *compact key* "oscarortiz" makes "MS-13",
   "MS 13" and "MS13" one name.
2. *Blocking*: an inverted index from tokens (and compact keys) to names picks the candidates,
   rarest tokens first, at most 32 of them; a query token we have never seen is replaced by its
   nearest known tokens (rapidfuzz) when the known ones do not tell names apart, so a misspelt
   name still finds its candidates.
3. *Scoring* with rapidfuzz (C code) on the few candidates only: 100 for the same compact key,
   otherwise the better of token-sort and plain similarity.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter

import pyoxigraph as ox
from rapidfuzz import fuzz, process

from kg import iris
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
SELECTIVE_POSTING = 200
"""A known query token held by at most this many names is selective enough to skip spelling repair."""
TOP_CANDIDATES = 32
"""Names scored per query (the best by shared-token weight)."""
MAX_POSTINGS_VISITED = 2_000
"""Blocking cap: rare tokens are looked up first, so a common token ("el") cannot flood the work."""

_TOKEN_RE = re.compile(r"[^\W_]+")


def lexical(term: object) -> str:
    """The lexical form of a term read from the store (IRI, literal, blank node id).

    >>> lexical(ox.Literal("Óscar Ortiz", language="es"))
    'Óscar Ortiz'
    """
    value = getattr(term, "value", None)
    return value if isinstance(value, str) else str(term)


def fold(text: str) -> str:
    """Lower-case text without accents, so that names compare as people read them.

    >>> fold("Óscar ORTIZ")
    'oscar ortiz'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def tokens(text: str) -> list[str]:
    """The folded words of a text; punctuation and spaces only separate them.

    >>> tokens("MS-13 (Mara Salvatrucha)")
    ['ms', '13', 'mara', 'salvatrucha']
    """
    return _TOKEN_RE.findall(fold(text))


def compact(words: Sequence[str]) -> str:
    """The words run together: the key under which "MS13", "MS-13" and "ms 13" are one name.

    >>> compact(tokens("MS-13")) == compact(tokens("ms13"))
    True
    """
    return "".join(words)


def name_score(query_words: Sequence[str], name_words: Sequence[str]) -> float:
    """How alike two names are, 0–100: 100 only when they are the same once folded.

    >>> name_score(tokens("Oscar Ortiz"), tokens("Óscar Ortiz"))
    100.0
    >>> name_score(tokens("Ortiz Oscar"), tokens("Óscar Ortiz")) >= 95
    True
    """
    return folded_score(compact(query_words), " ".join(query_words),
                        compact(name_words), " ".join(name_words))


def folded_score(q: str, spaced_q: str, n: str, spaced_n: str) -> float:
    """`name_score` on names already folded: compact keys and space-joined words."""
    if not q or not n:
        return 0.0
    if q == n:
        return 100.0
    # Word order differs ("Ortiz, Óscar"): token sort; one word misspelt: plain ratio. Both
    # stay below 100 so that only a true equality can be a sure match on its own.
    best = max(fuzz.token_sort_ratio(spaced_q, spaced_n), fuzz.ratio(q, n))
    return min(float(best), 99.0)


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


@dataclass(frozen=True)
class NameMatch:
    """An entity found by one of its names."""

    entity: Entity
    score: float
    matched: Name


@dataclass(frozen=True)
class SearchHit:
    """One search result: an entity found by a name, or a quote found by its words."""

    iri: str
    short_id: str
    name: str
    kind: str
    field: str  # "label", "alias" or "quote"
    matched: str
    score: float
    speaker: str | None = None
    speaker_name: str | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "id": self.short_id, "iri": self.iri, "name": self.name, "kind": self.kind,
            "field": self.field, "matched": self.matched, "score": round(self.score, 1),
        }
        if self.speaker:
            out["speaker"] = {"iri": self.speaker, "name": self.speaker_name or self.speaker}
        return out


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

# The direct pairs only; their closure is taken in Python (`_closure`): a `subClassOf+` path with
# both ends open is refused by Virtuoso ("transitive start not given"), and the pairs are few.
_SUBCLASS_QUERY = """
SELECT DISTINCT ?c ?d WHERE {
  ?c <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?d .
  FILTER(isIRI(?c) && isIRI(?d))
}"""


def _closure(direct: dict[str, set[str]]) -> dict[str, set[str]]:
    """Every ancestor of each class, from the direct superclasses (cycles allowed).

    >>> sorted(_closure({"a": {"b"}, "b": {"c"}, "c": {"a"}})["a"])
    ['a', 'b', 'c']
    """
    out: dict[str, set[str]] = {}
    for start in direct:
        seen: set[str] = set()
        todo = list(direct[start])
        while todo:
            cls = todo.pop()
            if cls not in seen:
                seen.add(cls)
                todo.extend(direct.get(cls, ()))
        out[start] = seen
    return out

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


class SearchIndex:
    """Names and quotes of the store's entities, folded and indexed for search and reconciliation.

    Build it with `SearchIndex.build(engine)`; it does not change afterwards (but for a memo of
    near spellings): `updated` makes a successor, sharing what a delta left alone, so any number of
    threads may read it while `VersionedCache` builds or updates its successor.
    """

    def __init__(self, entities: dict[str, Entity], quotes: list[Quote], superclasses: dict[str, set[str]],
                 *, version: str = "") -> None:
        self.version = version
        self.entities = entities
        self.quotes = quotes
        self.superclasses = superclasses
        self._by_short_id = {e.short_id: e for e in entities.values()}
        # Names: parallel arrays addressed by a name number.
        # Names: parallel arrays addressed by a name number; an update appends, and the numbers
        # of names it removed are only dropped from the postings (`_dead` counts them).
        self._name_entity: list[Entity] = []
        self._names: list[Name] = []
        self._entity_names: dict[str, list[int]] = {}
        postings: dict[str, list[int]] = defaultdict(list)
        for entity in entities.values():
            numbers = self._entity_names[entity.iri] = []
            for name in entity.names:
                n = len(self._names)
                numbers.append(n)
                self._names.append(name)
                self._name_entity.append(entity)
                for token in {*name.words, name.key}:
                    postings[token].append(n)
        self._postings = dict(postings)
        self._vocabulary = sorted(self._postings)
        quote_postings: dict[str, list[int]] = defaultdict(list)
        self._quote_rows: dict[str, list[int]] = defaultdict(list)
        for i, quote in enumerate(quotes):
            self._quote_rows[quote.iri].append(i)
            for token in set(quote.words):
                quote_postings[token].append(i)
        self._quote_rows = dict(self._quote_rows)
        self._quote_postings = dict(quote_postings)
        self._quote_vocabulary = sorted(self._quote_postings)
        self._dead = 0
        # Near spellings found for unknown tokens, per vocabulary: a table repeats its misspellings.
        self._near_memo: dict[int, dict[str, list[str]]] = {}

    # -- building -------------------------------------------------------------------------

    @classmethod
    def build(cls, engine: Engine) -> SearchIndex:
        """Read names, types and quotes through the engine (three SELECTs, no user text in them)."""
        version = engine.version
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
        superclasses = defaultdict(set, _closure(superclasses))
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
        return cls(named, quotes, dict(superclasses), version=version)

    # -- updating by a delta ---------------------------------------------------------------

    def updated(self, engine: Engine, changes: Sequence[Change]) -> SearchIndex | None:
        """A new index: this one with the changes applied, or None when they need a rebuild.

        Only what the delta touched is read again (each subject's names and types, each quote,
        with the subject bound as a parameter), and only the postings of their words are copied:
        the rest (hundreds of thousands of names on a large graph) is shared with this index,
        which readers may go on using meanwhile.
        """
        touched = Touched.of(changes)
        if touched is None:
            return None
        if self._dead > max(len(self._names) // 4, 1_000):
            return None  # many dead name numbers: a rebuild compacts them
        new = self._copy(changes[-1].version_after if changes else self.version)
        for iri in touched.subjects:
            new._replace_entity(iri, _read_entity(engine, iri, self.superclasses))
        quotes = set(touched.quotes)
        for statement in touched.statements:
            rows = read_all(engine, _STATEMENT_QUOTES_QUERY, {"statement": ox.NamedNode(statement)})
            quotes.update(lexical(row["q"]) for row in rows)
        for iri in quotes:
            new._replace_quote(iri, _read_quote(engine, iri))
        return new

    def _copy(self, version: str) -> SearchIndex:
        """A shallow copy whose containers may change: the lists inside them are shared, and
        replaced (never changed in place) by `_replace_entity` and `_replace_quote`."""
        new = object.__new__(SearchIndex)
        new.version = version
        new.entities = dict(self.entities)
        new.quotes = list(self.quotes)
        new.superclasses = self.superclasses
        new._by_short_id = dict(self._by_short_id)
        new._name_entity = list(self._name_entity)
        new._names = list(self._names)
        new._entity_names = dict(self._entity_names)
        new._postings = dict(self._postings)
        new._vocabulary = list(self._vocabulary)
        new._quote_rows = dict(self._quote_rows)
        new._quote_postings = dict(self._quote_postings)
        new._quote_vocabulary = list(self._quote_vocabulary)
        new._dead = self._dead
        new._near_memo = {}
        return new

    def _replace_entity(self, iri: str, entity: Entity | None) -> None:
        old = self.entities.pop(iri, None)
        if old is not None:
            self._by_short_id.pop(old.short_id, None)
        for n in self._entity_names.pop(iri, []):
            name = self._names[n]
            _unpost(self._postings, self._vocabulary, {*name.words, name.key}, n)
            self._dead += 1
        if entity is None or not entity.names:
            return
        self.entities[iri] = entity
        self._by_short_id[entity.short_id] = entity
        numbers = self._entity_names[iri] = []
        for name in entity.names:
            n = len(self._names)
            numbers.append(n)
            self._names.append(name)
            self._name_entity.append(entity)
            _post(self._postings, self._vocabulary, {*name.words, name.key}, n)

    def _replace_quote(self, iri: str, quotes: list[Quote]) -> None:
        for i in self._quote_rows.pop(iri, []):
            _unpost(self._quote_postings, self._quote_vocabulary, set(self.quotes[i].words), i)
        if not quotes:
            return
        rows = self._quote_rows[iri] = []
        for quote in quotes:
            i = len(self.quotes)
            rows.append(i)
            self.quotes.append(quote)
            _post(self._quote_postings, self._quote_vocabulary, set(quote.words), i)

    # -- lookups ---------------------------------------------------------------------------

    def entity(self, identifier: str) -> Entity | None:
        """An entity by full IRI or by `kind/slug`."""
        return self.entities.get(identifier) or self._by_short_id.get(identifier)

    def _expand(self, token: str, vocabulary: list[str], postings: dict[str, list[int]],
                *, prefix: bool) -> list[str]:
        """Known tokens standing for one query token: itself, those it begins (prefix), or near ones."""
        if prefix:
            start = bisect.bisect_left(vocabulary, token)
            found: list[str] = []
            for t in vocabulary[start:start + 200]:
                if not t.startswith(token):
                    break
                found.append(t)
            if found:
                return found
        elif token in postings:
            return [token]
        if len(token) < 3:
            return []
        memo = self._near_memo.setdefault(id(vocabulary), {})
        if token in memo:
            return memo[token]
        if len(memo) > 50_000:
            memo.clear()
        memo[token] = self._near(token, vocabulary)
        return memo[token]

    @staticmethod
    def _near(token: str, vocabulary: list[str]) -> list[str]:
        # Near spellings among the known tokens with the same first letter (a contiguous run of
        # the sorted vocabulary): a slip inside a word is common, a wrong first letter rare.
        lo = bisect.bisect_left(vocabulary, token[0])
        hi = bisect.bisect_left(vocabulary, chr(ord(token[0]) + 1), lo)
        near = process.extract(token, vocabulary[lo:hi], scorer=fuzz.ratio, limit=3, score_cutoff=75)
        return [t for t, _score, _i in near]

    def _candidate_names(self, words: Sequence[str], accept: Callable[[Entity], bool] | None) -> list[int]:
        """Names sharing (possibly corrected) tokens with the query, the rarest shared tokens first.

        Posting lists are taken rarest first until `MAX_POSTINGS_VISITED`; each name counts the
        query tokens it holds, and only the best `TOP_CANDIDATES` go on to scoring, so a token
        every replica shares ("oscar" in a graph of a thousand Óscars) costs a count in C, not a
        thousand similarity scores.
        """
        key = compact(words)
        keys = [k for k in (key, *words) if k in self._postings]
        rarest = min((len(self._postings[k]) for k in keys), default=0)
        if not keys or rarest > SELECTIVE_POSTING:
            # Nothing known, or only common words ("el", "de"): look for near spellings of the
            # unknown words, which are then likely the ones that tell the names apart.
            for w in words:
                if w not in self._postings:
                    keys.extend(self._expand(w, self._vocabulary, self._postings, prefix=False))
        lists = sorted((self._postings[k] for k in dict.fromkeys(keys)), key=len)
        chosen: list[list[int]] = []
        visited = 0
        for posting in lists:
            if chosen and visited + len(posting) > MAX_POSTINGS_VISITED:
                break  # the remaining tokens are commoner still: they would only add noise and time
            chosen.append(posting[:MAX_POSTINGS_VISITED])
            visited += len(posting)
        # Counted in C; ties keep first-seen order, i.e. names holding the rarest token first.
        counts = Counter(chain.from_iterable(chosen))
        items: Iterable[tuple[int, int]] = counts.items()
        if accept is not None:
            items = [(n, c) for n, c in items if accept(self._name_entity[n])]
        # sorted() is stable and runs in C: the best counts, ties in first-seen order.
        return [n for n, _c in sorted(items, key=itemgetter(1), reverse=True)[:TOP_CANDIDATES]]

    def match_names(self, text: str, *, limit: int | None = None,
                    accept: Callable[[Entity], bool] | None = None) -> list[NameMatch]:
        """Entities whose names resemble `text`, best first, one (best) name per entity.

        `accept` filters entities before the candidates are cut (a type constraint), so that
        entities of the wanted type are not crowded out by namesakes of other types.
        """
        words = tokens(text)
        if not words:
            return []
        best: dict[str, NameMatch] = {}
        key, spaced = compact(words), " ".join(words)
        candidates = self._candidate_names(words, accept)
        names = [self._names[n] for n in candidates]
        # Both similarities of folded_score for all candidates, in two calls into rapidfuzz's C++.
        by_words = [0.0] * len(names)
        for _choice, value, i in process.extract(spaced, [n.spaced for n in names],
                                                  scorer=fuzz.token_sort_ratio, limit=None):
            by_words[i] = value
        by_key = [0.0] * len(names)
        for _choice, value, i in process.extract(key, [n.key for n in names], scorer=fuzz.ratio, limit=None):
            by_key[i] = value
        for n, name, w_score, k_score in zip(candidates, names, by_words, by_key, strict=True):
            score = 100.0 if key == name.key else min(float(max(w_score, k_score)), 99.0)
            entity = self._name_entity[n]
            current = best.get(entity.iri)
            if current is None or score > current.score or (score == current.score and name.primary
                                                            and not current.matched.primary):
                best[entity.iri] = NameMatch(entity, score, name)
        ranked = sorted(best.values(), key=lambda m: (-m.score, m.entity.label))
        return ranked[:limit] if limit else ranked

    def prefix_names(self, prefix: str, *, limit: int = 10, offset: int = 0,
                     kinds: Iterable[str] | None = None) -> list[NameMatch]:
        """Autocomplete: entities with a name whose words begin with the typed words (suggest)."""
        words = tokens(prefix)
        if not words:
            return []
        allowed = set(kinds) if kinds else None
        candidate_sets: list[set[int]] = []
        for i, w in enumerate(words):
            expanded = self._expand(w, self._vocabulary, self._postings, prefix=i == len(words) - 1)
            candidate_sets.append({n for t in expanded for n in self._postings[t]})
        names = set.intersection(*candidate_sets) if candidate_sets else set()
        best: dict[str, NameMatch] = {}
        for n in names:
            entity = self._name_entity[n]
            if allowed is not None and entity.kind not in allowed:
                continue
            name = self._names[n]
            typed, whole = compact(words), name.key
            # Same name: 100; the name begins as typed: 90 less what is still missing; a later
            # word begins as typed ("ort" in "Óscar Ortiz"): 80 less the same.
            missing = min(len(whole) - len(typed), 20) / 2
            score = 100.0 if whole == typed else (90.0 if whole.startswith(typed) else 80.0) - missing
            if not name.primary:
                score -= 0.5
            current = best.get(entity.iri)
            if current is None or score > current.score:
                best[entity.iri] = NameMatch(entity, score, name)
        ranked = sorted(best.values(), key=lambda m: (-m.score, m.entity.label))
        return ranked[offset:offset + limit]

    def search(self, text: str, *, limit: int = 20) -> list[SearchHit]:
        """Entities by name and quotes by their words, ranked together.

        Every query word must appear (the last one may be a word's beginning, as people type);
        when nothing has them all, names resembling the query are offered instead.
        """
        words = tokens(text)
        if not words:
            return []
        hits: list[SearchHit] = []
        for m in self.prefix_names(text, limit=limit):
            hits.append(self._name_hit(m, max(m.score, name_score(words, m.matched.words))))
        found = {h.iri for h in hits}
        if not hits:
            for m in self.match_names(text, limit=limit):
                if m.score >= 60 and m.entity.iri not in found:
                    hits.append(self._name_hit(m, m.score * 0.9))
        hits.extend(self._quote_hits(words))
        hits.sort(key=lambda h: (-h.score, h.name))
        return hits[:limit]

    def _name_hit(self, m: NameMatch, score: float) -> SearchHit:
        e = m.entity
        return SearchHit(e.iri, e.short_id, e.label, e.kind, "label" if m.matched.primary else "alias",
                         m.matched.text, score)

    def _quote_hits(self, words: Sequence[str]) -> list[SearchHit]:
        sets: list[set[int]] = []
        for i, w in enumerate(words):
            expanded = self._expand(w, self._quote_vocabulary, self._quote_postings,
                                    prefix=i == len(words) - 1)
            sets.append({q for t in expanded for q in self._quote_postings[t]})
        hits = []
        for q in set.intersection(*sets) if sets else set():
            quote = self.quotes[q]
            coverage = len(words) / max(len(quote.words), 1)
            speaker = self.entities.get(quote.speaker) if quote.speaker else None
            short = quote.iri[len(ENTITY_BASE):] if quote.iri.startswith(ENTITY_BASE) else quote.iri
            # A short title for lists (who said what); `matched` keeps the whole quote.
            excerpt = quote.text if len(quote.text) <= 80 else quote.text[:77].rstrip() + "…"
            title = f"“{excerpt}”" + (f" ({speaker.label})" if speaker else "")
            # Below a name hit (>= 80) unless the query is most of the quote.
            hits.append(SearchHit(quote.iri, short, title, "quote", "quote", quote.text,
                                  60.0 + 30.0 * min(coverage, 1.0), quote.speaker,
                                  speaker.label if speaker else None))
        return hits

    def has_type(self, entity: Entity, type_iri: str) -> bool:
        return type_iri in entity.types


def _post(postings: dict[str, list[int]], vocabulary: list[str], words: Iterable[str], n: int) -> None:
    """Add name (or quote) number `n` under each word: new lists, the old ones stay as they were."""
    for word in words:
        current = postings.get(word)
        if current is None:
            bisect.insort(vocabulary, word)
            postings[word] = [n]
        else:
            postings[word] = [*current, n]


def _unpost(postings: dict[str, list[int]], vocabulary: list[str], words: Iterable[str], n: int) -> None:
    """Take number `n` out of each word's postings; a word left with none leaves the vocabulary."""
    for word in words:
        current = postings.get(word)
        if current is None:
            continue
        rest = [m for m in current if m != n]
        if rest:
            postings[word] = rest
        else:
            del postings[word]
            i = bisect.bisect_left(vocabulary, word)
            if i < len(vocabulary) and vocabulary[i] == word:
                del vocabulary[i]


def _read_entity(engine: Engine, iri: str, superclasses: Mapping[str, set[str]]) -> Entity | None:
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


def _read_quote(engine: Engine, iri: str) -> list[Quote]:
    """One quote's rows (one per speaker), as `SearchIndex.build` reads them for all."""
    out = []
    for row in read_all(engine, _QUOTES_QUERY, {"q": ox.NamedNode(iri)}):
        text = lexical(row["text"])
        speaker = row.get("speaker")
        out.append(Quote(iri, text, tuple(tokens(text)), speaker.value if isinstance(speaker, ox.NamedNode) else None))
    return out
