"""The Wikidata links graph, generated at build time and never edited by hand.

Two files decide it: ``reference/wikidata.tsv`` in the shared folder (the only QIDs anyone
has checked) and ``kg/sources/wikidata-links.csv`` (which of those rows is which of our
entities, as reviewed by a person). A link is asserted only when both agree, so a QID
written from memory cannot reach the graph: the build stops and names the line instead.
Every other linkable entity is marked ``tg:notLinked`` so that the linking workflow
(reconciliation, ``kg link``) knows what is left to do.

>>> from kg import paths
>>> quads = links_quads(paths.DEFAULT_SHARED_DIR, {entity_iri("place", "el-salvador"),
...                     entity_iri("person", "tim-muth")},
...                     require_all_rows=False)
>>> sorted(f"{q.subject.value.rsplit('/', 1)[1]} {q.object}" for q in quads)
['el-salvador <http://www.wikidata.org/entity/Q792>', 'tim-muth <https://w3id.org/tregua/ontology#notLinked>']
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg import paths
from kg.errors import BuildError, SourceLocation
from kg.iris import BASE, GRAPH_WIKIDATA, QID_RE, TG, entity_iri, wikidata_iri

SKOS_EXACT_MATCH = ox.NamedNode("http://www.w3.org/2004/02/skos/core#exactMatch")
LINK_STATUS = ox.NamedNode(TG + "linkStatus")
NOT_LINKED = ox.NamedNode(TG + "notLinked")
WIKIDATA_GRAPH = ox.NamedNode(GRAPH_WIKIDATA)

LINKS_FILE = paths.SOURCES_DIR / "wikidata-links.csv"
LINK_TABLE_COLUMNS = ("label", "qid", "iri")
REFERENCE_COLUMNS = ("label", "qid", "kind", "evidence")

# The kinds of entity that Wikidata could hold an item for. Statements, quotes, stances,
# tenures and the like are this project's own analysis: nothing there to link.
LINKABLE_KINDS = frozenset({"person", "organization", "place", "post", "event"})


@dataclass(frozen=True)
class ReferenceRow:
    """One checked Wikidata item from ``reference/wikidata.tsv``."""

    label: str
    qid: str
    kind: str
    evidence: str
    line: int


@dataclass(frozen=True)
class LinkRow:
    """One reviewed mapping from a reference row to one of our entities."""

    label: str
    qid: str
    iri: str
    line: int


def reference_file(shared_dir: Path) -> Path:
    return Path(shared_dir) / "reference" / "wikidata.tsv"


def read_reference(shared_dir: Path) -> dict[str, ReferenceRow]:
    """The checked QIDs, by QID.

    Raises BuildError (file and line) for a missing file, a wrong header, a short row, a
    malformed or repeated QID: a reference we cannot read exactly is a reference we cannot trust.
    """
    path = reference_file(shared_dir)
    rows = _read_table(path, delimiter="\t", columns=REFERENCE_COLUMNS)
    found: dict[str, ReferenceRow] = {}
    for line, cells in rows:
        row = ReferenceRow(cells["label"], cells["qid"], cells["kind"], cells["evidence"], line)
        where = SourceLocation(str(path), line)
        if not QID_RE.match(row.qid):
            raise BuildError(f"{row.qid!r} is not a Wikidata QID", where=where,
                             hint="write Q followed by digits, e.g. Q792")
        if row.qid in found:
            raise BuildError(f"{row.qid} is listed twice (first on line {found[row.qid].line})", where=where,
                             hint="keep one row per QID")
        found[row.qid] = row
    return found


def read_link_table(path: Path = LINKS_FILE) -> list[LinkRow]:
    """The reviewed mapping, in file order. Raises BuildError naming the line of a malformed row."""
    rows = _read_table(path, delimiter=",", columns=LINK_TABLE_COLUMNS)
    return [LinkRow(cells["label"], cells["qid"], cells["iri"], line) for line, cells in rows]


def write_link_table(rows: Iterable[LinkRow], path: Path = LINKS_FILE) -> None:
    """Write the mapping sorted by IRI, so that a review changes as few lines as possible."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(LINK_TABLE_COLUMNS)
        for row in sorted(rows, key=lambda r: r.iri):
            writer.writerow((row.label, row.qid, row.iri))


def checked_links(shared_dir: Path, entity_iris: Iterable[str], *,
                  links_file: Path | None = LINKS_FILE, skip_absent: bool = False) -> dict[str, str]:
    """Our IRI → QID, for every row of the mapping that the reference and the sources confirm.

    Raises BuildError naming the mapping's line when a row's QID is not in the reference, its
    label differs from the reference's, its IRI is not an entity of the sources, or an IRI or a
    QID is mapped twice. With `skip_absent`, rows whose entity is absent are skipped instead.
    """
    reference = read_reference(shared_dir)
    entities = set(entity_iris)
    links: dict[str, str] = {}
    linked_qids: dict[str, LinkRow] = {}
    rows = read_link_table(links_file) if links_file is not None else []
    for row in rows:
        where = SourceLocation(str(links_file), row.line)
        checked = reference.get(row.qid)
        if checked is None:
            raise BuildError(
                f"{row.qid} ({row.label}) is not in {reference_file(shared_dir)}", where=where,
                hint="only QIDs checked into the reference may be linked: remove the row, or check the QID")
        if checked.label != row.label:
            raise BuildError(
                f"the label {row.label!r} differs from the reference's {checked.label!r} for {row.qid}",
                where=where, hint="copy the label from the reference row, so reviewers see what was matched")
        if row.iri not in entities:
            if skip_absent:
                continue
            raise BuildError(
                f"{row.iri} is not an entity of any source in kg/sources/", where=where,
                hint="map the row to an IRI the sources describe, or remove the row")
        if row.iri in links:
            raise BuildError(f"{row.iri} is mapped twice", where=where, hint="keep one QID per entity")
        if row.qid in linked_qids:
            raise BuildError(f"{row.qid} is mapped twice (first on line {linked_qids[row.qid].line})",
                             where=where, hint="keep one entity per QID")
        links[row.iri] = row.qid
        linked_qids[row.qid] = row
    return links


def is_linkable(iri: str) -> bool:
    """Whether Wikidata could hold an item for this entity, judged by the kind in its IRI."""
    prefix = BASE + "id/"
    if not iri.startswith(prefix) or "#" in iri:
        return False
    kind, _, slug = iri[len(prefix):].partition("/")
    return kind in LINKABLE_KINDS and bool(slug) and entity_iri(kind, slug) == iri


def links_quads(shared_dir: Path, entity_iris: Iterable[str], *, links_file: Path | None = LINKS_FILE,
                require_all_rows: bool = True) -> list[ox.Quad]:
    """The ``graph/wikidata`` quads: ``skos:exactMatch`` for reviewed links, ``tg:notLinked`` for the rest.

    `entity_iris` are the entities the sources describe; only the linkable kinds among them
    (persons, organizations, places, posts, events) get a link or a not-linked mark. With
    `require_all_rows` False, mapping rows whose entity is absent are skipped instead of failing
    (for partial builds and examples). The result is sorted, so that builds are reproducible.
    """
    entities = set(entity_iris)
    links = checked_links(shared_dir, entities, links_file=links_file, skip_absent=not require_all_rows)
    quads: list[ox.Quad] = []
    for iri in sorted(entities):
        if not is_linkable(iri):
            continue
        subject = ox.NamedNode(iri)
        if iri in links:
            target = ox.NamedNode(wikidata_iri(links[iri]))
            quads.append(ox.Quad(subject, SKOS_EXACT_MATCH, target, WIKIDATA_GRAPH))
        else:
            quads.append(ox.Quad(subject, LINK_STATUS, NOT_LINKED, WIKIDATA_GRAPH))
    return quads


def _read_table(path: Path, *, delimiter: str, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV/TSV file with a fixed header, each with its 1-based line number."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise BuildError(f"{path} is missing", hint="restore the file from version control") from exc
    lines = text.splitlines()
    if not lines or tuple(c.strip() for c in lines[0].split(delimiter)) != columns:
        raise BuildError(f"the header should be {delimiter.join(columns)!r}",
                         where=SourceLocation(str(path), 1), hint="fix the first line of the file")
    out: list[tuple[int, dict[str, str]]] = []
    for number, cells in enumerate(csv.reader(lines[1:], delimiter=delimiter), start=2):
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) != len(columns):
            raise BuildError(f"expected {len(columns)} columns ({', '.join(columns)}), found {len(cells)}",
                             where=SourceLocation(str(path), number),
                             hint="quote cells that contain the delimiter")
        out.append((number, {name: cell.strip() for name, cell in zip(columns, cells, strict=True)}))
    return out
