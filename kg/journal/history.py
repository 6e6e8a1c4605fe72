"""Reading the journal for people: history, revert and export (`kg history`, `GET /history`,
`kg revert ID`, `kg journal export --graph IRI`).

- `summary(entry)`: one entry as plain data (id, time, who, request id, versions and, per graph,
  how many quads were added and removed), the shape the CLI's JSON and `GET /history` share.
- `page(journal, ...)`: the filtered entries, newest first, one page at a time.
- `revert(store_path, entry_id)`: undoes an entry as a NEW write through the gate, journaled like
  any other. It first checks that the store still holds what the entry added and still lacks
  what it removed; when a later write changed the same quads it refuses and names them
  (`RevertConflict`), since undoing blindly would also undo that later write. The built graphs'
  policy applies (a `kg link` entry is undone with `kg link`, not here).
- `net_effect(journal, graph)` / `export_trig(...)`: what all the journal's edits to one graph
  add up to (a quad added then removed cancels out), as a TriG file to review and commit as a
  source. Once `sources/SLUG.trig` holds those quads, `kg build`'s replay finds the entries'
  additions already present and counts them as skipped.

>>> import pyoxigraph as ox
>>> g = ox.NamedNode("https://w3id.org/tregua/graph/source/notes")
>>> q = ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("o"), g)
>>> entry = Entry.new(removed=[], added=[q], who="alice", request_id="r1")
>>> s = summary(entry)
>>> (s["who"], s["request_id"], s["graphs"], s["subjects"])
('alice', 'r1', [{'graph': 'https://w3id.org/tregua/graph/source/notes', 'added': 1, 'removed': 0}], ['http://e/s'])
"""

from __future__ import annotations

import gc
import re
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg import iris
from kg.errors import BadRequest
from kg.journal.entry import Entry
from kg.journal.log import Journal


def _graph_key(graph: Any) -> str:
    return graph.value if isinstance(graph, ox.NamedNode) else ""


def summary(entry: Entry) -> dict[str, Any]:
    """An entry as plain data: what `kg history --format json` prints and `GET /history` sends."""
    counts: dict[str, list[int]] = {}
    for quads, column in ((entry.added, 0), (entry.removed, 1)):
        for quad in quads:
            counts.setdefault(_graph_key(quad.graph_name), [0, 0])[column] += 1
    for graph in (*entry.created_graphs, *entry.dropped_graphs):
        counts.setdefault(graph, [0, 0])
    return {
        "id": entry.id,
        "position": entry.position,
        "time": entry.time.isoformat().replace("+00:00", "Z"),
        "who": entry.who,
        "request_id": entry.request_id,
        "version_before": entry.version_before,
        "version_after": entry.version_after,
        "reverts": entry.extra.get("reverts", []),
        "created_graphs": entry.created_graphs,
        "dropped_graphs": entry.dropped_graphs,
        "graphs": [{"graph": g, "added": a, "removed": r} for g, (a, r) in sorted(counts.items())],
        "subjects": subjects(entry),
    }


def subjects(entry: Entry, limit: int = 20) -> list[str]:
    """The IRIs the entry's data quads are about (their subjects), sorted, at most `limit`."""
    removed, added = entry.data_delta()
    found = sorted({q.subject.value for q in (*removed, *added) if isinstance(q.subject, ox.NamedNode)})
    return found[:limit]


def parse_since(text: str | None) -> date | datetime | str | None:
    """`--since` / `?since=`: an ISO date or date-time (entries at or after it), or an entry id
    (the entries after it). Raises BadRequest for anything else.

    >>> parse_since("2026-12-01"), parse_since("2026-12-01T10:00:00Z").hour
    (datetime.date(2026, 12, 1), 10)
    """
    if text is None or not text.strip():
        return None
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    if len(text) >= 8 and all(c in "0123456789abcdef-" for c in text.removeprefix("uuid:")):
        return text
    raise BadRequest(f"since={text!r} is neither a date, a date-time nor an entry id",
                     hint="give an ISO date such as 2026-12-01, a date-time such as 2026-12-01T10:00:00Z, "
                          "or the id of an entry (the entries after it are listed)")


@dataclass
class Page:
    """One page of history, newest first; `total` counts every entry the filters keep."""

    entries: list[Entry]
    total: int
    offset: int
    limit: int

    def as_dict(self) -> dict[str, Any]:
        return {"total": self.total, "offset": self.offset, "limit": self.limit,
                "entries": [summary(e) for e in self.entries]}


def page(journal: Journal, *, since: str | None = None, graph: str | None = None, who: str | None = None,
         offset: int = 0, limit: int | None = None) -> Page:
    """The entries the filters keep, newest first, `offset` and `limit` applied."""
    try:
        found = list(journal.entries(since=parse_since(since), graph=graph, who=who))
    except LookupError as exc:
        from kg.errors import NotFound

        raise NotFound(f"{exc}; list the ids with `kg history`") from None
    found.reverse()
    chosen = found[offset:offset + limit] if limit is not None else found[offset:]
    return Page(chosen, len(found), offset, limit if limit is not None else len(found))


# -- revert ---------------------------------------------------------------------------------------


class RevertConflict(BadRequest):
    """The store no longer holds what the entry wrote: a later write changed the same quads."""

    def __init__(self, entry: Entry, missing: list[ox.Quad], present: list[ox.Quad]) -> None:
        parts = []
        if missing:
            parts.append(f"{len(missing)} quad(s) the entry added are no longer in the store")
        if present:
            parts.append(f"{len(present)} quad(s) the entry removed are back in the store")
        lines = [f"no longer added: {q}" for q in missing] + [f"back again: {q}" for q in present]
        super().__init__(f"cannot revert entry {entry.id}: {' and '.join(parts)}; first: {lines[0]}",
                         hint="a later write changed the same quads: revert that one first (see `kg history "
                              "--graph IRI`), or write the correction you want as a new update")
        self.details = lines
        self.missing = missing
        self.present = present


def revert_conflicts(store: ox.Store, entry: Entry) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """(added quads the store lacks, removed quads the store holds again), data graphs only."""
    removed, added = entry.data_delta()
    return [q for q in added if q not in store], [q for q in removed if q in store]


def revert(store_path: Path, entry_id: str, *, journal: Journal | None = None, who: str | None = None,
           request_id: str | None = None) -> tuple[Entry, Any]:
    """Undo journal entry `entry_id` (an id or its first characters) with a new gated, journaled
    write; returns (the entry undone, the gate's report). Raises RevertConflict (nothing written)
    when the store no longer matches the entry, Forbidden for an entry that changed a built
    graph, ValidationFailed when the store without the entry breaks a shape."""
    from kg import gate
    from kg.journal import recover
    from kg.store import open_store, store_version

    journal = journal or Journal.for_store(store_path)
    target = journal.get(entry_id)
    inverse = target.inverse(who=who, request_id=request_id)
    removed, added = inverse.data_delta()
    if not (removed or added or inverse.created_graphs or inverse.dropped_graphs):
        raise BadRequest(f"entry {target.id} changed no data (only inferred triples): there is nothing to revert")
    recover(Path(store_path), journal)
    # Optional, so that `finally` can drop them: no reference may keep the read-write handle alive.
    store: ox.Store | None
    store = open_store(store_path)
    writer: gate.MemoryWriter | None = None
    try:
        writer = gate.MemoryWriter(store, journal=journal, version=store_version(store_path))

        def compute(store: ox.Store) -> gate.VirtualDataset:
            # checked under the gate's write lock: what was checked is what gets undone
            missing, present = revert_conflicts(store, target)
            if missing or present:
                raise RevertConflict(target, missing, present)
            vd = gate.VirtualDataset(store)
            vd.apply(removed, added)
            for graph in inverse.dropped_graphs:
                # the entry created this graph: drop it again only if nothing else lives there now
                node = ox.NamedNode(graph)
                if vd.graph_exists(node) and next(iter(vd.pattern(g=node)), None) is None:
                    vd.drop_graph(node)
            for graph in inverse.created_graphs:
                vd.create_graph(ox.NamedNode(graph))
            gate.DEFAULT_POLICY.check_delta(vd.removed, vd.added, vd.created, vd.dropped)
            return vd

        report = gate.gated_write(writer, compute, who=who, request_id=request_id, extra=inverse.extra)
        return target, report
    except BaseException as exc:
        traceback.clear_frames(exc.__traceback__)  # no frame may keep the read-write handle alive
        raise
    finally:
        store = writer = None
        gc.collect()


# -- export ---------------------------------------------------------------------------------------


def net_effect(entries: Iterable[Entry], graph: str) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """(quads the edits added to `graph`, quads they removed from it), net over all entries in
    order: a quad added and later removed (or the reverse) cancels out.

    >>> g = ox.NamedNode("https://w3id.org/tregua/graph/source/notes")
    >>> a = ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), ox.Literal("1"), g)
    >>> b = ox.Quad(ox.NamedNode("http://e/b"), ox.NamedNode("http://e/p"), ox.Literal("2"), g)
    >>> edits = [Entry.new(removed=[], added=[a, b]), Entry.new(removed=[b], added=[])]
    >>> net_effect(edits, g.value) == ([a], [])
    True
    """
    state: dict[ox.Quad, bool] = {}  # quad -> True: net added, False: net removed
    for entry in entries:
        removed, added = entry.data_delta()
        for quads, adding in ((removed, False), (added, True)):
            for quad in quads:
                if _graph_key(quad.graph_name) == graph:
                    if state.get(quad) is (not adding):  # undoes an earlier net change
                        del state[quad]
                    else:
                        state[quad] = adding
    added_net = sorted((q for q, v in state.items() if v), key=str)
    removed_net = sorted((q for q, v in state.items() if not v), key=str)
    return added_net, removed_net


def export_trig(journal: Journal, graph: str) -> tuple[bytes, int, int]:
    """The TriG text of the net additions to `graph` (removals listed as comments, for a person
    to apply to the source file by hand), with the counts (added, removed)."""
    added, removed = net_effect(journal.entries(graph=graph), graph)
    lines = [f"# The net effect of the journal's edits to <{graph}>,",
             f"# from {journal.path}: {len(added)} quad(s) added, {len(removed)} removed.",
             "# Review it, then commit it as sources/SLUG.trig for the graph .../graph/source/SLUG;",
             "# `kg build` then finds these quads in the sources and skips the journal's entries."]
    if removed:
        lines.append("# The edits also REMOVED these quads; delete them from the source file by hand:")
        lines += [f"#   {q}" for q in removed]
    body = ox.serialize(added, format=ox.RdfFormat.TRIG, prefixes=plain_prefixes(added)) if added else b""
    return ("\n".join(lines) + "\n\n").encode() + (body or b""), len(added), len(removed)


_PLAIN_LOCAL = re.compile(r"(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?)?")


def plain_prefixes(quads: Iterable[ox.Quad]) -> dict[str, str]:
    """The prefixes of `kg/iris.py` under which every IRI of `quads` has a plain local part.

    pyoxigraph's TriG writer uses any prefix that matches and escapes what a local part cannot
    hold (`id:person\\/oscar-ortiz`): valid, but odd in a file meant for review. A prefix is kept
    only if no IRI it would shorten needs an escape, so those IRIs are written in full instead.

    >>> q = ox.Quad(ox.NamedNode(iris.entity_iri("person", "oscar-ortiz")),
    ...             ox.NamedNode(iris.TG + "role"), ox.NamedNode(iris.TG + "Minister"))
    >>> sorted(plain_prefixes([q]))
    ['dct', 'foaf', 'oa', 'org', 'owl', 'prov', 'rdf', 'rdfs', 'schema', 'sh', 'skos', 'tg', 'time', 'wd', 'xsd']
    """
    names = {t.value for q in quads for t in (q.subject, q.predicate, q.object, q.graph_name)
             if isinstance(t, ox.NamedNode)}
    return {prefix: ns for prefix, ns in iris.PREFIXES.items()
            if all(_PLAIN_LOCAL.fullmatch(n[len(ns):]) for n in names if n.startswith(ns))}


def source_file_name(graph: str) -> str | None:
    """`SLUG.trig` for a source graph `.../graph/source/SLUG` (what `kg build` reads), else None.

    >>> source_file_name("https://w3id.org/tregua/graph/source/desk-notes"), source_file_name("http://x/g")
    ('desk-notes.trig', None)
    """
    slug = graph.removeprefix(iris.GRAPH_SOURCE_PREFIX)
    return f"{slug}.trig" if graph.startswith(iris.GRAPH_SOURCE_PREFIX) and iris.SLUG_RE.match(slug) else None
