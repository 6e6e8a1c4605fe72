"""Checks SHACL cannot express well, run on the sources before validation.

Each returns the problems it found as BuildErrors naming the file and line, so the build can
stop on the first one with a useful message:

- every class and property the data uses is declared in the ontology or belongs to an
  aligned vocabulary (typos such as ``org:subOrganzationOf`` are caught here);
- entity IRIs are well formed (``id/{kind}/{slug}``), match their type, and are not
  duplicates (see `duplicate_slugs` for the rule);
- quote offsets point at the quote in the source's text file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import (
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SDO,
    SH,
    SKOS,
    TIME,
    XSD,
    DefinedNamespace,
)

from kg import iris
from kg.build.closure import transitive_closure
from kg.build.sources import ParsedFile
from kg.errors import BuildError, SourceLocation
from kg.vocab import OA, RDF_TYPE, TG

# The Web Annotation vocabulary (https://www.w3.org/TR/annotation-vocab/) is not shipped by rdflib.
OA_TERMS = frozenset(
    OA + t
    for t in (
        "Annotation",
        "SpecificResource",
        "TextPositionSelector",
        "TextQuoteSelector",
        "Selector",
        "start",
        "end",
        "exact",
        "prefix",
        "suffix",
        "hasSelector",
        "hasSource",
        "hasTarget",
        "hasBody",
        "motivatedBy",
        "refinedBy",
        "bodyValue",
        "Motivation",
        "describing",
        "commenting",
        "identifying",
        "tagging",
    )
)
ALIGNED: tuple[type[DefinedNamespace], ...] = (
    RDF,
    RDFS,
    OWL,
    XSD,
    SKOS,
    DCTERMS,
    PROV,
    ORG,
    SDO,
    FOAF,
    TIME,
    SH,
)
KIND_CLASS = {
    "person": "Person",
    "organization": "Organization",
    "place": "Place",
    "post": "Post",
    "tenure": "Tenure",
    "issue": "Issue",
    "stance": "Stance",
    "condition": "Condition",
    "statement": "Statement",
    "quote": "Quote",
    "claim": "AnalysisClaim",
    "event": "Event",
    "participation": "Participation",
    "source": "Source",
}


@cache
def aligned_terms() -> frozenset[str]:
    """Terms of the aligned vocabularies, from rdflib's closed namespace definitions."""
    terms = set(OA_TERMS)
    for ns in ALIGNED:
        base = str(ns._NS)
        names = set(getattr(ns, "__annotations__", {})) | set(getattr(ns, "_extras", []))
        terms.update(base + n for n in names if not n.startswith("_"))
    return frozenset(terms)


def declared_terms(ontology: Iterable[ox.Quad]) -> set[str]:
    """Every IRI the ontology mentions: its own terms and the external terms it aligns to."""
    out: set[str] = set()
    for q in ontology:
        for t in (q.subject, q.predicate, q.object):
            if isinstance(t, ox.NamedNode):
                out.add(t.value)
    return out


def undeclared_terms(sources: list[ParsedFile], ontology: Iterable[ox.Quad]) -> list[BuildError]:
    """Classes (objects of rdf:type) and properties used in the data but declared nowhere."""
    known = declared_terms(ontology) | aligned_terms()
    errors: list[BuildError] = []
    seen: set[str] = set()
    for f in sources:
        for q in f.quads:
            used = [q.predicate.value]
            if q.predicate == RDF_TYPE and isinstance(q.object, ox.NamedNode):
                used.append(q.object.value)
            for term in used:
                if term in known or term in seen:
                    continue
                seen.add(term)
                role = "class" if term != q.predicate.value else "property"
                hint = (
                    f"declare {term} in ontology/ (with labels and a definition) or fix the spelling"
                    if term.startswith(TG)
                    else f"{term} is not a term of the ontology nor of an aligned vocabulary "
                    "(RDF, RDFS, OWL, SKOS, DCTERMS, PROV, ORG, schema.org, FOAF, OWL-Time, "
                    "Web Annotation): "
                    "fix the spelling, or align it in ontology/"
                )
                where = SourceLocation(str(f.path), f.line_of(term))
                errors.append(BuildError(f"unknown {role} {term}", where=where, hint=hint))
    return errors


def _superclasses(ontology: Iterable[ox.Quad]) -> dict[str, set[str]]:
    """Reflexive-transitive rdfs:subClassOf / owl:equivalentClass closure of the ontology."""
    direct: dict[str, set[str]] = defaultdict(set)
    for q in ontology:
        if not (isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode)):
            continue
        if q.predicate.value == str(RDFS.subClassOf):
            direct[q.subject.value].add(q.object.value)
        elif q.predicate.value == str(OWL.equivalentClass):
            direct[q.subject.value].add(q.object.value)
            direct[q.object.value].add(q.subject.value)

    closed = transitive_closure(direct)
    return _Closure(lambda c: {c} | closed.get(c, set()))


class _Closure(dict[str, set[str]]):
    """Lazily computed superclass sets (a class not in the ontology is only its own superclass)."""

    def __init__(self, up: Callable[[str], set[str]]) -> None:
        super().__init__()
        self._up = up

    def __missing__(self, key: str) -> set[str]:
        value: set[str] = self._up(key)
        self[key] = value
        return value


def duplicate_slugs(sources: list[ParsedFile], ontology: Iterable[ox.Quad]) -> list[BuildError]:
    """Entity IRIs that look malformed, mistyped or used for two different things.

    The rule: an entity IRI ``id/{kind}/{slug}`` must use a known kind and a lowercase slug,
    and (where typed) carry a type compatible with the kind's class (under it, or more general:
    a collective typed just `tg:Actor` may sit under id/organization/). Within one source, the same IRI
    with two ``rdfs:label``s in one language, or with two types neither of which is a
    subclass of the other (per the ontology), is almost always two entities that were given
    the same slug: rename one of them.
    """
    supers = _superclasses(ontology)
    errors: list[BuildError] = []
    prefix = iris.BASE + "id/"
    for f in sources:
        types: dict[str, set[str]] = defaultdict(set)
        labels: dict[tuple[str, str], set[str]] = defaultdict(set)
        subjects: set[str] = set()
        for q in f.quads:
            if not isinstance(q.subject, ox.NamedNode):
                continue
            s = q.subject.value
            subjects.add(s)
            if q.predicate == RDF_TYPE and isinstance(q.object, ox.NamedNode):
                types[s].add(q.object.value)
            elif q.predicate.value == str(RDFS.label) and isinstance(q.object, ox.Literal):
                labels[(s, q.object.language or "")].add(q.object.value)
        for s in sorted(subjects):
            if not s.startswith(prefix) or "#" in s:
                continue
            parts = s[len(prefix) :].split("/")
            if len(parts) != 2 or parts[0] not in KIND_CLASS or not iris.SLUG_RE.match(parts[1]):
                errors.append(
                    BuildError(
                        f"malformed entity IRI <{s}>",
                        where=SourceLocation(str(f.path), f.line_of(s)),
                        hint=f"use id/{{kind}}/{{slug}} with kind one of {', '.join(sorted(KIND_CLASS))} "
                        "and a slug of lowercase words joined by '-', e.g. id/person/oscar-ortiz",
                    )
                )
                continue
            kind_class = TG + KIND_CLASS[parts[0]]
            typed = types.get(s, set())
            if typed and not any(kind_class in supers[t] or t in supers[kind_class] for t in typed):
                errors.append(
                    BuildError(
                        f"<{s}> is typed {', '.join(sorted(typed))} but its IRI says it is a {parts[0]}",
                        where=SourceLocation(str(f.path), f.line_of(s)),
                        hint=f"give it a type under {kind_class}, or move it to the right id/{{kind}}/ path",
                    )
                )
            typed_list = sorted(typed)
            for i, a in enumerate(typed_list):
                for b in typed_list[i + 1 :]:
                    if a not in supers[b] and b not in supers[a] and _both_tg(a, b):
                        errors.append(
                            BuildError(
                                f"duplicated slug: <{s}> is declared both a {a} and a {b}",
                                where=SourceLocation(str(f.path), f.line_of(s)),
                                hint="two different things share one slug: give one of them its own slug",
                            )
                        )
        for (s, lang), values in sorted(labels.items()):
            if len(values) > 1:
                errors.append(
                    BuildError(
                        f"duplicated slug: <{s}> has {len(values)} labels in language '{lang or 'none'}': "
                        + " / ".join(sorted(values)),
                        where=SourceLocation(str(f.path), f.line_of(s)),
                        hint="one entity takes one rdfs:label per language (put other names in tg:alias); "
                        "if these are two entities, give one of them its own slug",
                    )
                )
    return errors


def _both_tg(a: str, b: str) -> bool:
    """Only our own classes are compared: external types (foaf:Person, prov:Agent) are alignments."""
    return a.startswith(TG) and b.startswith(TG)


def quote_offsets(sources: list[ParsedFile], shared_dir: Path) -> list[BuildError]:
    """Every text position (``oa:start``/``oa:end``) must point at its quote's ``tg:text``.

    The text file is the ``tg:textFile`` (relative to the shared folder) of the quote's source:
    the quote's or its statement's ``tg:inSource``, or else the only source with a text file
    in the same graph. Offsets are Python string indices (code points), end exclusive.
    """
    errors: list[BuildError] = []
    texts: dict[str, str] = {}
    missing: set[str] = set()
    start_p, end_p = OA + "start", OA + "end"
    for f in sources:
        quads = f.quads
        by_subject: dict[ox.NamedNode | ox.BlankNode, list[ox.Quad]] = defaultdict(list)  # NamedNodes only
        for q in quads:
            if isinstance(q.subject, ox.NamedNode):
                by_subject[q.subject].append(q)

        pointing: dict[tuple[str, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple], list[ox.NamedNode]] = (
            defaultdict(list))
        for q in quads:
            if q.predicate.value in (TG + "position", TG + "hasQuote") and isinstance(
                q.subject, ox.NamedNode
            ):
                pointing[(q.predicate.value, q.object)].append(q.subject)

        def objs(s: ox.NamedNode | ox.BlankNode, p: str,
                 by: dict[ox.NamedNode | ox.BlankNode, list[ox.Quad]] = by_subject) -> list[Any]:
            return [q.object for q in by.get(s, []) if q.predicate.value == p]

        def where_of(node: ox.NamedNode | ox.BlankNode, f: ParsedFile = f) -> SourceLocation:
            return SourceLocation(str(f.path), f.line_of(node.value))

        text_files = {q.subject: q.object.value for q in quads
                      if q.predicate.value == TG + "textFile" and not isinstance(q.object, ox.Triple)}
        # (a quad's subject is never a triple term in pyoxigraph 0.5, whatever its stubs say)
        positions = sorted({q.subject for q in quads if q.predicate.value in (start_p, end_p)
                            and not isinstance(q.subject, ox.Triple)}, key=str)
        for pos in positions:
            quotes = pointing.get((TG + "position", pos), [])
            starts, ends = objs(pos, start_p), objs(pos, end_p)
            if len(starts) != 1 or len(ends) != 1:
                errors.append(
                    BuildError(
                        f"<{pos.value}> needs exactly one oa:start and one oa:end",
                        where=where_of(pos),
                        hint="give the position both offsets",
                    )
                )
                continue
            try:
                start, end = int(starts[0].value), int(ends[0].value)
            except ValueError:
                errors.append(
                    BuildError(
                        f"<{pos.value}> has non-integer offsets",
                        where=where_of(pos),
                        hint="oa:start and oa:end are xsd:nonNegativeInteger",
                    )
                )
                continue
            for quote in quotes:
                said = [o.value for o in objs(quote, TG + "text")]
                if not said:
                    continue  # the shapes require the text; SHACL reports it
                candidates = objs(quote, TG + "inSource")
                for st in pointing.get((TG + "hasQuote", quote), []):
                    candidates += objs(st, TG + "inSource")
                files = [text_files[c] for c in candidates if c in text_files]
                if not files and len(set(text_files.values())) == 1:
                    files = list(set(text_files.values()))
                if not files:
                    errors.append(
                        BuildError(
                            f"cannot tell which text the offsets of <{quote.value}> refer to",
                            where=where_of(pos),
                            hint="give the quote (or its statement) a tg:inSource whose source has a "
                            "tg:textFile",
                        )
                    )
                    continue
                rel = files[0]
                if rel in missing:
                    continue
                if rel not in texts:
                    path = shared_dir / rel
                    if not path.is_file():
                        missing.add(rel)  # said once, not once per quote
                        errors.append(
                            BuildError(
                                f"text file {rel} not found under the shared folder {shared_dir}",
                                where=where_of(pos),
                                hint="tg:textFile is relative to the shared folder (e.g. seed/article.txt); "
                                "point at the folder with --shared-dir or KG_SHARED_DIR (default: ../shared)",
                            )
                        )
                        continue
                    texts[rel] = path.read_text(encoding="utf-8")
                text = texts[rel]
                for words in said:
                    found = text[start:end]
                    if found != words:
                        at = text.find(words)
                        fix = (
                            f"the quote is at oa:start {at}, oa:end {at + len(words)}"
                            if at >= 0
                            else "the quote's text does not occur verbatim in the file: fix tg:text"
                        )
                        errors.append(
                            BuildError(
                                f"offsets {start}..{end} of <{quote.value}> point at {found[:60]!r}, "
                                "not at the quote "
                                f"{words[:60]!r}",
                                where=where_of(pos),
                                hint=fix,
                            )
                        )
    return errors
