"""The whole build: parse → check → link → validate → infer → load → swap.

Each step either passes or stops the build with a BuildError that names the file and line
(or the node and the SHACL rule) and how to fix it. The store is written into a fresh
directory and renamed into place only at the very end, so the store in place is never
touched by a failed build. The same sources always give the same quads (blank nodes are
labelled deterministically, inferred triples are sorted), hence the same version stamp.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import pyoxigraph as ox

from kg import iris, paths, store
from kg.build import checks
from kg.build.inference import Semantics, infer
from kg.build.links import links_quads
from kg.build.replay import ReplayReport, replay
from kg.build.sources import ParsedFile, Sources, load_sources
from kg.errors import BuildError, SourceLocation, Violation
from kg.journal import Journal
from kg.journal.log import record_position
from kg.validation.shacl import ShaclEngine, ValidationReport, describe, validate_graph

if TYPE_CHECKING:
    from kg.store.remote import SparqlEngine

SHOWN_RESULTS = 40
"""SHACL results printed during a build; `kg validate` prints them all."""


@dataclass
class BuildReport:
    """What a build produced: where, which version, how many quads per graph, what it warned about."""

    store_path: Path | None
    version: str
    graphs: dict[str, int]
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    journal: ReplayReport | None = None
    """What replaying the store's journal did (None: there was no journal)."""

    @property
    def total(self) -> int:
        return sum(self.graphs.values())


class Progress:
    """Step-by-step progress with counts and timings on stderr; silent when disabled."""

    def __init__(self, enabled: bool, out: TextIO | None = None) -> None:
        self.enabled = enabled
        self.out = out or sys.stderr
        self.timings: dict[str, float] = {}

    def say(self, text: str) -> None:
        if self.enabled:
            print(text, file=self.out, flush=True)

    @contextmanager
    def step(self, name: str) -> Iterator[dict[str, str]]:
        """Time a step; the body may put a result summary in the yielded dict under "done"."""
        info: dict[str, str] = {}
        if self.enabled:
            print(f"  {name} ...", end="", file=self.out, flush=True)
        started = time.perf_counter()
        try:
            yield info
        except BaseException:
            if self.enabled:
                print(" failed", file=self.out, flush=True)
            raise
        elapsed = time.perf_counter() - started
        self.timings[name] = elapsed
        if self.enabled:
            print(f" {info.get('done', 'done')} ({elapsed:.2f} s)", file=self.out, flush=True)


extra_sources_from_env = paths.extra_sources_from_env


@dataclass
class Inputs:
    """Where the build reads from; tests point these at edited copies.

    `extra_sources_dirs` are built together with `sources_dir` (their graphs join the store);
    the link tables (`wikidata-links.csv`, `reviewed-links.csv`) are read from `sources_dir` only.
    """

    shared_dir: Path = paths.DEFAULT_SHARED_DIR
    ontology_dir: Path = paths.ONTOLOGY_DIR
    shapes_dir: Path = paths.SHAPES_DIR
    sources_dir: Path = paths.SOURCES_DIR
    extra_sources_dirs: list[Path] = field(default_factory=list)
    partial: bool = False
    """A build of some sources only (a test's fixed dataset): link rows of absent entities are skipped."""

    @classmethod
    def of(cls, shared_dir: Path | None = None, ontology_dir: Path | None = None,
           shapes_dir: Path | None = None, sources_dir: Path | None = None,
           extra_sources_dirs: list[Path] | None = None) -> Inputs:
        """Defaults for what is not given; extra source folders default to $KG_EXTRA_SOURCES."""
        extra = extra_sources_from_env() if extra_sources_dirs is None else list(extra_sources_dirs)
        return cls(Path(shared_dir or paths.DEFAULT_SHARED_DIR), Path(ontology_dir or paths.ONTOLOGY_DIR),
                   Path(shapes_dir or paths.SHAPES_DIR), Path(sources_dir or paths.SOURCES_DIR),
                   [Path(p) for p in extra])


@dataclass
class Compiled:
    """Everything that goes into the store, checked and validated, plus what the checks said."""

    quads: list[ox.Quad]
    validation: ValidationReport
    problems: list[BuildError]
    where: Locator = field(default=lambda node: None)
    """Where each SHACL focus node is defined (file and line), for messages."""

    def results_of(self, source: str | None = None) -> list[Violation]:
        """Every SHACL result (violations first), only those whose focus node SOURCE's file defines if given."""
        out = []
        for v in [*self.validation.violations, *self.validation.warnings]:
            at = self.where(v.focus_node)
            if source is None or (at is not None and Path(at.file).stem == source):
                out.append(v)
        return out

    def result_lines(self, source: str | None = None) -> list[str]:
        """Every SHACL result once, with the file and line of its focus node; only SOURCE's if given."""
        return [located(v, self.where) for v in self.results_of(source)]

    def problems_of(self, source: str | None = None) -> list[BuildError]:
        """The check problems, only those in SOURCE's file if given."""
        return [p for p in self.problems
                if source is None or (p.where is not None and Path(p.where.file).stem == source)]

    def graph_counts(self) -> dict[str, int]:
        # (the build puts every quad in a named graph; the default graph has no `.value`)
        return dict(sorted(Counter(q.graph_name.value for q in self.quads
                                   if not isinstance(q.graph_name, ox.DefaultGraph)).items()))


def entity_iris(files: list[ParsedFile]) -> set[str]:
    """The entities the sources describe (subjects under id/, text positions excluded)."""
    prefix = iris.BASE + "id/"
    subjects = {q.subject.value for f in files for q in f.quads if isinstance(q.subject, ox.NamedNode)}
    return {s for s in subjects if s.startswith(prefix) and "#" not in s}


def links_graph(shared_dir: Path, entities: set[str], sources_dir: Path, *,
                require_all_rows: bool = True) -> list[ox.Quad]:
    """The Wikidata links graph from `kg.build.links` (QIDs only from reference/wikidata.tsv).

    The reviewed label → IRI mapping and the links recorded by `kg link` (``reviewed-links.csv``)
    are read from the sources folder being built, so a build from an edited copy of the sources
    uses that copy's files too.
    """
    mapping = sources_dir / "wikidata-links.csv"
    recorded = sources_dir / "reviewed-links.csv"
    reviewed = recorded if recorded.is_file() else None
    if mapping.is_file():
        return sorted(links_quads(shared_dir, entities, links_file=mapping, reviewed_file=reviewed,
                                  require_all_rows=require_all_rows), key=str)
    return sorted(links_quads(shared_dir, entities, reviewed_file=reviewed, require_all_rows=require_all_rows),
                  key=str)


Locator = Callable[[str], SourceLocation | None]


def violation_locator(files: list[ParsedFile]) -> Locator:
    """Where a SHACL focus node is defined: the first source file describing it, and the line.

    (Found as the offset checks find lines: `ParsedFile.definition_line_of`.)
    """
    defined: dict[str, ParsedFile] = {}
    for f in files:
        for q in f.quads:
            if isinstance(q.subject, ox.NamedNode):
                defined.setdefault(q.subject.value, f)

    def where(node: str) -> SourceLocation | None:
        f = defined.get(node)
        return SourceLocation(str(f.path), f.definition_line_of(node)) if f is not None else None

    return where


def located(v: Violation, where: Locator) -> str:
    """One SHACL result as `FILE:LINE: Violation: <node> path [rule]: message` (no file: no prefix)."""
    at = where(v.focus_node)
    return f"{at}: {describe(v)}" if at is not None else describe(v)


def _first(problems: list[BuildError], what: str) -> None:
    """Raise the first problem (keeping its file and line), mentioning how many more there are."""
    if problems:
        first = problems[0]
        more = len(problems) - 1
        if more:
            first.message += f" (and {more} more {what} problem(s); `kg validate` lists them all)"
        first.details = [str(p) for p in problems]
        raise first


def _without_reported_iris(report: ValidationReport, reported: set[str]) -> ValidationReport:
    """The report less its class results about an IRI no source describes: the IRI check already
    named the line that writes it, and one mistake is reported once."""
    if not reported:
        return report

    def keep(v: Violation) -> bool:
        return not (v.value in reported and v.constraint.endswith("ClassConstraintComponent"))

    violations = [v for v in report.violations if keep(v)]
    return replace(report, conforms=report.conforms or not violations, violations=violations,
                   warnings=[v for v in report.warnings if keep(v)])


def compile_graph(inputs: Inputs, progress: Progress, *, semantics: Semantics = "owlrl",
                  engine: ShaclEngine = "pyshacl", stop_on_problems: bool = True) -> Compiled:
    """Parse, check, link, validate and infer: the quads of the store, not yet loaded.

    With `stop_on_problems` (the build) the first problem raises BuildError; without it
    (`kg validate`) every problem is collected and returned, as long as the files parse.
    """
    with progress.step("parsing ontology, shapes and sources") as info:
        src: Sources = load_sources(ontology_dir=inputs.ontology_dir, shapes_dir=inputs.shapes_dir,
                                    sources_dir=inputs.sources_dir,
                                    extra_sources_dirs=inputs.extra_sources_dirs)
        n = sum(len(f.quads) for f in src.files())
        info["done"] = f"{len(list(src.files()))} files, {n} quads"
    ontology = Sources.quads_of(src.ontology)
    shapes = Sources.quads_of(src.shapes)
    data = Sources.quads_of(src.sources)
    problems: list[BuildError] = []
    with progress.step("checking terms, slugs and text offsets") as info:
        for name, found in (("term", checks.undeclared_terms(src.sources, ontology)),
                            ("slug", checks.duplicate_slugs(src.sources, ontology)),
                            ("IRI", checks.undescribed_entities(src.sources)),
                            ("offset", checks.text_offsets(src.sources, inputs.shared_dir))):
            if stop_on_problems:
                _first(found, name)
            problems.extend(found)
        info["done"] = f"{len(problems)} problem(s)"
    with progress.step("linking to Wikidata") as info:
        links = links_graph(inputs.shared_dir, entity_iris(src.sources), inputs.sources_dir,
                            require_all_rows=not inputs.partial)
        info["done"] = f"{len(links)} quads"
    with progress.step(f"validating with SHACL ({engine})") as info:
        # data graph = the source graphs + graph/wikidata; the ontology is the ont_graph (pyshacl
        # mixes its axioms in; no inference), as shapes/core.ttl and tests/shapes/ document.
        report = _without_reported_iris(
            validate_graph([*data, *links], shapes=shapes, ontology=ontology, engine=engine),
            set(checks.undescribed_iris(src.sources)))
        info["done"] = f"{len(report.violations)} violation(s), {len(report.warnings)} warning(s)"
    where = violation_locator(src.sources)
    lines = [located(v, where) for v in [*report.violations, *report.warnings]]
    if stop_on_problems:  # `kg validate` prints every result itself, once
        for line in lines[:SHOWN_RESULTS]:
            progress.say("    " + line)
        if len(lines) > SHOWN_RESULTS:
            progress.say(f"    ... and {len(lines) - SHOWN_RESULTS} more (`kg validate` lists them all)")
    if stop_on_problems and not report.conforms:
        first = report.violations[0]
        raise BuildError(
            f"SHACL: {len(report.violations)} violation(s); first: {describe(first)}"
            + (f" (shape {first.shape})" if first.shape else ""),
            where=where(first.focus_node),
            hint="fix the data (or the shape) so that the focus node conforms; `kg validate` lists them all",
            details=[located(v, where) for v in report.violations])
    with progress.step(f"inferring ({semantics})") as info:
        inferred = infer(ontology, [*data, *links], semantics=semantics)
        info["done"] = f"{len(inferred)} new quads"
    return Compiled([*ontology, *shapes, *data, *links, *inferred], report, problems, where)


def load_into(target: ox.Store, quads: list[ox.Quad]) -> None:
    """Bulk-load quads (the fast path: no transaction log, memory-bounded batches)."""
    target.bulk_extend(quads)
    target.flush()


def build(store_path: str | Path, *, shared_dir: Path | None = None, progress: bool = True,
          ontology_dir: Path | None = None, shapes_dir: Path | None = None, sources_dir: Path | None = None,
          extra_sources_dirs: list[Path] | None = None, semantics: Semantics = "owlrl",
          engine: ShaclEngine = "pyshacl", journal: Journal | None = None) -> BuildReport:
    """Build the store at `store_path` from the sources; the old store stays untouched on failure.

    Then the store's journal (`journal`, default STORE.journal or KG_JOURNAL) is replayed into the
    new store, each entry through the SHACL gate (`kg.build.replay`): the edits made since the
    sources were written survive the build; those the gate now refuses are quarantined and listed.

    `engine` validates (pyshacl, or the shapes compiled to SPARQL in Oxigraph); `semantics`
    infers (owlrl OWL RL, owlrl RDFS, or RDFS rules in Oxigraph). Both pairs give the same
    results on our graph (tests/kg/validation/test_engines.py); the Oxigraph ones scale to millions of triples.
    Raises BuildError (file and line, or node and rule, and a hint) when any step fails.
    """
    target = Path(store_path)
    inputs = Inputs.of(shared_dir, ontology_dir, shapes_dir, sources_dir, extra_sources_dirs)
    prog = Progress(progress)
    prog.say(f"building {target}")
    compiled = compile_graph(inputs, prog, semantics=semantics, engine=engine)
    with prog.step("stamping the version") as info:
        version = store.quads_digest(compiled.quads)[:16]
        info["done"] = version
    journal = journal or Journal.for_store(target)
    replayed: ReplayReport | None = None
    staging = store.staging_dir(target)
    try:
        with prog.step("loading into a new store") as info:
            new_store = ox.Store(str(staging))
            load_into(new_store, compiled.quads)
            info["done"] = f"{len(compiled.quads)} quads"
        if journal.exists():
            with prog.step(f"replaying the journal {journal.path}") as info:
                replayed = replay(new_store, journal, version=version)
                new_store.flush()
                info["done"] = replayed.summary()
            for item in replayed.quarantine:
                prog.say(f"    quarantined {item}")
            if replayed.quarantine:
                prog.say(f"    kept aside in {journal.quarantine_path} (fix the entries, or the shapes or sources "
                         "that refuse them, and send them again)")
        del new_store
        if replayed is not None and replayed.last_id is not None:
            version = replayed.last_version or version
            record_position(staging, replayed.last_id, version)
        else:
            store.write_version(staging, version)
        with prog.step("swapping it in"):
            store.swap_in(staging, target)
    except BaseException:
        store.discard(staging)
        raise
    counts = compiled.graph_counts()
    edits = f"; journal: {replayed.summary()}" if replayed is not None else ""
    prog.say(f"built {target}: {sum(counts.values())} quads in {len(counts)} graphs from the sources{edits}, "
             f"version {version}")
    return BuildReport(target, version, counts, compiled.result_lines(), prog.timings, replayed)


def build_remote(engine: SparqlEngine, *, shared_dir: Path | None = None, progress: bool = True,
                 ontology_dir: Path | None = None, shapes_dir: Path | None = None, sources_dir: Path | None = None,
                 extra_sources_dirs: list[Path] | None = None, semantics: Semantics = "owlrl",
                 engine_name: ShaclEngine = "pyshacl") -> str:
    """Build from the sources into a remote store (`KG_BACKEND=sparql`): checked here, then loaded
    beside the old graphs and swapped in by one update (`kg.store.remote_load`). The version."""
    from kg.store.remote_load import load_remote

    inputs = Inputs.of(shared_dir, ontology_dir, shapes_dir, sources_dir, extra_sources_dirs)
    prog = Progress(progress)
    compiled = compile_graph(inputs, prog, semantics=semantics, engine=engine_name)
    version = store.quads_digest(compiled.quads)[:16]
    with prog.step("loading into the remote store and swapping it in") as info:
        counts = load_remote(engine, compiled.quads, version)
        info["done"] = f"{sum(counts.values())} triples in {len(counts)} graphs"
    prog.say(f"built the remote store: version {version}")
    return version


def build_memory_store(*, shared_dir: Path | None = None, progress: bool = False,
                       ontology_dir: Path | None = None, shapes_dir: Path | None = None,
                       sources_dir: Path | None = None, semantics: Semantics = "owlrl",
                       engine: ShaclEngine = "pyshacl", extra_sources_dirs: list[Path] | None = None,
                       partial: bool = False) -> ox.Store:
    """Everything the build produces, in an in-memory store (tests; no disk, no swap).

    `partial`: the sources are a selection (link rows of entities they lack are skipped).
    """
    inputs = Inputs.of(shared_dir, ontology_dir, shapes_dir, sources_dir, extra_sources_dirs)
    inputs.partial = partial
    compiled = compile_graph(inputs, Progress(progress), semantics=semantics, engine=engine)
    mem = ox.Store()
    mem.bulk_extend(compiled.quads)
    return mem


def check(*, shared_dir: Path | None = None, progress: bool = True, ontology_dir: Path | None = None,
          shapes_dir: Path | None = None, sources_dir: Path | None = None, engine: ShaclEngine = "pyshacl",
          semantics: Semantics = "owlrl", extra_sources_dirs: list[Path] | None = None) -> Compiled:
    """Run every check and the validation without building: what `kg validate` reports."""
    inputs = Inputs.of(shared_dir, ontology_dir, shapes_dir, sources_dir, extra_sources_dirs)
    return compile_graph(inputs, Progress(progress), stop_on_problems=False, engine=engine,
                         semantics=semantics)
