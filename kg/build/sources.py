"""Reading the ontology, the shapes and the source files, with errors that name file and line.

Parsing uses pyoxigraph's parsers (fast, and their errors carry line and column). Blank
nodes (OWL restrictions, SHACL paths and lists) get deterministic labels: each file is
canonicalised with RDFC-1.0 and every blank node is relabelled with a hash of the file and
its canonical label, so two builds give the same quads, byte for byte. They stay blank nodes
rather than being skolemised to IRIs because SHACL gives IRIs and blank nodes different
meanings (an IRI as `sh:path` is a predicate path; a sequence or inverse path must be a blank
node), so skolemised shapes would validate differently.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TypeVar, cast

import pyoxigraph as ox

from kg import iris
from kg.errors import BuildError, SourceLocation

#: Any term of a quad: `fix` below keeps the kind it is given.
_T = TypeVar("_T", bound=ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | ox.DefaultGraph)

RDF_SUFFIXES = {".ttl": ox.RdfFormat.TURTLE, ".trig": ox.RdfFormat.TRIG, ".nq": ox.RdfFormat.N_QUADS,
                ".nt": ox.RdfFormat.N_TRIPLES}


@dataclass
class ParsedFile:
    """The quads of one file, all in `graph`, and its text (to point at lines later)."""

    path: Path
    graph: str
    quads: list[ox.Quad]
    text: str = field(repr=False)

    def line_of(self, iri: str) -> int | None:
        """The first line that mentions `iri`, written in full or as a prefixed name."""
        return first_line_mentioning(self.text, iri)

    def definition_line_of(self, iri: str) -> int | None:
        """The line where `iri` is described (a line starting with it), else its first mention.

        The lines that start a description are indexed once per file: a build of a large graph
        locates thousands of SHACL warnings, and scanning the text once per node made it quadratic.
        """
        return self._subject_lines.get(iri) or self.line_of(iri)

    @cached_property
    def _subject_lines(self) -> dict[str, int]:
        """Each IRI that starts a line as a subject (see `first_line_mentioning`'s `as_subject`),
        with the first such line."""
        prefixes: dict[str, str] = {}
        for m in _PREFIX_RE.finditer(self.text):
            ns = m.group(2) if m.group(2) is not None else m.group(4)
            if ns:
                prefixes.setdefault(m.group(1) or m.group(3) or "", ns)
        bases = [b for m in _BASE_RE.finditer(self.text) if (b := m.group(1) or m.group(2))]
        lines: dict[str, int] = {}
        for lineno, line in enumerate(self.text.splitlines(), start=1):
            stripped = line.lstrip()
            if stripped.startswith("#") or _PREFIX_RE.match(stripped) or _BASE_RE.match(stripped):
                continue
            subject = _SUBJECT_RE.match(line)
            if subject is None:
                continue
            token = subject.group(1)
            if token.startswith("<"):
                ref = token[1:-1]
                candidates = [ref] + [b + ref for b in bases]
            else:
                prefix, _, local = token.partition(":")
                candidates = [prefixes[prefix] + local] if prefix in prefixes else []
            for candidate in candidates:
                lines.setdefault(candidate, lineno)
        return lines

    def defines(self, iri: str) -> bool:
        """Whether this file holds a triple about `iri`."""
        return any(q.subject.value == iri for q in self.quads if isinstance(q.subject, ox.NamedNode))

    @property
    def slug(self) -> str:
        """The source's slug: the file's stem (its graph is .../graph/source/SLUG)."""
        return self.path.stem


@dataclass
class Sources:
    """Everything the build reads from the repository, parsed."""

    ontology: list[ParsedFile]
    shapes: list[ParsedFile]
    sources: list[ParsedFile]

    def files(self) -> Iterable[ParsedFile]:
        yield from self.ontology
        yield from self.shapes
        yield from self.sources

    @staticmethod
    def quads_of(files: Iterable[ParsedFile]) -> list[ox.Quad]:
        return [q for f in files for q in f.quads]


_PREFIX_RE = re.compile(r"@prefix\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>|PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>",
                        re.IGNORECASE)


_BASE_RE = re.compile(r"@base\s+<([^>]*)>|(?<!\w)BASE\s+<([^>]*)>", re.IGNORECASE)
#: A line that starts a description: a subject (an IRI or a prefixed name) then a predicate.
_SUBJECT_RE = re.compile(r"^\s*(<[^>\s]*>|[A-Za-z][\w.-]*:[\w.-]*(?<!\.)|:[\w.-]*(?<!\.))\s+(?![,.;])\S")


def first_line_mentioning(text: str, iri: str, *, as_subject: bool = False) -> int | None:
    """Line number (1-based) of the first mention of `iri` in Turtle/TriG text, or None.

    With `as_subject`, only a line that starts with `iri` counts (where a node is described,
    not where it is listed as someone's object).

    >>> first_line_mentioning("@prefix ex: <http://e/> .\\nex:a ex:b ex:c .", "http://e/b")
    2
    >>> first_line_mentioning("@prefix ex: <http://e/> .\\nex:a ex:b ex:c .\\nex:c ex:b 1 .", "http://e/c",
    ...                       as_subject=True)
    3
    """
    needles = [re.escape(f"<{iri}>")]
    for m in _PREFIX_RE.finditer(text):
        prefix = m.group(1) or m.group(3) or ""
        ns = m.group(2) if m.group(2) is not None else m.group(4)
        if ns and iri.startswith(ns) and len(iri) > len(ns):
            local = iri[len(ns):]
            needles.append(rf"(?<![\w:-]){re.escape(prefix)}:{re.escape(local)}(?![\w-])")
    for m in _BASE_RE.finditer(text):
        base = m.group(1) or m.group(2)
        if base and iri.startswith(base) and len(iri) > len(base):
            needles.append(re.escape(f"<{iri[len(base):]}>"))
    if iri == iris.PREFIXES["rdf"] + "type":
        needles.append(r"(?<![\w:])a(?=\s)")
    pattern = re.compile("|".join(needles))
    if as_subject:
        # a subject starts its line and is followed by a predicate, not by `,`/`.`/`;` (an object list)
        pattern = re.compile(r"^\s*(?:" + "|".join(needles) + r")\s+(?![,.;])\S")
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip()
        if stripped.startswith("#") or _PREFIX_RE.match(stripped) or _BASE_RE.match(stripped):
            continue
        if pattern.search(line):
            return lineno
    return None


def _syntax_error(path: Path, exc: SyntaxError) -> BuildError:
    line = exc.lineno
    column = exc.offset
    return BuildError(
        exc.msg or str(exc),
        where=SourceLocation(str(path), line, column),
        hint="fix the Turtle/TriG syntax at that line and column (a missing '.', ';' or '>', or an "
             "undeclared prefix, is the usual cause); `kg validate` re-checks every file",
    )


def stable_blank_nodes(quads: list[ox.Quad], *, scope: str) -> list[ox.Quad]:
    """Relabel blank nodes deterministically: canonical labels (RDFC-1.0) hashed with `scope`
    (the file), so labels never clash across files and never change between builds."""
    if not any(isinstance(t, ox.BlankNode) for q in quads for t in (q.subject, q.object, q.graph_name)):
        return quads
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)

    def fix(term: _T) -> _T:
        if isinstance(term, ox.BlankNode):
            digest = hashlib.sha256(f"{scope}|{term.value}".encode()).hexdigest()[:24]
            return cast(_T, ox.BlankNode("b" + digest))  # term is a BlankNode, so _T is too
        return term

    return [ox.Quad(fix(q.subject), q.predicate, fix(q.object), fix(q.graph_name))
            for q in dataset]


def parse_file(path: Path, *, graph: str) -> ParsedFile:
    """Parse one Turtle file into `graph` (or a TriG file that must hold exactly `graph`).

    Raises BuildError naming file, line and column for a syntax error, and for a TriG
    file holding triples outside its one named graph.
    """
    fmt = RDF_SUFFIXES.get(path.suffix)
    if fmt is None:
        raise BuildError(f"unsupported file type {path.suffix!r}", where=SourceLocation(str(path)),
                         hint="use .ttl or .trig")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BuildError("not valid UTF-8", where=SourceLocation(str(path), line),
                         hint="save the file as UTF-8") from exc
    try:
        parsed = list(ox.parse(data, format=fmt, base_iri=iris.BASE))
    except SyntaxError as exc:
        raise _syntax_error(path, exc) from exc
    target = ox.NamedNode(graph)
    if fmt.supports_datasets:
        for q in parsed:
            if q.graph_name != target:
                default = isinstance(q.graph_name, ox.DefaultGraph)
                where_graph = "the default graph" if default else str(q.graph_name)
                named = isinstance(q.subject, ox.NamedNode)
                mention = first_line_mentioning(text, q.subject.value) if named else None
                raise BuildError(
                    f"a triple about {q.subject} sits in {where_graph}, not in the file's graph <{graph}>",
                    where=SourceLocation(str(path), mention),
                    hint=f"each source file holds exactly one named graph named after the file: "
                         f"wrap its content in `<{graph}> {{ ... }}`")
        quads = parsed
    else:
        quads = [ox.Quad(q.subject, q.predicate, q.object, target) for q in parsed]
    quads = stable_blank_nodes(quads, scope=f"{graph}|{path.name}")
    return ParsedFile(path, graph, quads, text)


def _rdf_files(directory: Path, suffixes: tuple[str, ...]) -> list[Path]:
    if not directory.is_dir():
        raise BuildError(f"no such folder: {directory}", hint="pass the right folder, or restore it from git")
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in suffixes)


def load_graph_dir(directory: Path, *, graph: str) -> list[ParsedFile]:
    """All Turtle files of a folder, into one named graph (the ontology, the shapes)."""
    return [parse_file(p, graph=graph) for p in _rdf_files(directory, (".ttl",))]


def load_source_dir(directory: Path) -> list[ParsedFile]:
    """Every `sources/*.trig` (or `.ttl`): one named graph per file, named after its stem.

    A source's text, when its licence lets us keep a copy, sits beside it as `SLUG.txt`
    (see `kg.build.checks.resolve_text_file`); other files (`*.csv`, `*.txt`, `*.md`) are not sources.
    """
    files = []
    for path in _rdf_files(directory, (".trig", ".ttl")):
        if not iris.SLUG_RE.match(path.stem):
            raise BuildError(f"source file name {path.name!r} is not a slug", where=SourceLocation(str(path)),
                             hint="name source files in lowercase words joined by '-', "
                                  "e.g. elfaro-2017-01-letter.trig")
        files.append(parse_file(path, graph=iris.source_graph(path.stem)))
    return files


def load_source_dirs(directories: Iterable[Path]) -> list[ParsedFile]:
    """The sources of several folders (the repository's, plus extra ones such as a test fixture).

    Two files with one slug would write one named graph twice: refused, naming both.
    """
    files: list[ParsedFile] = []
    seen: dict[str, Path] = {}
    for directory in directories:
        for parsed in load_source_dir(directory):
            if parsed.slug in seen:
                raise BuildError(f"two sources named {parsed.slug!r}: {seen[parsed.slug]} and {parsed.path}",
                                 where=SourceLocation(str(parsed.path)),
                                 hint="each source has its own slug (and so its own named graph); rename one")
            seen[parsed.slug] = parsed.path
            files.append(parsed)
    return files


def load_sources(*, ontology_dir: Path, shapes_dir: Path, sources_dir: Path,
                 extra_sources_dirs: Iterable[Path] = ()) -> Sources:
    """Parse everything the build needs; the first problem stops it with file and line."""
    return Sources(
        ontology=load_graph_dir(ontology_dir, graph=iris.GRAPH_ONTOLOGY),
        shapes=load_graph_dir(shapes_dir, graph=iris.GRAPH_SHAPES),
        sources=load_source_dirs([sources_dir, *extra_sources_dirs]),
    )
