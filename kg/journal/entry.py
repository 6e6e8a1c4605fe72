"""One journal entry: the net change of one committed write, and its RDF Patch text.

Why RDF Patch (as Apache Jena's RDF Delta writes it) rather than N-Quads add/delete sets: it is
the field's format for a log of dataset changes, one self-describing block per transaction with
headers for its identity and its place in the log, and its quad lines are N-Quads terms, so
pyoxigraph parses them (no hand-written term parser). An entry reads:

    H id <uuid:5f0c...> .
    H prev <uuid:1b2e...> .
    H time "2026-12-02T07:00:00.000000Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> .
    H who "desk" .
    H request "8d1c..." .
    H versionBefore "3a9f0c1e2b4d5a6c" .
    H versionAfter "3a9f0c1e2b4d5a6c+5f0c..." .
    TX .
    D <s> <p> "old" <g> .
    A <s> <p> "new" <g> .
    TC .

`id` and `prev` are RDF Delta's log headers; `time`, `who`, `request`, `versionBefore` and
`versionAfter` are ours (`who` and `request` only when known). `graphCreated` / `graphDropped`
headers (repeated, one graph each) carry what quads cannot say: Oxigraph keeps empty named
graphs, so creating or dropping one is a change too. Blank nodes are written with the label the
store holds them under (as RDF Patch asks: "their system identifier"), and the store is written
with the same labels (`apply_to`), so a replayed entry names the same nodes.

>>> s, p, g = ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.NamedNode("http://example.org/g")
>>> e = Entry.new(removed=[], added=[ox.Quad(s, p, ox.Literal("x"), g)], who="desk", version_before="v1")
>>> again = parse_entries(e.patch().splitlines(keepends=True))[0]
>>> (again.id, again.who, again.added == e.added, again.version_after == e.version_after)  # doctest: +ELLIPSIS
('...', 'desk', True, True)
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyoxigraph as ox

from kg import iris

XSD_DATETIME = iris.PREFIXES["xsd"] + "dateTime"
INFERRED = ox.NamedNode(iris.GRAPH_INFERRED)
_HEADER_RE = re.compile(r"^H\s+([A-Za-z][\w-]*)\s+(.*?)\s*\.\s*$")


@dataclass
class Entry:
    """The quads one commit removed and added (net: a quad is in at most one of the two lists),
    with who wrote it, the request, and the store's version before and after.

    `position` is the entry's 1-based place in its journal (0 until appended); `prev` the id of
    the entry before it. `removed`/`added` include the graph/inferred quads the gate derived, so
    that start-up recovery restores exactly what was committed; `data_delta()` leaves them out
    (a build re-derives them)."""

    id: str
    time: datetime
    who: str | None
    request_id: str | None
    version_before: str
    version_after: str
    removed: list[ox.Quad]
    added: list[ox.Quad]
    created_graphs: list[str] = field(default_factory=list)
    dropped_graphs: list[str] = field(default_factory=list)
    prev: str | None = None
    position: int = 0
    extra: dict[str, list[str]] = field(default_factory=dict)
    """Other headers read from the file (e.g. a quarantine's `reason`), by key."""

    @classmethod
    def new(cls, *, removed: Iterable[ox.Quad], added: Iterable[ox.Quad], who: str | None = None,
            request_id: str | None = None, version_before: str = "", created_graphs: Iterable[str] = (),
            dropped_graphs: Iterable[str] = ()) -> Entry:
        """A fresh entry (new id, now); the version after is the version before's build stamp
        plus the entry id, so the store's version names the last entry it holds."""
        entry_id = str(uuid.uuid4())
        base = version_before.split("+")[0] if version_before else "store"
        return cls(entry_id, datetime.now(UTC), who, request_id, version_before, f"{base}+{entry_id[:13]}",
                   sorted(removed, key=str), sorted(added, key=str),
                   sorted(created_graphs), sorted(dropped_graphs))

    def inverse(self, *, who: str | None = None, request_id: str | None = None) -> Entry:
        """The entry that undoes this one (what was added is removed and the reverse), as a new
        entry with its own id: what `kg revert` sends through the gate.

        >>> q = ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("o"))
        >>> e = Entry.new(removed=[], added=[q])
        >>> inv = e.inverse(who="editor")
        >>> (inv.removed == [q], inv.added, inv.id != e.id, inv.extra["reverts"] == [e.id])
        (True, [], True, True)
        """
        fresh = Entry.new(removed=self.added, added=self.removed, who=who, request_id=request_id,
                          created_graphs=self.dropped_graphs, dropped_graphs=self.created_graphs)
        fresh.extra = {"reverts": [self.id]}
        return fresh

    def data_delta(self) -> tuple[list[ox.Quad], list[ox.Quad]]:
        """(removed, added) without the graph/inferred quads: what a write asked for."""
        return ([q for q in self.removed if q.graph_name != INFERRED],
                [q for q in self.added if q.graph_name != INFERRED])

    def graphs(self) -> set[str]:
        """IRIs of the graphs the entry touches ("" for the default graph)."""
        out = {q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
               for q in (*self.removed, *self.added)}
        return out | set(self.created_graphs) | set(self.dropped_graphs)

    @property
    def empty(self) -> bool:
        return not (self.removed or self.added or self.created_graphs or self.dropped_graphs)

    def apply_to(self, store: ox.Store) -> None:
        """Make the store hold the entry's result: removals, dropped graphs, created graphs, then
        additions, with the entry's own blank-node labels (the quad API keeps them; SPARQL's
        INSERT DATA would mint new ones). Idempotent: removing an absent quad or adding a present
        one changes nothing, so re-applying an entry after a crash is safe."""
        for quad in self.removed:
            store.remove(quad)
        for graph in self.dropped_graphs:
            store.remove_graph(_graph_node(graph))
        for graph in self.created_graphs:
            store.add_graph(_graph_node(graph))
        if self.added:
            store.extend(self.added)

    # -- RDF Patch

    def headers(self) -> list[tuple[str, str]]:
        """(key, value as an RDF term in N-Triples syntax), in the order they are written."""
        out = [("id", f"<uuid:{self.id}>")]
        if self.prev:
            out.append(("prev", f"<uuid:{self.prev}>"))
        stamp = self.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        out.append(("time", f'"{stamp}"^^<{XSD_DATETIME}>'))
        if self.who is not None:
            out.append(("who", str(ox.Literal(self.who))))
        if self.request_id is not None:
            out.append(("request", str(ox.Literal(self.request_id))))
        out.append(("versionBefore", str(ox.Literal(self.version_before))))
        out.append(("versionAfter", str(ox.Literal(self.version_after))))
        out += [("graphCreated", f"<{g}>") for g in self.created_graphs]
        out += [("graphDropped", f"<{g}>") for g in self.dropped_graphs]
        for key, values in self.extra.items():
            out += [(key, str(ox.Literal(v))) for v in values]
        return out

    def patch(self, comments: Iterable[str] = ()) -> str:
        """The entry as one RDF Patch transaction (ends with `TC .` and a newline)."""
        lines = [f"# {' '.join(c.splitlines())}" for c in comments]
        lines += [f"H {key} {value} ." for key, value in self.headers()]
        lines.append("TX .")
        lines += [f"D {q} ." for q in self.removed]
        lines += [f"A {q} ." for q in self.added]
        lines.append("TC .")
        return "\n".join(lines) + "\n"


def _graph_node(iri: str) -> ox.NamedNode | ox.DefaultGraph:
    return ox.NamedNode(iri) if iri else ox.DefaultGraph()


def _terms(lines: list[str]) -> list[ox.Quad]:
    if not lines:
        return []
    return list(ox.parse("\n".join(lines), format=ox.RdfFormat.N_QUADS))


def _entry(headers: list[tuple[str, str]], removed: list[str], added: list[str], position: int) -> Entry:
    """An entry from its raw lines; header values are read as N-Triples terms by pyoxigraph."""
    doc = "\n".join(f"<urn:h:{i}> <urn:h:{key}> {value} ." for i, (key, value) in enumerate(headers))
    values: dict[str, list[str]] = {}
    for triple in ox.parse(doc, format=ox.RdfFormat.N_TRIPLES):
        key = triple.predicate.value[len("urn:h:"):]
        term = triple.object
        text = term.value if not isinstance(term, ox.NamedNode) else term.value.removeprefix("uuid:")
        values.setdefault(key, []).append(text)

    def one(key: str) -> str | None:
        found = values.pop(key, None)
        return found[0] if found else None

    entry_id = one("id")
    if entry_id is None:
        raise ValueError("an entry without `H id`")
    stamp = one("time")
    when = datetime.fromisoformat(stamp.replace("Z", "+00:00")) if stamp else datetime.fromtimestamp(0, UTC)
    return Entry(entry_id, when, one("who"), one("request"), one("versionBefore") or "",
                 one("versionAfter") or "", _terms(removed), _terms(added),
                 values.pop("graphCreated", []), values.pop("graphDropped", []), one("prev"), position, values)


@dataclass
class _Block:
    headers: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    started: bool = False


def iter_entries(lines: Iterable[str], *, name: str = "<journal>", after: str | None = None) -> Iterator[Entry]:
    """The complete entries of an RDF Patch log, in order. A block cut short (no `TC .`: the
    process died mid-append) is not an entry and is ignored; `TA .` (aborted) blocks too.
    With `after` (an entry id), only the entries after that one, and the blocks before it are not
    parsed at all (start-up reads only the tail it needs); LookupError when no entry has that id.
    Raises ValueError naming the line of anything else that does not read."""
    block = _Block()
    position = 0
    waiting = f"<uuid:{after}>" if after is not None else None
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        op, _, rest = line.partition(" ")
        if op == "H":
            match = _HEADER_RE.match(line)
            if match is None:
                raise ValueError(f"{name}:{number}: a header line should read `H key value .`")
            block.headers.append((match.group(1), match.group(2)))
        elif op == "TX":
            block.started = True
        elif op in ("A", "D"):
            if waiting is None:
                (block.added if op == "A" else block.removed).append(rest)
        elif op in ("TC", "TA"):
            if op == "TC":
                position += 1
                if waiting is not None:
                    if ("id", waiting) in block.headers:
                        waiting = None
                else:
                    try:
                        yield _entry(block.headers, block.removed, block.added, position)
                    except (SyntaxError, ValueError) as exc:
                        raise ValueError(f"{name}: the entry ending on line {number} does not read: {exc}") from exc
            block = _Block()
        elif op in ("PA", "PD"):
            continue  # prefixes change nothing in the data
        else:
            raise ValueError(f"{name}:{number}: unknown RDF Patch line {line[:40]!r}")
    if waiting is not None:
        raise LookupError(f"{name} holds no entry {after}")


def parse_entries(lines: Iterable[str]) -> list[Entry]:
    return list(iter_entries(lines))
