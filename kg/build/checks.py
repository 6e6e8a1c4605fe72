"""Checks SHACL cannot express well, run on the sources before validation.

Each returns the problems it found as BuildErrors naming the file and line, so the build can
stop on the first one with a useful message:

- every class and property the data uses is declared in the ontology or belongs to an
  aligned vocabulary (typos such as ``org:subOrganzationOf`` are caught here);
- entity IRIs are well formed (``id/{kind}/{slug}``), match their type, and are not
  duplicates (see `duplicate_slugs` for the rule);
- every entity IRI a source points at is described by some source (`undescribed_entities`), so
  that a misspelt ``person:oscar-ortz`` under a property without a class constraint is caught;
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


def undescribed_iris(sources: list[ParsedFile]) -> dict[str, list[tuple[ParsedFile, str]]]:
    """Entity IRIs (``id/…``) used as objects that no source describes, with where each is used:
    (file, property), once per file."""
    prefix = iris.BASE + "id/"
    described = {q.subject.value for f in sources for q in f.quads if isinstance(q.subject, ox.NamedNode)}
    found: dict[str, list[tuple[ParsedFile, str]]] = defaultdict(list)
    for f in sources:
        for q in f.quads:
            o = q.object
            if (isinstance(o, ox.NamedNode) and o.value.startswith(prefix) and o.value not in described
                    and all(g is not f for g, _ in found[o.value])):
                found[o.value].append((f, q.predicate.value))
    return {k: v for k, v in found.items() if v}


def undescribed_entities(sources: list[ParsedFile]) -> list[BuildError]:
    """Entity IRIs used as objects that no source describes: almost always a misspelling.

    SHACL catches a wrong IRI only where a shape asks for a class (``tg:speaker`` must be an
    actor); ``tg:about``, ``tg:mentions`` or ``tg:respondsTo`` take anything, so a typo there
    would otherwise pass silently and dangle. Entities live in any source (a new article reuses
    the seed's people), so "described" means: the subject of a triple in some source. Each IRI
    is reported once per file, at the line that writes it (the build drops SHACL's class
    results about the same value, so that the mistake is reported once).
    """
    prefix = iris.BASE + "id/"
    errors: list[BuildError] = []
    for iri, uses in undescribed_iris(sources).items():
        kind = iri[len(prefix):].split("/")[0]
        for f, prop in uses:
            errors.append(
                BuildError(
                    f"<{iri}> (the object of {prop}) is not described by any source",
                    where=SourceLocation(str(f.path), f.line_of(iri)),
                    hint="fix the spelling (find the IRI with `kg query --canned entity-lookup "
                    f"--param name=...`), or describe the {kind} (a type and a label) in this source",
                )
            )
    return sorted(errors, key=lambda e: (e.where.file, e.where.line or 0) if e.where else ("", 0))


def _both_tg(a: str, b: str) -> bool:
    """Only our own classes are compared: external types (foaf:Person, prov:Agent) are alignments."""
    return a.startswith(TG) and b.startswith(TG)


def resolve_text_file(rel: str, source_dir: Path, shared_dir: Path) -> tuple[Path | None, list[Path]]:
    """Where a source's ``tg:textFile`` is: beside the source's TriG, else under the shared folder.

    A text the source's licence lets us keep sits in the repository next to its TriG
    (``sources/SLUG.txt``, written ``tg:textFile "SLUG.txt"``); a text we may not copy stays a
    pointer into the shared folder (the seed: ``"seed/article.txt"`` under ``../shared``).
    Returns the file found (or None) and every place looked at, for the error message.

    >>> resolve_text_file("nowhere.txt", Path("/nonexistent/a"), Path("/nonexistent/b"))[0] is None
    True
    """
    tried = [source_dir / rel, shared_dir / rel]
    for path in tried:
        if path.is_file():
            return path, tried
    return None, tried


def _text_files(sources: list[ParsedFile]) -> dict[ox.NamedNode | ox.BlankNode, tuple[str, ParsedFile]]:
    """Each source node with a ``tg:textFile``: the value and the file that declares it."""
    found: dict[ox.NamedNode | ox.BlankNode, tuple[str, ParsedFile]] = {}
    for f in sources:
        for q in f.quads:
            if (q.predicate.value == TG + "textFile" and isinstance(q.object, ox.Literal)
                    and not isinstance(q.subject, ox.Triple)):
                found[q.subject] = (q.object.value, f)
    return found


def text_offsets(sources: list[ParsedFile], shared_dir: Path) -> list[BuildError]:
    """Every text position (``oa:start``/``oa:end``) must point at its words in its own source's text.

    A positioned node is anything with a ``tg:position``: a quote (its words are ``tg:text``),
    an analysis claim or a statement (``tg:paraphrase``). Its text is the ``tg:textFile`` of
    its source: the node's or its statement's ``tg:inSource``, or else the only source with a
    text file in the same file. The text file is found by `resolve_text_file`. Offsets are
    Python string indices (code points), end exclusive. A missing text file is reported once.
    """
    errors: list[BuildError] = []
    texts: dict[Path, str] = {}
    missing: set[str] = set()
    start_p, end_p = OA + "start", OA + "end"
    text_files = _text_files(sources)
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
            return SourceLocation(str(f.path), f.definition_line_of(node.value))

        own_texts = {s: v for s, v in text_files.items() if v[1] is f}
        # (a quad's subject is never a triple term in pyoxigraph 0.5, whatever its stubs say)
        positions = sorted({q.subject for q in quads if q.predicate.value in (start_p, end_p)
                            and not isinstance(q.subject, ox.Triple)}, key=str)
        for pos in positions:
            holders = pointing.get((TG + "position", pos), [])
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
            for holder in holders:
                kind = "quote"
                said = [o.value for o in objs(holder, TG + "text")]
                if not said:
                    kind = "paraphrase"
                    said = [o.value for o in objs(holder, TG + "paraphrase")]
                if not said:
                    continue  # the shapes require a quote's text; SHACL reports it
                candidates = objs(holder, TG + "inSource")
                for st in pointing.get((TG + "hasQuote", holder), []):
                    candidates += objs(st, TG + "inSource")
                declared = [text_files[c] for c in candidates if c in text_files]
                if not declared and len(own_texts) == 1:
                    declared = list(own_texts.values())
                if not declared:
                    errors.append(
                        BuildError(
                            f"cannot tell which text the offsets of <{holder.value}> refer to",
                            where=where_of(pos),
                            hint="give it (or its statement) a tg:inSource whose source has a tg:textFile",
                        )
                    )
                    continue
                rel, declaring = declared[0]
                path, tried = resolve_text_file(rel, declaring.path.parent, shared_dir)
                if path is None:
                    if rel not in missing:
                        missing.add(rel)  # said once, not once per quote
                        errors.append(
                            BuildError(
                                f"text file {rel} not found beside {declaring.path.name} nor under the "
                                f"shared folder {shared_dir} (looked at {', '.join(map(str, tried))})",
                                where=SourceLocation(str(declaring.path),
                                                     declaring.line_of(TG + "textFile")),
                                hint="put the text beside the source's TriG (tg:textFile \"SLUG.txt\"), or, "
                                "for a text kept outside the repository, point at the shared folder with "
                                "--shared-dir or KG_SHARED_DIR (default: ../shared)",
                            )
                        )
                    continue
                if path not in texts:
                    texts[path] = path.read_text(encoding="utf-8")
                text = texts[path]
                for words in said:
                    found = text[start:end]
                    if found != words:
                        at = text.find(words)
                        fix = (
                            f"the {kind} is at oa:start {at}, oa:end {at + len(words)}; "
                            f"`kg locate {declaring.slug} \"...\"` prints offsets"
                            if at >= 0
                            else f"the {kind} does not occur verbatim in {rel}: copy it exactly; "
                            f"`kg locate {declaring.slug} \"...\"` says where words are"
                        )
                        errors.append(
                            BuildError(
                                f"offsets {start}..{end} of <{holder.value}> point at {found[:60]!r}, "
                                f"not at the {kind} {words[:60]!r} in {rel}",
                                where=where_of(pos),
                                hint=fix,
                            )
                        )
    return errors


quote_offsets = text_offsets
"""The older name: quotes were the first positioned texts checked."""
