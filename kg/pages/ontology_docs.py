"""The ontology and the shapes as documents people read, generated from the Turtle files.

Documentation written by hand drifts from the ontology; pyLODE and the W3C ORG spec show the
alternative: read the files, and lay out every term with its labels, definition, example,
super- and sub-terms, domain and range, and the shapes that constrain it. The model here is
plain data (no HTML), cached per file modification time, and read with pyoxigraph so that
building it costs milliseconds rather than an rdflib parse per request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from kg import iris, paths
from kg.build.closure import transitive_closure
from kg.pages.entity_view import Vocabulary
from kg.vocab import DCT, OWL, RDF, RDFS, SH, SKOS

KIND_ORDER = (
    "class",
    "object property",
    "datatype property",
    "annotation property",
    "concept scheme",
    "concept",
    "individual",
)
_KIND_OF_TYPE = {
    OWL + "Class": "class",
    RDFS + "Class": "class",
    OWL + "ObjectProperty": "object property",
    OWL + "DatatypeProperty": "datatype property",
    OWL + "AnnotationProperty": "annotation property",
    RDF + "Property": "object property",
    SKOS + "ConceptScheme": "concept scheme",
    SKOS + "Concept": "concept",
    OWL + "NamedIndividual": "individual",
}
_SECTION_TITLES = {
    "class": "Classes",
    "object property": "Object properties",
    "datatype property": "Datatype properties",
    "annotation property": "Annotation properties",
    "concept scheme": "Concept schemes",
    "concept": "Concepts",
    "individual": "Individuals",
}


@dataclass(frozen=True)
class TermRef:
    """A link to a term: ours (with an anchor on the page) or another vocabulary's."""

    iri: str
    label: str

    @property
    def curie(self) -> str:
        return curie(self.iri)


@dataclass
class ConstraintDoc:
    """One property shape, flattened: what it requires of which path."""

    shape: TermRef
    path: str
    path_label: str
    facets: list[tuple[str, str]]
    messages: list[str]
    severity: str
    iri: str | None = None  # a named property shape's own IRI (it gets an anchor too)

    @property
    def anchor(self) -> str | None:
        return anchor_of(self.iri) if self.iri else None


@dataclass
class TermDoc:
    iri: str
    anchor: str
    kind: str
    labels: dict[str, str]
    definitions: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    supers: list[TermRef] = field(default_factory=list)
    subs: list[TermRef] = field(default_factory=list)
    equivalents: list[TermRef] = field(default_factory=list)
    domains: list[TermRef] = field(default_factory=list)
    ranges: list[TermRef] = field(default_factory=list)
    inverse: list[TermRef] = field(default_factory=list)
    types: list[TermRef] = field(default_factory=list)
    schemes: list[TermRef] = field(default_factory=list)
    members: list[TermRef] = field(default_factory=list)
    used_with: list[TermRef] = field(default_factory=list)
    shapes: list[TermRef] = field(default_factory=list)
    constraints: list[ConstraintDoc] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.label_in("en")

    def label_in(self, lang: str) -> str:
        """The label in `lang`, else English, else any, else the anchor."""
        return self.labels.get(lang) or self.labels.get("en") or next(iter(self.labels.values()), self.anchor)


@dataclass
class Section:
    kind: str
    title: str
    terms: list[TermDoc]


@dataclass
class OntologyDoc:
    iri: str
    title: str
    description: list[str]
    metadata: list[tuple[str, str]]
    prefixes: dict[str, str]
    sections: list[Section]
    files: list[Path]
    #: The ontology's title by language tag (`dct:title`), for pages in that language.
    titles: dict[str, str] = field(default_factory=dict)
    _vocabularies: dict[str, Vocabulary] = field(default_factory=dict, repr=False, compare=False)

    @property
    def terms(self) -> list[TermDoc]:
        return [t for s in self.sections for t in s.terms]

    def term(self, iri: str) -> TermDoc | None:
        return next((t for t in self.terms if t.iri == iri), None)

    def vocabulary(self, lang: str = "en") -> Vocabulary:
        """Labels in `lang` (else English, else any) and class ancestors, for entity pages
        (computed once per document and language)."""
        if lang not in self._vocabularies:
            self._vocabularies[lang] = _vocabulary(self, lang)
        return self._vocabularies[lang]

    def label(self, iri: str, lang: str = "en", default: str | None = None) -> str:
        """A term's label in `lang`, else English, else any; `default` (else the CURIE) for a term
        this ontology does not define."""
        return self.vocabulary(lang).labels.get(iri) or default or curie(iri)


@dataclass
class ShapeDoc:
    iri: str
    anchor: str
    label: str
    comments: list[str]
    targets: list[TermRef]
    severity: str
    constraints: list[ConstraintDoc]
    see_also: list[TermRef]
    file: str


@dataclass
class ShapesDoc:
    shapes: list[ShapeDoc]
    files: list[Path]

    def shape(self, iri: str) -> ShapeDoc | None:
        return next((s for s in self.shapes if s.iri == iri), None)

    def iris(self) -> set[str]:
        """Every shape IRI with an anchor on the page: node shapes and named property shapes."""
        return {s.iri for s in self.shapes} | {c.iri for s in self.shapes for c in s.constraints if c.iri}


def curie(iri: str) -> str:
    """`tg:Person` for our terms, `prov:Agent` for the vocabularies we align to, else the IRI."""
    for prefix, ns in sorted(iris.PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def anchor_of(iri: str) -> str:
    """The fragment our pages use for a term: the part after '#', or after the last '/'."""
    return iri.rsplit("#", 1)[1] if "#" in iri else iri.rstrip("/").rsplit("/", 1)[-1]


class _Graph:
    """Indexed lookups over the quads of a few small files."""

    def __init__(self, files: Sequence[Path]) -> None:
        self.store = ox.Store()
        for f in files:
            self.store.load(
                path=str(f), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(f.resolve().as_uri())
            )

    def objects(
        self, s: ox.NamedNode | ox.BlankNode, p: str
    ) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
        seen: list[ox.NamedNode | ox.BlankNode | ox.Literal] = []
        for q in self.store.quads_for_pattern(s, ox.NamedNode(p), None, None):
            if not isinstance(q.object, ox.Triple) and q.object not in seen:  # (no triple terms here)
                seen.append(q.object)
        return seen

    def subjects(
        self, p: str, o: ox.NamedNode | ox.BlankNode | ox.Literal | None
    ) -> list[ox.NamedNode | ox.BlankNode]:
        seen: list[ox.NamedNode | ox.BlankNode] = []
        for q in self.store.quads_for_pattern(None, ox.NamedNode(p), o, None):
            if not isinstance(q.subject, ox.Triple) and q.subject not in seen:
                seen.append(q.subject)
        return seen

    def texts(self, s: ox.NamedNode | ox.BlankNode, p: str, lang: str | None = "en") -> list[str]:
        lits = [o for o in self.objects(s, p) if isinstance(o, ox.Literal)]
        preferred = [lit.value for lit in lits if lit.language in (lang, None)]
        return preferred or [lit.value for lit in lits]

    def labels(self, s: ox.NamedNode | ox.BlankNode) -> dict[str, str]:
        out: dict[str, str] = {}
        for lit in self.objects(s, RDFS + "label") + self.objects(s, SKOS + "prefLabel"):
            if isinstance(lit, ox.Literal):
                out.setdefault(lit.language or "", lit.value)
        return out

    def list_items(
        self, head: ox.NamedNode | ox.BlankNode | ox.Literal
    ) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
        items: list[ox.NamedNode | ox.BlankNode | ox.Literal] = []
        node = head
        while isinstance(node, ox.NamedNode | ox.BlankNode) and node != ox.NamedNode(RDF + "nil"):
            first = self.objects(node, RDF + "first")
            if not first:
                break
            items.append(first[0])
            rest = self.objects(node, RDF + "rest")
            node = rest[0] if rest else ox.NamedNode(RDF + "nil")
            if len(items) > 1000:
                break
        return items


def _ref(g: _Graph, node: ox.NamedNode | ox.BlankNode | ox.Literal) -> TermRef | None:
    if not isinstance(node, ox.NamedNode):
        return None
    labels = g.labels(node)
    return TermRef(node.value, labels.get("en") or next(iter(labels.values()), curie(node.value)))


def _refs(g: _Graph, nodes: Iterable[ox.NamedNode | ox.BlankNode | ox.Literal]) -> list[TermRef]:
    refs = [r for n in nodes if (r := _ref(g, n)) is not None]
    return sorted(set(refs), key=lambda r: (not r.iri.startswith(iris.TG), r.label.lower()))


def _kind(g: _Graph, node: ox.NamedNode, schemes_concepts: set[str]) -> str | None:
    types = [t.value for t in g.objects(node, RDF + "type") if isinstance(t, ox.NamedNode)]
    for t in types:
        if t in _KIND_OF_TYPE and _KIND_OF_TYPE[t] != "individual":
            return _KIND_OF_TYPE[t]
    if node.value in schemes_concepts:
        return "concept"
    return "individual" if types else None


def _path_text(g: _Graph, path: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    """SHACL property paths as SPARQL-like text: `tg:speaker`, `^tg:holder`, `tg:a/tg:b`."""
    if isinstance(path, ox.NamedNode):
        return curie(path.value)
    if isinstance(path, ox.Literal):
        return path.value
    inverse = g.objects(path, SH + "inversePath")
    if inverse:
        return "^" + _path_text(g, inverse[0])
    for key, sign in (("zeroOrMorePath", "*"), ("oneOrMorePath", "+"), ("zeroOrOnePath", "?")):
        inner = g.objects(path, SH + key)
        if inner:
            return f"({_path_text(g, inner[0])}){sign}"
    alternatives = g.objects(path, SH + "alternativePath")
    if alternatives:
        return "(" + "|".join(_path_text(g, i) for i in g.list_items(alternatives[0])) + ")"
    items = g.list_items(path)
    return "/".join(_path_text(g, i) for i in items) if items else "(path)"


_FACETS = (
    "minCount",
    "maxCount",
    "datatype",
    "class",
    "node",
    "nodeKind",
    "hasValue",
    "in",
    "pattern",
    "flags",
    "languageIn",
    "uniqueLang",
    "minLength",
    "maxLength",
    "minInclusive",
    "maxInclusive",
    "minExclusive",
    "maxExclusive",
    "or",
    "and",
    "not",
    "xone",
    "equals",
    "disjoint",
    "lessThan",
    "qualifiedValueShape",
    "qualifiedMinCount",
    "qualifiedMaxCount",
)


def _facet_value(g: _Graph, key: str, value: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    if key in ("in", "languageIn") or (key in ("or", "and", "xone") and isinstance(value, ox.BlankNode)):
        parts = []
        for item in g.list_items(value):
            if isinstance(item, ox.BlankNode):
                parts.append(
                    ", ".join(
                        f"{curie(q.predicate.value)} {_term_text(q.object)}"
                        for q in g.store.quads_for_pattern(item, None, None, None)
                    )
                )
            else:
                parts.append(_term_text(item))
        return " | ".join(parts) if key != "in" else ", ".join(parts)
    if isinstance(value, ox.BlankNode):
        return ", ".join(
            f"{curie(q.predicate.value)} {_term_text(q.object)}"
            for q in g.store.quads_for_pattern(value, None, None, None)
        )
    return _term_text(value)


def _term_text(node: object) -> str:
    if isinstance(node, ox.NamedNode):
        return curie(node.value)
    if isinstance(node, ox.Literal):
        return node.value
    return str(node)


def _constraints(
    g: _Graph, shape: ox.NamedNode | ox.BlankNode, shape_ref: TermRef, default_severity: str
) -> list[ConstraintDoc]:
    out = []
    for prop in g.objects(shape, SH + "property"):
        if isinstance(prop, ox.Literal):
            continue
        paths_ = g.objects(prop, SH + "path")
        if not paths_:
            continue
        path = paths_[0]
        facets = [(key, _facet_value(g, key, v)) for key in _FACETS for v in g.objects(prop, SH + key)]
        severity = next(
            (anchor_of(s.value) for s in g.objects(prop, SH + "severity") if isinstance(s, ox.NamedNode)),
            default_severity,
        )
        name = g.texts(prop, SH + "name")
        out.append(
            ConstraintDoc(
                shape_ref,
                path.value if isinstance(path, ox.NamedNode) else "",
                _path_text(g, path) + (f" ({name[0]})" if name else ""),
                facets,
                g.texts(prop, SH + "message"),
                severity,
                prop.value if isinstance(prop, ox.NamedNode) else None,
            )
        )
    return out


def _files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.ttl")) if folder.is_dir() else []


def _stamp(files: Sequence[Path]) -> tuple[tuple[str, float], ...]:
    return tuple((str(f), f.stat().st_mtime) for f in files)


def ontology_doc(ontology_dir: Path = paths.ONTOLOGY_DIR, shapes_dir: Path = paths.SHAPES_DIR) -> OntologyDoc:
    """The documentation model of the ontology, with the shapes that constrain each term.

    Rebuilt only when a file changes. Raises SyntaxError (pyoxigraph's) for a file that does not
    parse: the build rejects such files first, so a server never meets one.
    """
    return _ontology_doc(_stamp(_files(ontology_dir)), _stamp(_files(shapes_dir)))


def shapes_doc(shapes_dir: Path = paths.SHAPES_DIR, ontology_dir: Path = paths.ONTOLOGY_DIR) -> ShapesDoc:
    """The documentation model of the SHACL shapes; term labels come from the ontology."""
    return _shapes_doc(_stamp(_files(shapes_dir)), _stamp(_files(ontology_dir)))


@lru_cache(maxsize=4)
def _ontology_doc(
    ontology_files: tuple[tuple[str, float], ...], shape_files: tuple[tuple[str, float], ...]
) -> OntologyDoc:
    files = [Path(f) for f, _ in ontology_files]
    g = _Graph(files + [Path(f) for f, _ in shape_files])
    onto = [
        o for o in g.subjects(RDF + "type", ox.NamedNode(OWL + "Ontology")) if isinstance(o, ox.NamedNode)
    ]
    # The shapes files declare ontologies of their own: the header is the ontology's.
    onto_node = (
        ox.NamedNode(iris.ONTOLOGY_IRI)
        if ox.NamedNode(iris.ONTOLOGY_IRI) in onto
        else next(
            (
                o
                for o in onto
                if any(
                    g.store.quads_for_pattern(o, None, None, ox.NamedNode(f.resolve().as_uri()))
                    for f in files
                )
            ),
            ox.NamedNode(iris.ONTOLOGY_IRI),
        )
    )
    title = (g.texts(onto_node, DCT + "title") or g.texts(onto_node, RDFS + "label") or ["Tregua ontology"])[
        0
    ]
    description = g.texts(onto_node, DCT + "description") + g.texts(onto_node, RDFS + "comment")
    metadata = []
    for key, label in (
        (OWL + "versionIRI", "Version IRI"),
        (OWL + "versionInfo", "Version"),
        (DCT + "modified", "Modified"),
        (DCT + "created", "Created"),
        (DCT + "license", "Licence"),
        (DCT + "creator", "Creator"),
        (DCT + "publisher", "Publisher"),
        (RDFS + "seeAlso", "See also"),
    ):
        metadata += [
            (label, _term_text(o) if not isinstance(o, ox.NamedNode) else o.value)
            for o in g.objects(onto_node, key)
        ]

    concept_classes = {SKOS + "Concept"} | {
        c.value
        for c in g.subjects(RDFS + "subClassOf", ox.NamedNode(SKOS + "Concept"))
        if isinstance(c, ox.NamedNode)
    }
    concepts = {
        s.value
        for c in concept_classes
        for s in g.subjects(RDF + "type", ox.NamedNode(c))
        if isinstance(s, ox.NamedNode)
    }
    subjects = {
        q.subject.value
        for q in g.store.quads_for_pattern(None, ox.NamedNode(RDF + "type"), None, None)
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(iris.TG)
    }

    shape_nodes = {
        s.value
        for t in (SH + "NodeShape", SH + "PropertyShape")
        for s in g.subjects(RDF + "type", ox.NamedNode(t))
        if isinstance(s, ox.NamedNode)
    }
    by_kind: dict[str, list[TermDoc]] = defaultdict(list)
    for iri in sorted(subjects - shape_nodes):
        node = ox.NamedNode(iri)
        kind = _kind(g, node, concepts)
        if kind is None:
            continue
        is_class = kind == "class"
        up, eq = (
            (RDFS + "subClassOf", OWL + "equivalentClass")
            if is_class
            else (RDFS + "subPropertyOf", OWL + "equivalentProperty")
        )
        term = TermDoc(
            iri,
            anchor_of(iri),
            kind,
            g.labels(node),
            definitions=g.texts(node, SKOS + "definition"),
            comments=g.texts(node, RDFS + "comment") + g.texts(node, SKOS + "scopeNote"),
            examples=g.texts(node, SKOS + "example"),
            supers=_refs(g, g.objects(node, up) + g.objects(node, SKOS + "broader")),
            subs=_refs(g, g.subjects(up, node) + g.subjects(SKOS + "broader", node)),
            equivalents=_refs(g, [*g.objects(node, eq), *g.subjects(eq, node)]),
            domains=_refs(g, g.objects(node, RDFS + "domain")),
            ranges=_refs(g, g.objects(node, RDFS + "range")),
            inverse=_refs(g, [*g.objects(node, OWL + "inverseOf"), *g.subjects(OWL + "inverseOf", node)]),
            types=_refs(
                g,
                [
                    t
                    for t in g.objects(node, RDF + "type")
                    if isinstance(t, ox.NamedNode) and t.value not in _KIND_OF_TYPE
                ],
            ),
            schemes=_refs(g, g.objects(node, SKOS + "inScheme")),
            members=_refs(
                g,
                g.subjects(SKOS + "inScheme", node)
                + (g.subjects(RDF + "type", node) if iri in concept_classes else []),
            ),
        )
        if is_class:
            term.used_with = _refs(g, g.subjects(RDFS + "domain", node) + g.subjects(RDFS + "range", node))
        by_kind[kind].append(term)

    terms = {t.iri: t for ts in by_kind.values() for t in ts}
    for shape in sorted(shape_nodes):
        s_node = ox.NamedNode(shape)
        ref = TermRef(shape, (g.texts(s_node, RDFS + "label") or [anchor_of(shape)])[0])
        severity = next(
            (anchor_of(v.value) for v in g.objects(s_node, SH + "severity") if isinstance(v, ox.NamedNode)),
            "Violation",
        )
        for target in (
            g.objects(s_node, SH + "targetClass")
            + g.objects(s_node, SH + "targetSubjectsOf")
            + g.objects(s_node, SH + "targetObjectsOf")
            + g.objects(s_node, RDFS + "seeAlso")
        ):
            if (
                isinstance(target, ox.NamedNode)
                and target.value in terms
                and ref not in terms[target.value].shapes
            ):
                terms[target.value].shapes.append(ref)
        for c in _constraints(g, s_node, ref, severity):
            if c.path in terms:
                terms[c.path].constraints.append(c)
    for kind_terms in by_kind.values():
        kind_terms.sort(key=lambda t: t.anchor.lower())
    sections = [Section(k, _SECTION_TITLES[k], by_kind[k]) for k in KIND_ORDER if by_kind.get(k)]
    prefixes = {p: ns for p, ns in iris.PREFIXES.items() if p not in ("id", "wd")}
    titles = {
        lit.language or "": lit.value for lit in g.objects(onto_node, DCT + "title") if isinstance(lit, ox.Literal)
    }
    return OntologyDoc(onto_node.value, title, description, metadata, prefixes, sections, files, titles)


@lru_cache(maxsize=4)
def _shapes_doc(
    shape_files: tuple[tuple[str, float], ...], ontology_files: tuple[tuple[str, float], ...]
) -> ShapesDoc:
    files = [Path(f) for f, _ in shape_files]
    g = _Graph(files + [Path(f) for f, _ in ontology_files])
    docs = []
    for file in files:
        graph = ox.NamedNode(file.resolve().as_uri())
        used = {
            q.object.value
            for q in g.store.quads_for_pattern(None, ox.NamedNode(SH + "property"), None, None)
            if isinstance(q.object, ox.NamedNode)
        }
        nodes = {
            q.subject.value
            for t in (SH + "NodeShape", SH + "PropertyShape")
            for q in g.store.quads_for_pattern(None, ox.NamedNode(RDF + "type"), ox.NamedNode(t), graph)
            if isinstance(q.subject, ox.NamedNode) and q.subject.value not in used
        }
        for shape in sorted(nodes):
            node = ox.NamedNode(shape)
            label = (g.texts(node, RDFS + "label") or [curie(shape)])[0]
            ref = TermRef(shape, label)
            severity = next(
                (anchor_of(v.value) for v in g.objects(node, SH + "severity") if isinstance(v, ox.NamedNode)),
                "Violation",
            )
            targets = _refs(
                g,
                [
                    t
                    for key in ("targetClass", "targetSubjectsOf", "targetObjectsOf", "targetNode")
                    for t in g.objects(node, SH + key)
                ],
            )
            constraints = _constraints(g, node, ref, severity)
            if not constraints and g.objects(node, SH + "path"):  # a top-level property shape
                paths_ = g.objects(node, SH + "path")
                constraints = [
                    ConstraintDoc(
                        ref,
                        paths_[0].value if isinstance(paths_[0], ox.NamedNode) else "",
                        _path_text(g, paths_[0]),
                        [(k, _facet_value(g, k, v)) for k in _FACETS for v in g.objects(node, SH + k)],
                        g.texts(node, SH + "message"),
                        severity,
                        shape,
                    )
                ]
            node_facets = [
                (k, _facet_value(g, k, v))
                for k in _FACETS
                if k not in ("minCount", "maxCount")
                for v in g.objects(node, SH + k)
            ]
            if (
                g.objects(node, RDF + "type")
                and not g.objects(node, SH + "path")
                and (node_facets or g.texts(node, SH + "message"))
            ):
                # constraints on the focus node itself (sh:not, sh:or, sh:nodeKind...) come first
                constraints.insert(
                    0,
                    ConstraintDoc(
                        ref, "", "(the node itself)", node_facets, g.texts(node, SH + "message"), severity
                    ),
                )
            docs.append(
                ShapeDoc(
                    shape,
                    anchor_of(shape),
                    label,
                    g.texts(node, RDFS + "comment"),
                    targets,
                    severity,
                    constraints,
                    _refs(g, g.objects(node, RDFS + "seeAlso")),
                    file.name,
                )
            )
    return ShapesDoc(docs, files)


def _vocabulary(doc: OntologyDoc, lang: str = "en") -> Vocabulary:
    labels = {t.iri: t.label_in(lang) for t in doc.terms}
    parents = {t.iri: {s.iri for s in t.supers} for t in doc.terms if t.kind == "class"}
    ancestors = {iri: frozenset(seen) for iri, seen in transitive_closure(parents).items()}
    return Vocabulary(labels, ancestors)


@lru_cache(maxsize=4)
def rdf_document(kind: str, media_type: str, stamp: tuple[tuple[str, float], ...]) -> bytes:
    """The ontology or the shapes in an RDF format; `stamp` (files and mtimes) keys the cache."""
    files = [Path(f) for f, _ in stamp]
    if media_type == "text/turtle" and len(files) == 1:
        return files[0].read_bytes()  # keeps the banners and comments of the hand-written file
    store = ox.Store()
    for f in files:
        store.load(path=str(f), format=ox.RdfFormat.TURTLE)
    fmt = ox.RdfFormat.from_media_type(media_type)
    if fmt is None:
        raise ValueError(f"not an RDF media type: {media_type}")
    triples = [q.triple for q in store.quads_for_pattern(None, None, None, None)]
    prefixes = {p: ns for p, ns in iris.PREFIXES.items() if p not in ("id", "wd")}
    if kind == "shapes":
        prefixes["sh"] = SH
    return ox.serialize(triples, format=fmt, prefixes=prefixes) or b""


def document_stamp(kind: str) -> tuple[tuple[str, float], ...]:
    """Files and modification times of the ontology (`kind="ontology"`) or shapes folder."""
    return _stamp(_files(paths.ONTOLOGY_DIR if kind == "ontology" else paths.SHAPES_DIR))
