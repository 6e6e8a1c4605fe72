"""Reviewed Wikidata links: `kg link` adds them, `kg export-links` hands them back to Wikidata.

The workflow: a researcher reconciles our entities against Wikidata (OpenRefine, with our
`/reconcile` service on one side and Wikidata's on the other), a person checks each candidate
and writes a CSV of what they accept (``iri,qid,reviewer,note``). `kg link` checks every row
first (QID syntax, our IRI is an entity of the store and of a kind Wikidata can hold, a reviewer
is named, no IRI or QID twice, nothing contradicting an existing link) and reports every faulty
line with its fix; only a file without faults is written, in one SHACL-gated transaction, so a
file is applied whole or not at all.

What one accepted row writes, all in the graph ``…/graph/wikidata``:
- ``<entity> skos:exactMatch wd:Q…`` (skos:exactMatch, not owl:sameAs: sameAs would merge the
  two identities under OWL reasoning and make every Wikidata claim one of ours; exactMatch says
  the two describe the same thing and stops there);
- the ``tg:linkStatus tg:notLinked`` mark is removed;
- a review record ``<entity#wikidata-review>`` (a hash IRI, so no blank nodes): a
  ``prov:Activity`` that ``prov:used`` the entity and the item, with ``dct:creator`` (reviewer),
  ``dct:date`` (day of the review) and ``rdfs:comment`` (the note).

Once the store holds them, the accepted rows are also recorded (``iri,qid,reviewer,date,note``) in
``sources/reviewed-links.csv`` (or ``--reviewed-links``), which ``kg build`` reads (kg/build/links.py)
to write the same quads again: a reviewed link survives every rebuild.
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import json
import sys
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

import pyoxigraph as ox

from kg import iris
from kg.build import links
from kg.errors import BadRequest
from kg.journal import Journal

SKOS_EXACT_MATCH = ox.NamedNode(iris.PREFIXES["skos"] + "exactMatch")
LINK_STATUS = ox.NamedNode(iris.TG + "linkStatus")
NOT_LINKED = ox.NamedNode(iris.TG + "notLinked")
RDF_TYPE = ox.NamedNode(iris.PREFIXES["rdf"] + "type")
RDFS_LABEL = ox.NamedNode(iris.PREFIXES["rdfs"] + "label")
RDFS_COMMENT = ox.NamedNode(iris.PREFIXES["rdfs"] + "comment")
PROV_ACTIVITY = ox.NamedNode(iris.PREFIXES["prov"] + "Activity")
PROV_USED = ox.NamedNode(iris.PREFIXES["prov"] + "used")
DCT_CREATOR = ox.NamedNode(iris.PREFIXES["dct"] + "creator")
DCT_DATE = ox.NamedNode(iris.PREFIXES["dct"] + "date")
XSD_DATE = ox.NamedNode(iris.PREFIXES["xsd"] + "date")
WIKIDATA_GRAPH = ox.NamedNode(iris.GRAPH_WIKIDATA)
REVIEW_FRAGMENT = links.REVIEW_FRAGMENT
REVIEWED_LINKS_FILE = links.REVIEWED_LINKS_FILE
"""Where `kg link` records accepted rows unless told otherwise (read at call time, so tests can move it)."""

CANDIDATE_COLUMNS = ("iri", "qid", "reviewer", "note")
LINKABLE_KINDS = frozenset({"person", "organization", "place", "post", "event"})
"""Kinds Wikidata may hold an item for (as in kg/build/links.py): quotes, stances... are our own analysis."""

DESCRIBED_AT_URL = "P973"
"""Wikidata's "described at URL" (datatype URL): the item is described at this address. We have
no Wikidata property of our own, so this is how an item can point back at our entity page."""


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


# -- reading and checking ---------------------------------------------------------------

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


# -- the change ------------------------------------------------------------------------------

def review_iri(entity: str) -> str:
    return links.review_iri(entity)


def plan_quads(plan: LinkPlan, store: ox.Store, *, reviewed_on: date) -> LinkPlan:
    """Fill `plan.add` and `plan.remove` for its accepted rows."""
    for row in plan.linked:
        entity = ox.NamedNode(row.iri)
        # wherever the mark is: an entity added through the API carries it in its own graph
        plan.remove.extend(store.quads_for_pattern(entity, LINK_STATUS, NOT_LINKED, None))
        plan.add.extend(links.review_quads(row.iri, row.qid, reviewer=row.reviewer,
                                           reviewed_on=reviewed_on.isoformat(), note=row.note))
    return plan


def recorded_rows(plan: LinkPlan, existing: Sequence[links.ReviewedLink], *,
                  reviewed_on: date) -> list[links.ReviewedLink]:
    """The reviewed-links file after `plan`: its accepted rows replace any row of the same IRI or QID
    (the store has just accepted them, so such a row no longer holds)."""
    new = [links.ReviewedLink(r.iri, r.qid, r.reviewer, reviewed_on.isoformat(), r.note) for r in plan.linked]
    iris_, qids = {r.iri for r in new}, {r.qid for r in new}
    kept = [r for r in existing if r.iri not in iris_ and r.qid not in qids]
    return [*kept, *new]


def link(candidates: Path, store_path: Path, *, reviewed_on: date | None = None,
         wikidata_api: str | None = None, reviewed_links: Path | None = None,
         journal: Journal | None = None, who: str | None = None, request_id: str | None = None) -> LinkPlan:
    """Check a candidates file against the store and apply it whole through the SHACL gate.

    With `wikidata_api` (Wikidata's action API, or a stand-in), every QID is also looked up
    there first: a missing or redirected item is a fault, a label unlike ours a warning.

    The write goes into the store's journal (`journal`, default the store's own: STORE.journal
    or KG_JOURNAL) like every other write, so `kg build` replays it; the store is first brought
    up to that journal. Once the store write has succeeded, every accepted row is also recorded
    in `reviewed_links` (``iri,qid,reviewer,date,note``; default ``sources/reviewed-links.csv``),
    which `kg build` reads, so that the link and its review record are part of the sources (and
    the journal's entry is then skipped as already there). The file is read (and must be well
    formed) before anything is written. `who` defaults to the reviewers named in the file.

    Raises LinkFileError (nothing written) for any faulty row, ValidationFailed (nothing written)
    when the shapes refuse the result, StoreUnavailable when a server holds the store (stop it,
    or link while it is down: the store has one writer), BuildError (nothing written) when the
    reviewed-links file is malformed.
    """
    from kg import gate
    from kg.journal import recover
    from kg.store import open_store, store_version

    record = Path(reviewed_links) if reviewed_links is not None else REVIEWED_LINKS_FILE
    rows = read_candidates(candidates)
    existing = links.read_reviewed_links(record) if record.exists() else []
    day = reviewed_on or datetime.now(UTC).date()
    journal = journal or Journal.for_store(store_path)
    recover(Path(store_path), journal)
    store = open_store(store_path)
    try:
        warnings: list[str] = []
        if wikidata_api:
            problems, warnings = check_on_wikidata(rows, store, wikidata_api, name=str(candidates))
            if problems:
                raise LinkFileError(problems)
        writer = gate.MemoryWriter(store, journal=journal, version=store_version(store_path))
        plans: list[LinkPlan] = []

        def compute(store: ox.Store) -> gate.VirtualDataset:
            # Checked under the gate's write lock: what was checked is what gets written.
            plan = plan_quads(check_candidates(rows, store, name=str(candidates)), store, reviewed_on=day)
            plans.append(plan)
            delta = gate.VirtualDataset(store)
            delta.apply(plan.remove, plan.add)
            return delta

        reviewers = ", ".join(sorted({row.reviewer for row in rows if row.reviewer}))
        # The gate journals the write, commits it and moves the store's version stamp with it
        # (ETags and the search index must see the change).
        gate.gated_write(writer, compute, who=who or reviewers or None, request_id=request_id)
        plan = plans[-1]
        plan.warnings = warnings
        if plan.linked:
            # Only now that the store holds the links: a refused file records nothing.
            links.write_reviewed_links(recorded_rows(plan, existing, reviewed_on=day), record)
            plan.recorded_in = record
        return plan
    except BaseException as exc:
        # The frames of a refused write hold the read-write store; a RocksDB handle kept alive
        # by a traceback would sit beside the next reader's read-only one.
        traceback.clear_frames(exc.__traceback__)
        raise
    finally:
        store = writer = None  # type: ignore[assignment]
        gc.collect()


# -- looking QIDs up on Wikidata (optional; tested against a local stand-in) ------------------

WIKIDATA_API = "https://www.wikidata.org/w/api.php"
USER_AGENT = "Tregua-kg-link/0.1 (https://w3id.org/tregua/; reviewed Wikidata links)"
LABEL_WARNING_BELOW = 60.0


@dataclass(frozen=True)
class WikidataItem:
    """What `wbgetentities` says of one requested QID."""

    qid: str
    exists: bool
    redirect_to: str | None
    labels: dict[str, str]


def fetch_items(qids: Sequence[str], api_url: str, *, timeout: float = 20.0) -> dict[str, WikidataItem]:
    """Look QIDs up with the action API's `wbgetentities` (labels in English and Spanish), 50 a call.

    Raises KgError when the service cannot be reached or answers with an error.
    """
    from urllib.error import URLError
    from urllib.parse import urlencode
    from urllib.request import Request, urlopen

    from kg.errors import KgError

    if not api_url.startswith(("http://", "https://")):
        raise BadRequest(f"{api_url!r} is not an http(s) address", hint=f"e.g. {WIKIDATA_API}")
    found: dict[str, WikidataItem] = {}
    unique = sorted(set(qids))
    for start in range(0, len(unique), 50):
        chunk = unique[start:start + 50]
        query = urlencode({"action": "wbgetentities", "ids": "|".join(chunk), "props": "labels",
                           "languages": "en|es", "format": "json"})
        request = Request(f"{api_url}?{query}", headers={"User-Agent": USER_AGENT})
        try:
            with urlopen(request, timeout=timeout) as response:
                data = json.load(response)
        except (URLError, OSError, ValueError) as exc:
            raise KgError(f"cannot look the QIDs up at {api_url}: {exc}",
                          hint="check the network, or run `kg link` without --check-wikidata") from exc
        if "error" in data:
            error = data["error"]
            raise KgError(f"{api_url} refused the lookup: {error.get('info', error)}")
        entities = data.get("entities", {})
        for qid in chunk:
            entity: dict[str, Any] = entities.get(qid) or next(
                (e for e in entities.values() if e.get("redirects", {}).get("from") == qid), {})
            redirect = entity.get("redirects", {}).get("to") or (
                entity.get("id") if entity.get("id") not in (None, qid) else None)
            labels = {lang: v.get("value", "") for lang, v in entity.get("labels", {}).items()}
            found[qid] = WikidataItem(qid, bool(entity) and "missing" not in entity, redirect, labels)
    return found


def check_on_wikidata(rows: Sequence[Candidate], store: ox.Store, api_url: str, *,
                      name: str = "<candidates>") -> tuple[list[str], list[str]]:
    """Faults (missing or redirected items) and warnings (labels unlike ours) for the rows' QIDs."""
    from kg.linking.search import name_score, tokens

    items = fetch_items([r.qid for r in rows if iris.QID_RE.match(r.qid)], api_url)
    problems: list[str] = []
    warnings: list[str] = []
    for row in rows:
        item = items.get(row.qid)
        where = f"{name}:{row.line}"
        if item is None:
            continue
        if item.redirect_to:
            problems.append(f"{where}: {row.qid} redirects to {item.redirect_to} on Wikidata "
                            f"(link {item.redirect_to}, the item it was merged into)")
        elif not item.exists:
            problems.append(f"{where}: {row.qid} does not exist on Wikidata (deleted or mistyped: "
                            "open its page to check)")
        else:
            labels = store.quads_for_pattern(ox.NamedNode(row.iri), RDFS_LABEL, None, None)
            ours = [q.object.value for q in labels if isinstance(q.object, ox.Literal)]
            theirs = list(item.labels.values())
            best = max((name_score(tokens(a), tokens(b)) for a in ours for b in theirs), default=0.0)
            if ours and theirs and best < LABEL_WARNING_BELOW:
                warnings.append(f"{where}: our label {ours[0]!r} and Wikidata's {theirs[0]!r} for {row.qid} "
                                "look different: make sure they are the same thing")
    return problems, warnings


# -- export ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExportedLink:
    iri: str
    qid: str
    label: str
    reviewer: str
    reviewed_on: str
    note: str


_EXPORT_QUERY = iris.sparql_prologue() + f"""
SELECT ?e ?item ?label ?reviewer ?day ?note WHERE {{
  GRAPH <{iris.GRAPH_WIKIDATA}> {{ ?e skos:exactMatch ?item }}
  OPTIONAL {{ ?e rdfs:label ?label . FILTER(LANGMATCHES(LANG(?label), "en") || LANG(?label) = "") }}
  OPTIONAL {{ ?review prov:used ?e, ?item ; dct:creator ?reviewer ; dct:date ?day .
             OPTIONAL {{ ?review rdfs:comment ?note }} }}
}} ORDER BY ?e"""


def exported_links(store: ox.Store) -> list[ExportedLink]:
    """Every link of the Wikidata graph, with its review when `kg link` recorded one."""
    result = store.query(_EXPORT_QUERY, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    out: dict[str, ExportedLink] = {}
    for s in result:
        item = s["item"].value
        qid = item[len(iris.WIKIDATA_ENTITY):] if item.startswith(iris.WIKIDATA_ENTITY) else ""
        if not iris.QID_RE.match(qid):
            continue
        e = s["e"].value

        def text(var: str, solution: ox.QuerySolution = s) -> str:
            term = solution[var]
            return term.value if term is not None else ""

        out.setdefault(e, ExportedLink(e, qid, text("label"), text("reviewer"), text("day"), text("note")))
    return list(out.values())


def page_url(iri: str, url_base: str | None) -> str:
    """Where people can read about the entity: its IRI, or the same path on the server given."""
    if not url_base:
        return iri
    return url_base.rstrip("/") + "/" + iri[len(iris.BASE):]


def write_quickstatements(links: Iterable[ExportedLink], out: TextIO, *, url_base: str | None = None) -> int:
    """QuickStatements v1: ``Q…<TAB>P973<TAB>"<our page>"`` per link: the item is described there."""
    n = 0
    for link_ in links:
        url = page_url(link_.iri, url_base).replace('"', "%22")
        out.write(f'{link_.qid}\t{DESCRIBED_AT_URL}\t"{url}"\n')
        n += 1
    return n


def write_csv(links: Iterable[ExportedLink], out: TextIO, *, url_base: str | None = None) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("qid", "iri", "url", "label", "reviewer", "reviewed_on", "note"))
    n = 0
    for link_ in links:
        writer.writerow((link_.qid, link_.iri, page_url(link_.iri, url_base), link_.label, link_.reviewer,
                         link_.reviewed_on, link_.note))
        n += 1
    return n


EXPORT_FORMATS = {"quickstatements": write_quickstatements, "csv": write_csv}


def export_links(store: ox.Store, fmt: str, out: TextIO, *, url_base: str | None = None) -> int:
    if fmt not in EXPORT_FORMATS:
        raise BadRequest(f"unknown format {fmt!r}", hint="use quickstatements or csv")
    return EXPORT_FORMATS[fmt](exported_links(store), out, url_base=url_base)


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


# -- the commands (registered in kg/cli.py) ---------------------------------------------------

LINK_HELP = "add reviewed Wikidata links (CSV: iri,qid,reviewer,note) through the SHACL gate"
EXPORT_HELP = "write the Wikidata links for contributing them back (QuickStatements v1 or CSV)"

def configure_link(p: argparse.ArgumentParser) -> None:
    p.add_argument("candidates", type=Path, help="reviewed CSV with columns iri,qid,reviewer,note")
    p.add_argument("--store", type=Path, default=None,
                   help="Oxigraph store directory (default: $KG_STORE or ./data/store)")
    p.add_argument("--date", type=date.fromisoformat, default=None,
                   help="day of the review, YYYY-MM-DD (default: today, UTC)")
    p.add_argument("--check-wikidata", nargs="?", const=WIKIDATA_API, default=None, metavar="API_URL",
                   help="also look every QID up on Wikidata (needs the network; default API "
                        f"{WIKIDATA_API}): refuse missing or redirected items, warn on unlike labels")
    p.add_argument("--reviewed-links", type=Path, default=None, metavar="CSV",
                   help="file where accepted rows are recorded for `kg build` (iri,qid,reviewer,date,note; "
                        "default: sources/reviewed-links.csv)")


def run_link(args: argparse.Namespace) -> int:
    from kg.cli import store_path

    plan = link(args.candidates, store_path(args), reviewed_on=args.date, wikidata_api=args.check_wikidata,
                reviewed_links=args.reviewed_links)
    print_plan(plan)
    return 0


def configure_export_links(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", type=Path, default=None,
                   help="Oxigraph store directory (default: $KG_STORE or ./data/store)")
    p.add_argument("--format", choices=sorted(EXPORT_FORMATS), default="csv",
                   help="quickstatements (v1 commands: Q… P973 \"our page\") or csv (default)")
    p.add_argument("--output", "-o", type=Path, default=None, help="file to write (default: standard output)")
    p.add_argument("--url-base", default=None,
                   help="public address of this server (e.g. https://tregua.example.org); pages are "
                        "exported as URL-BASE/id/... instead of the entity IRIs")


def run_export_links(args: argparse.Namespace) -> int:
    from kg.cli import store_path
    from kg.store import open_store

    store = open_store(store_path(args), read_only=True)
    if args.output is None:
        n = export_links(store, args.format, sys.stdout, url_base=args.url_base)
    else:
        partial = args.output.with_name(args.output.name + ".part")
        try:
            with partial.open("w", encoding="utf-8", newline="") as out:
                n = export_links(store, args.format, out, url_base=args.url_base)
            partial.replace(args.output)
        finally:
            partial.unlink(missing_ok=True)
    print(f"exported {n} link(s)" + (f" to {args.output}" if args.output else ""), file=sys.stderr)
    return 0
