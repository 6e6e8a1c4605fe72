"""What a person reading an entity page needs, read out of its bounded description.

The RDF of a description is complete but flat; a reader wants "offices held, with dates",
"stances, with the statements that expressed them", "quotes, with outlet and passage". This
module turns a `kg.pages.describe.Description` into that shape, once, so that templates stay free of
graph-walking and the same view could feed any other front end.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote as url_quote

import pyoxigraph as ox

from kg import iris
from kg.pages.describe import Description, local_name
from kg.vocab import OA, OWL, RDF, RDF_TYPE, RDFS, SKOS, TG

Node = ox.NamedNode | ox.BlankNode | ox.Literal

WIKIDATA_MATCH = (SKOS + "exactMatch", OWL + "sameAs", SKOS + "closeMatch")
_DESCRIPTION_PREDICATES = (
    TG + "description",
    iris.PREFIXES["schema"] + "description",
    RDFS + "comment",
    SKOS + "definition",
)


@dataclass(frozen=True)
class Vocabulary:
    """Labels of ontology terms and each class's ancestors: what a page needs from the ontology."""

    labels: Mapping[str, str] = field(default_factory=dict)
    ancestors: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def label(self, iri: str) -> str:
        if iri in self.labels:
            return self.labels[iri]
        for prefix, ns in iris.PREFIXES.items():
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns) :]}"
        return local_name(iri)


@dataclass(frozen=True)
class Link:
    iri: str
    label: str


@dataclass(frozen=True)
class Value:
    """One object of a property: a link, or a literal with its language or datatype."""

    text: str
    iri: str | None = None
    language: str | None = None
    datatype: str | None = None


@dataclass(frozen=True)
class Passage:
    """A quote in its context, for highlighting: `text[start:end]` of the source is `quote`."""

    before: str
    quote: str
    after: str
    start: int
    end: int
    matches: bool


@dataclass
class QuoteView:
    iri: str
    text: str
    language: str | None
    source: Link | None = None
    outlet: Link | None = None
    speaker: Link | None = None
    statement: str | None = None
    start: int | None = None
    end: int | None = None
    source_url: str | None = None
    text_file: str | None = None
    passage: Passage | None = None

    @property
    def fragment_url(self) -> str | None:
        """A text-fragment link (`#:~:text=`) that makes browsers scroll to the words on the original page."""
        if not self.source_url:
            return None
        words = self.text.split()
        if len(words) > 8:
            target = _fragment_part(" ".join(words[:4])) + "," + _fragment_part(" ".join(words[-4:]))
        else:
            target = _fragment_part(self.text)
        return f"{self.source_url.split('#', 1)[0]}#:~:text={target}"


def _fragment_part(text: str) -> str:
    return url_quote(text.strip(" “”\"'…."), safe="")


@dataclass(frozen=True)
class StanceBadge:
    """A stance a statement expressed, shown as a badge on the statement: its value, on which issue."""

    stance: str
    value: Link | None
    issue: Link | None


@dataclass
class StatementView:
    iri: str
    label: str
    speaker: Link | None = None
    paraphrases: list[Value] = field(default_factory=list)
    quotes: list[QuoteView] = field(default_factory=list)
    outlet: Link | None = None
    medium: str | None = None
    issues: list[Link] = field(default_factory=list)
    date: str | None = None
    source: Link | None = None
    stances: list[StanceBadge] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """The statement's fragment on an entity page (`#statement-slug`), for links from its stances."""
        return "statement-" + local_name(self.iri)


@dataclass
class ConditionView:
    iri: str
    requirements: list[Value]
    required_of: list[Link]
    set_by: list[Link]


@dataclass
class StanceView:
    """A stance, with the statements that expressed it named (their quotes are shown once, under
    the statements: a statement expressing two stances must not repeat its quotes)."""

    iri: str
    issue: Link | None
    value: Link | None
    statements: list[StatementView] = field(default_factory=list)
    conditions: list[ConditionView] = field(default_factory=list)


@dataclass
class OfficeView:
    tenure: str
    post: Link | None
    start: str | None
    end: str | None
    attested: str | None
    representing: list[Link]


@dataclass
class EventRole:
    """An event this actor took part in (on an actor's page) or an actor in it (on an event's page)."""

    event: Link
    participant: Link
    role: Link | None
    date: str | None


@dataclass
class PropertyRow:
    predicate: Link
    values: list[Value]


@dataclass(frozen=True)
class Edge:
    """One link of the neighbourhood graph, named by the ontology's label of the link (in the page's language)."""

    source: str
    target: str
    label: str


@dataclass
class Neighbourhood:
    """The entity and what it is directly linked to, for the small graph on its page (and its list).

    Nodes that exist only to say something about the entity (stances, statements, tenures,
    participations) are folded into labelled edges: "Gallegos —sceptical, conditional→ negotiating
    with the gangs" reads better than a chain through a stance node.
    """

    centre: Link
    nodes: list[Link] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    truncated: bool = False

    def as_json(self, href: Callable[[str], str]) -> dict[str, object]:
        """What the page's script draws (web/src/entity.js): nodes with their links, then edges."""
        return {
            "nodes": [
                {"id": n.iri, "label": n.label, "kind": entity_kind(n.iri), "href": href(n.iri),
                 "centre": n.iri == self.centre.iri}
                for n in self.nodes
            ],
            "edges": [{"source": e.source, "target": e.target, "label": e.label} for e in self.edges],
        }

    def label_of(self, iri: str) -> str:
        return next((n.label for n in self.nodes if n.iri == iri), local_name(iri))

    @property
    def outgoing(self) -> list[Edge]:
        return [e for e in self.edges if e.source == self.centre.iri]

    @property
    def incoming(self) -> list[Edge]:
        return [e for e in self.edges if e.source != self.centre.iri]


def entity_kind(iri: str, base: str = iris.BASE) -> str:
    """The kind of an entity IRI (`person`, `event`...), `term` for the ontology's, else `other`.

    >>> entity_kind("https://w3id.org/tregua/id/person/oscar-ortiz")
    'person'
    >>> entity_kind("https://w3id.org/tregua/ontology#reject")
    'term'
    """
    if iri.startswith(base + "id/"):
        return iri[len(base) + 3 :].split("/", 1)[0]
    return "term" if iri.startswith(iris.TG) else "other"


#: At most this many nodes in a neighbourhood graph: a hub's page stays readable (the list says so).
MAX_NEIGHBOURS = 40


@dataclass
class EntityView:
    iri: str
    label: str
    other_labels: list[Value]
    types: list[Link]
    descriptions: list[Value]
    offices: list[OfficeView]
    stances: list[StanceView]
    statements: list[StatementView]
    quote: QuoteView | None
    events: list[EventRole]
    participants: list[EventRole]
    incoming: list[tuple[Link, Link]]
    incoming_aligned: list[tuple[Link, Link]]
    wikidata: list[str]
    not_linked: bool
    properties: list[PropertyRow]
    properties_aligned: list[PropertyRow]
    when: str | None
    page: int
    has_next: bool
    neighbourhood: Neighbourhood | None = None
    lang: str = "en"


class _Reader:
    """Small helpers over one description and the vocabulary."""

    def __init__(self, d: Description, vocab: Vocabulary, lang: str = "en") -> None:
        self.d = d
        self.vocab = vocab
        self.lang = lang

    def link(self, node: Node) -> Link:
        """A named link: the node's label, else the ontology's label or a CURIE (`prov:Agent`)."""
        if isinstance(node, ox.NamedNode):
            has_label = any(self.d.objects(node.value, p) for p in (RDFS + "label", SKOS + "prefLabel"))
            if has_label:
                return Link(node.value, self.d.label(node, lang=self.lang))
            if node.value.startswith(iris.TG) or not node.value.startswith(iris.BASE):
                return Link(node.value, self.vocab.label(node.value))
            return Link(node.value, local_name(node.value))
        return Link(str(node), self.d.label(node, lang=self.lang))

    def links(self, subject: str, predicate: str) -> list[Link]:
        return [self.link(o) for o in self.d.objects(subject, predicate) if not isinstance(o, ox.Literal)]

    def first_link(self, subject: str, predicate: str) -> Link | None:
        found = self.links(subject, predicate)
        return found[0] if found else None

    def texts(self, subject: str, predicate: str) -> list[str]:
        return [o.value for o in self.d.objects(subject, predicate) if isinstance(o, ox.Literal)]

    def literals(self, subject: str, predicate: str) -> list[Value]:
        """Texts with their language, so a page in another language can mark them (`lang="en"`)."""
        return [Value(o.value, language=o.language) for o in self.d.objects(subject, predicate)
                if isinstance(o, ox.Literal)]

    def text(self, subject: str, predicate: str) -> str | None:
        found = self.texts(subject, predicate)
        return found[0] if found else None

    def integer(self, subject: str, predicate: str) -> int | None:
        value = self.text(subject, predicate)
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None

    def value(self, node: Node) -> Value:
        if isinstance(node, ox.Literal):
            dt = node.datatype.value if node.datatype else None
            plain = dt in (None, iris.PREFIXES["xsd"] + "string", iris.PREFIXES["rdf"] + "langString")
            return Value(
                node.value, language=node.language, datatype=None if plain else self.vocab.label(dt or "")
            )
        link = self.link(node)
        return Value(link.label, iri=link.iri)

    def quote(self, iri: str, statement: str | None = None) -> QuoteView:
        texts = [o for o in self.d.objects(iri, TG + "text") if isinstance(o, ox.Literal)]
        text = texts[0] if texts else None
        source = self.first_link(iri, TG + "inSource") or (
            self.first_link(statement, TG + "inSource") if statement else None
        )
        view = QuoteView(
            iri,
            text.value if text else "",
            text.language if text else None,
            source=source,
            outlet=self.first_link(statement, TG + "reportedBy") if statement else None,
            speaker=self.first_link(statement, TG + "speaker") if statement else None,
            statement=statement,
        )
        for position in self.d.objects(iri, TG + "position") + self.d.objects(iri, OA + "hasSelector"):
            if isinstance(position, ox.NamedNode):
                view.start = self.integer(position.value, OA + "start")
                view.end = self.integer(position.value, OA + "end")
                break
        if source:
            view.source_url = self.text(source.iri, TG + "url")
            view.text_file = self.text(source.iri, TG + "textFile")
        return view

    def statement(self, iri: str) -> StatementView:
        view = StatementView(
            iri,
            self.d.label(iri, lang=self.lang),
            speaker=self.first_link(iri, TG + "speaker"),
            paraphrases=self.literals(iri, TG + "paraphrase"),
            outlet=self.first_link(iri, TG + "reportedBy"),
            medium=self.text(iri, TG + "medium"),
            issues=self.links(iri, TG + "onIssue"),
            date=self.text(iri, TG + "date"),
            source=self.first_link(iri, TG + "inSource"),
        )
        view.quotes = [self.quote(q.iri, iri) for q in self.links(iri, TG + "hasQuote")]
        return view

    def condition(self, iri: str) -> ConditionView:
        return ConditionView(
            iri,
            self.literals(iri, TG + "requirement"),
            self.links(iri, TG + "requiredOf"),
            self.links(iri, TG + "setBy"),
        )


def _fallback_label(r: _Reader, e: str) -> str:
    """A name for nodes nobody labels: a quote by its words, a statement by its speaker and words."""
    text = r.text(e, TG + "text")
    if text:
        return "“" + _shorten(text) + "”"
    speaker = r.first_link(e, TG + "speaker")
    said = r.text(e, TG + "paraphrase") or next(
        (r.text(q.iri, TG + "text") for q in r.links(e, TG + "hasQuote") if r.text(q.iri, TG + "text")), None
    )
    if speaker:
        return f"{speaker.label}: {_shorten(said)}" if said else f"Statement by {speaker.label}"
    return local_name(e)


def _shorten(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def _own_term(predicate: str) -> bool:
    """Our own vocabulary and the RDF/RDFS/OWL/SKOS core, as opposed to aligned copies."""
    return predicate.startswith((iris.TG, RDFS, OWL, SKOS, RDF))


def most_specific(types: list[str], vocab: Vocabulary) -> list[str]:
    """Drop every type that is an ancestor of another: inferred supertypes are noise on a page."""
    tg_types = [t for t in types if t.startswith(iris.TG)] or types
    return sorted(t for t in tg_types if not any(t in vocab.ancestors.get(o, ()) for o in tg_types if o != t))


def build_view(d: Description, vocab: Vocabulary, lang: str = "en") -> EntityView:
    """Read the page of one entity out of its description, named in `lang` where the data can.

    Names come from the data's labels in `lang`, else English, else any (`Description.label`);
    `vocab` should be the ontology's labels in the same language (`OntologyDoc.vocabulary(lang)`).
    """
    r = _Reader(d, vocab, lang)
    e = d.iri
    labels = [
        o for p in (RDFS + "label", SKOS + "prefLabel") for o in d.objects(e, p) if isinstance(o, ox.Literal)
    ]
    main = d.label(e, lang=lang) if labels else _fallback_label(r, e)
    other = [Value(lit.value, language=lit.language) for lit in labels if lit.value != main]
    types = [t.value for t in d.objects(e, RDF_TYPE.value) if isinstance(t, ox.NamedNode)]
    descriptions = list(dict.fromkeys(v for p in _DESCRIPTION_PREDICATES for v in r.literals(e, p)))
    start, end, date = r.text(e, TG + "startDate"), r.text(e, TG + "endDate"), r.text(e, TG + "date")
    when = date or (f"{start or '?'} – {end or ''}".strip() if start or end else None)

    offices = [
        OfficeView(
            t.value,
            r.first_link(t.value, TG + "post"),
            r.text(t.value, TG + "startDate"),
            r.text(t.value, TG + "endDate"),
            r.text(t.value, TG + "attestedOn"),
            r.links(t.value, TG + "representing"),
        )
        for t in d.subjects(TG + "holder", e)
    ]
    offices.sort(key=lambda o: (o.start or o.attested or "", o.post.label if o.post else ""))

    stance_nodes = [s.value for s in d.subjects(TG + "stanceOf", e)]
    if TG + "Stance" in types:
        stance_nodes.append(e)
    # Each statement is read once and shown once, with the values of every stance it expressed as
    # badges: Gallegos's "door never shut" expressed two stances, and its quotes appear one time.
    read: dict[str, StatementView] = {}

    def statement(iri: str) -> StatementView:
        if iri not in read:
            read[iri] = r.statement(iri)
        return read[iri]

    stances = []
    for s in stance_nodes:
        stance = StanceView(
            s,
            r.first_link(s, TG + "onIssue"),
            r.first_link(s, TG + "stanceValue"),
            [statement(st.iri) for st in r.links(s, TG + "expressedIn")],
            [r.condition(c.iri) for c in r.links(s, TG + "hasCondition")],
        )
        for st in stance.statements:
            st.stances.append(StanceBadge(s, stance.value, stance.issue))
        stances.append(stance)
    stances.sort(key=lambda s: (s.issue.label if s.issue else "", s.value.label if s.value else "", s.iri))

    for s in [s.value for s in d.subjects(TG + "speaker", e)] + ([e] if TG + "Statement" in types else []):
        statement(s)
    if TG + "Statement" in types:  # a statement's own page: the stances expressed in it
        for node in d.subjects(TG + "expressedIn", e):
            read[e].stances.append(
                StanceBadge(node.value, r.first_link(node.value, TG + "stanceValue"),
                            r.first_link(node.value, TG + "onIssue"))
            )
    for st in read.values():
        st.stances.sort(key=lambda b: (b.value.label if b.value else "", b.stance))
    statements = sorted(read.values(), key=lambda s: (s.date or "", s.iri))

    quote = None
    if TG + "Quote" in types or d.objects(e, TG + "text"):
        owner = d.subjects(TG + "hasQuote", e)
        quote = r.quote(e, owner[0].value if owner and isinstance(owner[0], ox.NamedNode) else None)

    events = []
    for part in d.subjects(TG + "participant", e):
        for ev in d.subjects(TG + "hasParticipation", part.value):
            events.append(
                EventRole(
                    r.link(ev),
                    r.link(ox.NamedNode(e)),
                    r.first_link(part.value, TG + "role"),
                    r.text(ev.value, TG + "date") or r.text(ev.value, TG + "startDate"),
                )
            )
    events.sort(key=lambda ev: (ev.date or "", ev.event.label))
    participants = []
    for participation in r.links(e, TG + "hasParticipation"):
        for who in r.links(participation.iri, TG + "participant"):
            participants.append(EventRole(Link(e, main), who, r.first_link(participation.iri, TG + "role"), None))

    # Links through aligned vocabularies (prov:, schema:...) repeat inferred copies of ours: page them apart.
    incoming_all = sorted(
        ((r.link(s), Link(p, vocab.label(p))) for p, subjects in d.incoming(e).items() for s in subjects),
        key=lambda pair: (pair[1].label, pair[0].label),
    )
    incoming = [pair for pair in incoming_all if _own_term(pair[1].iri)]
    incoming_aligned = [pair for pair in incoming_all if not _own_term(pair[1].iri)]

    wikidata = sorted(
        o.value
        for p in WIKIDATA_MATCH
        for o in d.objects(e, p)
        if isinstance(o, ox.NamedNode) and o.value.startswith(iris.WIKIDATA_ENTITY)
    )
    not_linked = any(
        isinstance(o, ox.NamedNode) and o.value == TG + "notLinked" for o in d.objects(e, TG + "linkStatus")
    )

    rows = [
        PropertyRow(Link(p, vocab.label(p)), [r.value(o) for o in objs])
        for p, objs in sorted(d.properties(e).items(), key=lambda kv: vocab.label(kv[0]))
    ]
    rows_aligned = [row for row in rows if not _own_term(row.predicate.iri)]
    rows = [row for row in rows if _own_term(row.predicate.iri)]

    view = EntityView(
        e,
        main,
        other,
        [r.link(ox.NamedNode(t)) for t in most_specific(types, vocab)],
        descriptions,
        offices,
        stances,
        statements,
        quote,
        events,
        participants,
        incoming,
        incoming_aligned,
        wikidata,
        not_linked and not wikidata,
        rows,
        rows_aligned,
        when,
        d.page,
        d.has_next,
        lang=lang,
    )
    view.neighbourhood = neighbourhood(view, vocab)
    return view


def neighbourhood(view: EntityView, vocab: Vocabulary, limit: int = MAX_NEIGHBOURS) -> Neighbourhood:
    """The entity's direct neighbours, parts folded into labelled edges (see `Neighbourhood`)."""
    centre = Link(view.iri, view.label)
    graph = Neighbourhood(centre, [centre])
    seen = {centre.iri}
    folded = (
        {s.iri for s in view.stances}
        | {s.iri for s in view.statements}
        | {o.tenure for o in view.offices}
        | {c.iri for s in view.stances for c in s.conditions}
        # shown on the page already: a statement's quotes, and its stances as badges
        | {q.iri for st in view.statements for q in st.quotes}
        | {b.stance for st in view.statements for b in st.stances}
    )
    # edges by (source, target): labels of the same pair are joined ("sceptical, conditional")
    labels: dict[tuple[str, str], list[str]] = {}

    def add(source: Link, target: Link, label: str) -> None:
        for node in (source, target):
            if node.iri not in seen:
                if len(seen) >= limit:
                    graph.truncated = True
                    return
                seen.add(node.iri)
                graph.nodes.append(node)
        found = labels.setdefault((source.iri, target.iri), [])
        if label not in found:
            found.append(label)

    for s in view.stances:
        if s.issue:
            add(centre, s.issue, s.value.label if s.value else vocab.label(TG + "onIssue"))
    for o in view.offices:
        if o.post:
            add(centre, o.post, vocab.label(TG + "post"))
        for org in o.representing:
            add(centre, org, vocab.label(TG + "representing"))
    for ev in view.events:
        add(centre, ev.event, ev.role.label if ev.role else vocab.label(TG + "participant"))
    for ev in view.participants:
        add(ev.participant, centre, ev.role.label if ev.role else vocab.label(TG + "participant"))
    for st in view.statements:
        for badge in st.stances:
            if badge.issue and st.iri == view.iri:
                add(centre, badge.issue, badge.value.label if badge.value else vocab.label(TG + "onIssue"))
        if st.outlet:
            add(centre, st.outlet, vocab.label(TG + "reportedBy"))
    for row in view.properties:
        if row.predicate.iri in (RDF_TYPE.value, *WIKIDATA_MATCH):
            continue
        for v in row.values:
            if v.iri and v.iri.startswith(iris.BASE + "id/") and v.iri not in folded:
                add(centre, Link(v.iri, v.text), row.predicate.label)
    for subject, predicate in view.incoming:
        # participations are folded into the event edges above
        if (subject.iri.startswith(iris.BASE + "id/") and subject.iri not in folded
                and entity_kind(subject.iri) != "participation"):
            add(subject, centre, predicate.label)
    graph.edges = [Edge(source, target, ", ".join(names)) for (source, target), names in labels.items()]
    return graph


def read_passage(
    roots: Path | Sequence[Path], text_file: str, start: int, end: int, expected: str = "", *, context: int = 320
) -> Passage | None:
    """The quote and the text around it, read from the source's plain text under one of `roots`.

    `roots` are looked at in order (`kg.paths.text_roots`: the source folders, then the shared
    folder), as the build resolves `tg:textFile`. Returns None when the file is missing, outside
    every root, or the offsets fall outside it: a page then simply shows no passage rather than failing.
    """
    path = _find_text(roots, text_file)
    if path is None:
        return None
    text = _read_text(path)
    if not 0 <= start <= end <= len(text):
        return None
    lo = max(0, start - context)
    hi = min(len(text), end + context)
    before = text[lo:start]
    after = text[end:hi]
    if lo > 0:
        before = "…" + before.split(" ", 1)[-1]
    if hi < len(text):
        after = after.rsplit(" ", 1)[0] + "…"
    quoted = text[start:end]
    return Passage(before, quoted, after, start, end, matches=not expected or quoted == expected)


def _find_text(roots: Path | Sequence[Path], text_file: str) -> Path | None:
    for root in [roots] if isinstance(roots, Path) else roots:
        base = root.resolve()
        path = (base / text_file).resolve()
        if base in path.parents and path.is_file():
            return path
    return None


def _read_text(path: Path) -> str:
    return _read_text_at(str(path), path.stat().st_mtime)


@lru_cache(maxsize=16)
def _read_text_at(path: str, mtime: float) -> str:
    """Source texts are read once per modification: pages show passages on every quote view."""
    return Path(path).read_text(encoding="utf-8")
