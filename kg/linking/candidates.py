"""A reviewed candidates file (`kg link` input): read, and checked row by row against the store.

Every fault is reported with its file line and its fix, all at once; nothing here writes.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import pyoxigraph as ox

from kg import iris
from kg.build import links
from kg.build.links import WIKIDATA_GRAPH
from kg.errors import BadRequest
from kg.vocab import SKOS_EXACT_MATCH

CANDIDATE_COLUMNS = ("iri", "qid", "reviewer", "note")
LINKABLE_KINDS = links.LINKABLE_KINDS
"""Kinds Wikidata may hold an item for: quotes, stances... are our own analysis."""


class LinkFileError(BadRequest):
    """A candidates file with faults: `details` lists every one as `file:line: what (fix)`."""

    def __init__(self, problems: list[str]) -> None:
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}; nothing was written",
                         hint="fix the lines named and run `kg link` again: files apply whole or not at all")
        self.details = problems


@dataclass(frozen=True)
class Candidate:
    """One reviewed row of a candidates file."""

    line: int
    iri: str
    qid: str
    reviewer: str
    note: str


@dataclass
class LinkPlan:
    """What applying a candidates file changes: quads to add and remove, and rows already in place."""

    add: list[ox.Quad] = field(default_factory=list)
    remove: list[ox.Quad] = field(default_factory=list)
    linked: list[Candidate] = field(default_factory=list)
    unchanged: list[Candidate] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    recorded_in: Path | None = None
    """The reviewed-links file the accepted rows were recorded in (None when nothing was linked)."""


def read_candidates(path: Path) -> list[Candidate]:
    """Rows of a candidates file; raises LinkFileError naming the header or the row at fault."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadRequest(f"{path} does not exist", hint="give the path of a CSV with columns "
                         + ",".join(CANDIDATE_COLUMNS)) from None
    except UnicodeDecodeError as exc:
        raise BadRequest(f"{path} is not UTF-8 text: {exc}", hint="save the CSV as UTF-8") from None
    return parse_candidates(text, name=str(path))


def parse_candidates(text: str, *, name: str = "<candidates>") -> list[Candidate]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(h.strip().lower() for h in header) != CANDIDATE_COLUMNS:
        raise LinkFileError([f"{name}:1: the header should be {','.join(CANDIDATE_COLUMNS)!r}, "
                             f"not {','.join(header or [])!r} (write that header on the first line)"])
    rows: list[Candidate] = []
    problems: list[str] = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(CANDIDATE_COLUMNS):
            problems.append(f"{name}:{line}: expected 4 cells (iri,qid,reviewer,note), found {len(cells)} "
                            "(quote a note that contains commas)")
            continue
        iri, qid, reviewer, note = (c.strip() for c in cells)
        rows.append(Candidate(line, iri, qid, reviewer, note))
    if problems:
        raise LinkFileError(problems)
    if not rows:
        raise LinkFileError([f"{name}: no rows after the header (add one reviewed link per line)"])
    return rows


def check_candidates(rows: Sequence[Candidate], store: ox.Store, *, name: str = "<candidates>") -> LinkPlan:
    """Check every row against the syntax rules and the store; raise LinkFileError listing all faults.

    Reads only: nothing is written here, so a file with any fault leaves the store untouched.
    """
    problems: list[str] = []
    seen_iri: dict[str, int] = {}
    seen_qid: dict[str, int] = {}
    existing = current_links(store)
    linked_qids = {qid: iri for iri, qid in existing.items()}
    plan = LinkPlan()
    for row in rows:
        where = f"{name}:{row.line}"
        faults = _row_faults(row, store)
        if row.iri in seen_iri:
            faults.append(f"{row.iri} is already on line {seen_iri[row.iri]} (keep one QID per entity)")
        if row.qid in seen_qid:
            faults.append(f"{row.qid} is already on line {seen_qid[row.qid]} (keep one entity per QID)")
        seen_iri.setdefault(row.iri, row.line)
        seen_qid.setdefault(row.qid, row.line)
        if not faults:
            current = existing.get(row.iri)
            holder = linked_qids.get(row.qid)
            if current == row.qid:
                plan.unchanged.append(row)
                continue
            if current is not None:
                faults.append(f"{row.iri} is already linked to {current} (a reviewed link is not replaced "
                              "by `kg link`; remove it with a SPARQL update first if it is wrong)")
            if holder is not None and holder != row.iri:
                faults.append(f"{row.qid} is already the link of {holder} (one entity per QID)")
        problems.extend(f"{where}: {f}" for f in faults)
        if not faults:
            plan.linked.append(row)
    if problems:
        raise LinkFileError(problems)
    return plan


def _row_faults(row: Candidate, store: ox.Store) -> list[str]:
    faults = []
    if not iris.QID_RE.match(row.qid):
        hint = "write Q followed by digits, e.g. Q792"
        tail = row.qid.rstrip("/").rsplit("/", 1)[-1]
        if tail != row.qid and iris.QID_RE.match(tail):
            hint = f"write {tail}, not the address"
        faults.append(f"{row.qid!r} is not a Wikidata QID ({hint})")
    entity_base = iris.BASE + "id/"
    if not row.iri:
        faults.append("the iri cell is empty (give our entity's IRI, e.g. "
                      f"{iris.entity_iri('person', 'oscar-ortiz')})")
    elif not row.iri.startswith(entity_base):
        faults.append(f"{row.iri!r} is not one of our entity IRIs (they begin with {entity_base})")
    else:
        kind = row.iri[len(entity_base):].split("/", 1)[0]
        if "#" in row.iri or kind not in LINKABLE_KINDS:
            faults.append(f"{row.iri} is a {kind or 'fragment'}, which Wikidata does not hold items for "
                          f"(link a {', '.join(sorted(LINKABLE_KINDS))})")
        elif not entity_exists(store, row.iri):
            faults.append(f"{row.iri} is not in the store (check the spelling with /search or "
                          "/reconcile/suggest/entity)")
    if not row.reviewer:
        faults.append("the reviewer cell is empty (name the person who checked the match)")
    return faults


def entity_exists(store: ox.Store, iri: str) -> bool:
    """Whether the sources describe the entity (the links graph alone does not make it exist)."""
    subject = ox.NamedNode(iri)
    return any(q.graph_name != WIKIDATA_GRAPH for q in store.quads_for_pattern(subject, None, None, None))


def current_links(store: ox.Store) -> dict[str, str]:
    """Our IRI → QID for every link in the Wikidata graph."""
    out = {}
    for q in store.quads_for_pattern(None, SKOS_EXACT_MATCH, None, WIKIDATA_GRAPH):
        target, subject = q.object, q.subject
        if isinstance(target, ox.NamedNode) and isinstance(subject, ox.NamedNode) \
                and target.value.startswith(iris.WIKIDATA_ENTITY):
            out[subject.value] = target.value[len(iris.WIKIDATA_ENTITY):]
    return out


def print_plan(plan: LinkPlan, out: TextIO | None = None) -> None:
    out = out or sys.stderr
    for warning in plan.warnings:
        print(f"warning: {warning}", file=out)
    for row in plan.linked:
        print(f"linked {row.iri} -> {row.qid} (reviewed by {row.reviewer})", file=out)
    for row in plan.unchanged:
        print(f"already linked: {row.iri} -> {row.qid} (line {row.line}, left as it is)", file=out)
    print(f"{len(plan.linked)} link(s) added, {len(plan.unchanged)} already in place", file=out)
    if plan.recorded_in is not None:
        print(f"recorded in {plan.recorded_in}: `kg build` keeps these links (commit the file)", file=out)
