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

What it reads from the store, and which deltas it follows, is `kg.linking.index_reads`; how text
is folded and names compared, `kg.linking.text`; this module holds the index and its lookups.

Matching, in three steps that keep a batch of names around or above 1,000 names/s even on the
1M-triple synthetic graph (bench/linked.py):
1. *Folding* (`kg.linking.text`): NFKD, drop combining marks, casefold, split on anything that is not a letter or
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
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter

from rapidfuzz import fuzz, process

from kg.linking.index_reads import (
    ENTITY_BASE,
    Entity,
    Name,
    Quote,
    Touched,
    read_entity,
    read_index,
    read_quote,
    statement_quotes,
)
from kg.linking.text import compact, name_score, tokens
from kg.store.cache import Change
from kg.store.engine import Engine

SELECTIVE_POSTING = 200
"""A known query token held by at most this many names is selective enough to skip spelling repair."""
TOP_CANDIDATES = 32
"""Names scored per query (the best by shared-token weight)."""
MAX_POSTINGS_VISITED = 2_000
"""Blocking cap: rare tokens are looked up first, so a common token ("el") cannot flood the work."""

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
        """Read names, types and quotes through the engine (`read_index`: four SELECTs, no user text in them)."""
        version = engine.version
        entities, quotes, superclasses = read_index(engine)
        return cls(entities, quotes, superclasses, version=version)

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
            new._replace_entity(iri, read_entity(engine, iri, self.superclasses))
        quotes = set(touched.quotes)
        for statement in touched.statements:
            quotes.update(statement_quotes(engine, statement))
        for iri in quotes:
            new._replace_quote(iri, read_quote(engine, iri))
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
