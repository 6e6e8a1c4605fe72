"""The Wikidata links graph, generated at build time and never edited by hand.

Three files decide it: ``reference/wikidata.tsv`` in the shared folder (the only QIDs checked
against Wikidata-derived data) and ``sources/wikidata-links.csv`` (which of those rows is
which of our entities, as reviewed by a person): a link from them is asserted only when both
agree, so a QID written from memory cannot reach the graph; and ``sources/reviewed-links.csv``
(``iri,qid,reviewer,date,note``), where ``kg link`` records every link a reviewer accepted, so that
a rebuild keeps it, with the same review record (``review_quads``) that ``kg link`` wrote. A bad
row in either file stops the build and names the line. Every other linkable entity is marked
``tg:notLinked`` so that the linking workflow (reconciliation, ``kg link``) knows what is left to do.

>>> from kg import paths
>>> quads = links_quads(paths.DEFAULT_SHARED_DIR, {entity_iri("place", "el-salvador"),
...                     entity_iri("person", "tim-muth")},
...                     require_all_rows=False)
>>> sorted(f"{q.subject.value.rsplit('/', 1)[1]} {q.object}" for q in quads)
['el-salvador <http://www.wikidata.org/entity/Q792>', 'tim-muth <https://w3id.org/tregua/ontology#notLinked>']
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyoxigraph as ox

from kg import paths
from kg.errors import BuildError, SourceLocation
from kg.iris import BASE, GRAPH_WIKIDATA, QID_RE, entity_iri, wikidata_iri
from kg.vocab import (
    DCT_CREATOR,
    DCT_DATE,
    LINK_STATUS,
    NOT_LINKED,
    PROV_ACTIVITY,
    PROV_USED,
    RDF_TYPE,
    RDFS_COMMENT,
    RDFS_LABEL,
    SKOS_EXACT_MATCH,
    XSD_DATE,
)

WIKIDATA_GRAPH = ox.NamedNode(GRAPH_WIKIDATA)

LINKS_FILE = paths.SOURCES_DIR / "wikidata-links.csv"
LINK_TABLE_COLUMNS = ("label", "qid", "iri")
REVIEWED_LINKS_FILE = paths.SOURCES_DIR / "reviewed-links.csv"
REVIEWED_COLUMNS = ("iri", "qid", "reviewer", "date", "note")

REVIEW_FRAGMENT = "#wikidata-review"
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


@dataclass(frozen=True)
class ReviewedLink:
    """One link a reviewer accepted with ``kg link``, as recorded in ``reviewed-links.csv``."""

    iri: str
    qid: str
    reviewer: str
    date: str
    note: str
    line: int = 0


def review_iri(entity: str) -> str:
    """The review record of an entity's link: a hash IRI, so that no blank node is needed."""
    return entity + REVIEW_FRAGMENT


def review_quads(iri: str, qid: str, *, reviewer: str, reviewed_on: str, note: str = "") -> list[ox.Quad]:
    """The link and its review record, in ``graph/wikidata``: what `kg link` writes for one row and
    what the build writes for one row of ``reviewed-links.csv`` (one function, so they cannot differ).
    """
    entity = ox.NamedNode(iri)
    item = ox.NamedNode(wikidata_iri(qid))
    review = ox.NamedNode(review_iri(iri))
    triples: list[tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal]] = [
        (entity, SKOS_EXACT_MATCH, item),
        (review, RDF_TYPE, PROV_ACTIVITY),
        (review, RDFS_LABEL, ox.Literal(f"Review of the Wikidata link {qid}", language="en")),
        (review, PROV_USED, entity),
        (review, PROV_USED, item),
        (review, DCT_CREATOR, ox.Literal(reviewer)),
        (review, DCT_DATE, ox.Literal(reviewed_on, datatype=XSD_DATE)),
    ]
    if note:
        triples.append((review, RDFS_COMMENT, ox.Literal(note)))
    return [ox.Quad(s, p, o, WIKIDATA_GRAPH) for s, p, o in triples]


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


def read_reviewed_links(path: Path = REVIEWED_LINKS_FILE) -> list[ReviewedLink]:
    """The recorded reviews, in file order; raises BuildError naming the line of a malformed row.

    Only the shape of the file is checked here (header, number of cells); `checked_reviewed_links`
    checks what the rows say.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise BuildError(f"{path} is missing", hint="restore the file from version control (its first "
                         f"line is {','.join(REVIEWED_COLUMNS)})") from exc
    except UnicodeDecodeError as exc:
        raise BuildError(f"{path} is not UTF-8 text: {exc}", hint="save the file as UTF-8") from exc
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or tuple(c.strip() for c in header) != REVIEWED_COLUMNS:
        raise BuildError(f"the header should be {','.join(REVIEWED_COLUMNS)!r}",
                         where=SourceLocation(str(path), 1), hint="fix the first line of the file")
    rows: list[ReviewedLink] = []
    line = 1
    for cells in reader:
        first, line = line + 1, reader.line_num  # a quoted note may span lines: name the row's first
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) != len(REVIEWED_COLUMNS):
            raise BuildError(f"expected {len(REVIEWED_COLUMNS)} columns ({', '.join(REVIEWED_COLUMNS)}), "
                             f"found {len(cells)}", where=SourceLocation(str(path), first),
                             hint="quote cells that contain commas")
        iri, qid, reviewer, day, note = (c.strip() for c in cells)
        rows.append(ReviewedLink(iri, qid, reviewer, day, note, first))
    return rows


def write_reviewed_links(rows: Iterable[ReviewedLink], path: Path = REVIEWED_LINKS_FILE) -> None:
    """Write the reviews sorted by IRI (a review changes as few lines as possible), atomically."""
    path = Path(path)
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(REVIEWED_COLUMNS)
            for row in sorted(rows, key=lambda r: r.iri):
                writer.writerow((row.iri, row.qid, row.reviewer, row.date, row.note))
            out.flush()
            os.fsync(out.fileno())
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def checked_reviewed_links(path: Path, entity_iris: Iterable[str], *, mapped: dict[str, str] | None = None,
                           skip_absent: bool = False) -> list[ReviewedLink]:
    """The rows of ``reviewed-links.csv`` that hold, in file order.

    Raises BuildError naming the file's line when a QID is not ``Q`` and digits, an IRI is not one
    of our entities of a linkable kind or no source describes it, the reviewer is missing, the date
    is not ``YYYY-MM-DD``, an IRI or a QID is there twice, or a row contradicts the reference mapping
    `mapped` (IRI → QID; the same pair in both is fine). With `skip_absent`, rows whose entity is
    absent are skipped instead.
    """
    entities = set(entity_iris)
    mapped = mapped or {}
    mapped_qids = {qid: iri for iri, qid in mapped.items()}
    seen_iri: dict[str, int] = {}
    seen_qid: dict[str, int] = {}
    out: list[ReviewedLink] = []
    for row in read_reviewed_links(path):
        where = SourceLocation(str(path), row.line)
        if not QID_RE.match(row.qid):
            tail = row.qid.rstrip("/").rsplit("/", 1)[-1]
            hint = f"write {tail}, not the address" if tail != row.qid and QID_RE.match(tail) \
                else "write Q followed by digits, e.g. Q792"
            raise BuildError(f"{row.qid!r} is not a Wikidata QID", where=where, hint=hint)
        if not is_linkable(row.iri):
            raise BuildError(f"{row.iri!r} is not one of our entities of a kind Wikidata holds items for",
                             where=where, hint=f"give an IRI {BASE}id/{{kind}}/{{slug}} with kind one of "
                             + ", ".join(sorted(LINKABLE_KINDS)))
        if not row.reviewer:
            raise BuildError("the reviewer cell is empty", where=where,
                             hint="name the person who checked the match (as `kg link` requires)")
        try:
            date.fromisoformat(row.date)
            valid_day = len(row.date) == 10
        except ValueError:
            valid_day = False
        if not valid_day:
            raise BuildError(f"{row.date!r} is not a day written YYYY-MM-DD", where=where,
                             hint="write the day of the review, e.g. 2026-11-28")
        if row.iri in seen_iri:
            raise BuildError(f"{row.iri} is reviewed twice (first on line {seen_iri[row.iri]})", where=where,
                             hint="keep one QID per entity: remove the row that no longer holds")
        if row.qid in seen_qid:
            raise BuildError(f"{row.qid} is reviewed twice (first on line {seen_qid[row.qid]})", where=where,
                             hint="keep one entity per QID: remove the row that no longer holds")
        seen_iri[row.iri] = row.line
        seen_qid[row.qid] = row.line
        if mapped.get(row.iri, row.qid) != row.qid:
            raise BuildError(f"{row.iri} is linked to {mapped[row.iri]} by {LINKS_FILE.name}, not {row.qid}",
                             where=where, hint="keep one QID per entity: remove the row that is wrong")
        if mapped_qids.get(row.qid, row.iri) != row.iri:
            raise BuildError(f"{row.qid} is the link of {mapped_qids[row.qid]} in {LINKS_FILE.name}",
                             where=where, hint="keep one entity per QID: remove the row that is wrong")
        if row.iri not in entities:
            if skip_absent:
                continue
            raise BuildError(f"{row.iri} is not an entity of any source in sources/", where=where,
                             hint="fix the IRI (the entity may have been renamed), or remove the row")
        out.append(row)
    return out


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
                f"{row.iri} is not an entity of any source in sources/", where=where,
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
                reviewed_file: Path | None = None, require_all_rows: bool = True) -> list[ox.Quad]:
    """The ``graph/wikidata`` quads: ``skos:exactMatch`` for reviewed links, ``tg:notLinked`` for the rest.

    `entity_iris` are the entities the sources describe; only the linkable kinds among them
    (persons, organizations, places, posts, events) get a link or a not-linked mark. Links come
    from the reference mapping `links_file` and from `reviewed_file` (rows recorded by `kg link`,
    each with its review record, exactly as `kg link` wrote them; None: no such file). With
    `require_all_rows` False, rows whose entity is absent are skipped instead of failing (for
    partial builds and examples). The result is sorted, so that builds are reproducible.
    """
    entities = set(entity_iris)
    links = checked_links(shared_dir, entities, links_file=links_file, skip_absent=not require_all_rows)
    reviewed = {row.iri: row for row in checked_reviewed_links(
        reviewed_file, entities, mapped=links, skip_absent=not require_all_rows)} if reviewed_file else {}
    quads: list[ox.Quad] = []
    for iri in sorted(entities):
        if not is_linkable(iri):
            continue
        subject = ox.NamedNode(iri)
        if iri in reviewed:
            row = reviewed[iri]
            quads.extend(review_quads(iri, row.qid, reviewer=row.reviewer, reviewed_on=row.date, note=row.note))
        elif iri in links:
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
