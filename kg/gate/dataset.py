"""The virtual dataset: the store read-only plus the changes of the earlier operations of the same request."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

import pyoxigraph as ox

from kg import iris
from kg.errors import BadRequest
from kg.gate.update_text import Graph

#: A multi-operation update whose later WHERE must see earlier changes copies the store into
#: memory; beyond this many quads it is refused (send the operations as separate requests).
MAX_COPY_QUADS = 2_000_000

#: Graphs the gate maintains itself or reads its rules from: never validated as data.
NON_DATA_GRAPHS = frozenset({iris.GRAPH_INFERRED, iris.GRAPH_ONTOLOGY, iris.GRAPH_SHAPES})


def graph_key(graph: Graph) -> str:
    """The graph's IRI ("" for the default graph), as kept in `created`/`dropped`."""
    if isinstance(graph, ox.DefaultGraph):
        return ""
    return graph.value if isinstance(graph, ox.NamedNode) else str(graph)


class VirtualDataset:
    """The store as it would be after the changes so far, without writing anything.

    `removed` holds quads of the store that are gone, `added` quads that are new; graphs created
    or dropped are tracked apart, since Oxigraph keeps empty named graphs.
    """

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.removed: set[ox.Quad] = set()
        self.added: set[ox.Quad] = set()
        self.created: set[str] = set()
        self.dropped: set[str] = set()
        self._memory: ox.Store | None = None

    @property
    def changed(self) -> bool:
        return bool(self.removed or self.added or self.created or self.dropped)

    def contains(self, quad: ox.Quad) -> bool:
        if quad in self.added:
            return True
        return quad not in self.removed and quad in self.store

    def pattern(self, s: Any = None, p: Any = None, o: Any = None, g: Any = None) -> Iterator[ox.Quad]:
        """Quads matching a pattern in the changed dataset."""
        for quad in self.store.quads_for_pattern(s, p, o, g):
            if quad not in self.removed:
                yield quad
        for quad in self.added:
            if ((s is None or quad.subject == s) and (p is None or quad.predicate == p)
                    and (o is None or quad.object == o) and (g is None or quad.graph_name == g)):
                yield quad

    def graph_exists(self, graph: Graph) -> bool:
        if isinstance(graph, ox.DefaultGraph):
            return True
        key = graph_key(graph)
        if key in self.created:
            return True
        if key in self.dropped:
            return False
        return self.store.contains_named_graph(graph) or any(q.graph_name == graph for q in self.added)

    def named_graphs(self) -> list[Graph]:
        names = {graph_key(g): g for g in self.store.named_graphs() if graph_key(g) not in self.dropped}
        names.update({graph_key(q.graph_name): q.graph_name for q in self.added
                      if not isinstance(q.graph_name, ox.DefaultGraph)})
        names.update({k: ox.NamedNode(k) for k in self.created})
        return list(names.values())

    def apply(self, removals: Iterable[ox.Quad], additions: Iterable[ox.Quad]) -> None:
        """Deletions first, then insertions, as SPARQL Update says."""
        removals, additions = list(removals), list(additions)
        for quad in removals:
            if quad in self.added:
                self.added.discard(quad)
            elif quad in self.store:
                self.removed.add(quad)
        for quad in additions:
            if quad in self.removed:
                self.removed.discard(quad)
            elif quad not in self.store:
                self.added.add(quad)
            if not isinstance(quad.graph_name, ox.DefaultGraph):
                # as in Oxigraph, inserting into a graph creates it, and it outlives its last triple
                key = graph_key(quad.graph_name)
                self.dropped.discard(key)
                if not self.store.contains_named_graph(quad.graph_name):
                    self.created.add(key)
        if self._memory is not None:
            for quad in removals:
                self._memory.remove(quad)
            self._memory.extend(additions)

    def drop_graph(self, graph: Graph) -> None:
        self.apply(list(self.pattern(g=graph)), ())
        if not isinstance(graph, ox.DefaultGraph):
            key = graph_key(graph)
            self.created.discard(key)
            if self.store.contains_named_graph(graph):
                self.dropped.add(key)
            if self._memory is not None:
                self._memory.remove_graph(graph)

    def create_graph(self, graph: ox.NamedNode) -> None:
        self.dropped.discard(graph_key(graph))
        if not self.store.contains_named_graph(graph):
            self.created.add(graph_key(graph))
        if self._memory is not None:
            self._memory.add_graph(graph)

    def query_store(self) -> ox.Store:
        """Where a WHERE clause runs: the store itself, or (once changed) an in-memory copy."""
        if not self.changed:
            return self.store
        if self._memory is None:
            size = len(self.store)
            if size > MAX_COPY_QUADS:
                raise BadRequest(
                    f"this update runs a WHERE clause after other operations changed the data, which "
                    f"needs a copy of the store; the store has {size} quads, more than {MAX_COPY_QUADS}",
                    hint="send the operations as separate requests")
            memory = ox.Store()
            memory.bulk_extend(q for q in self.store if q not in self.removed)
            memory.bulk_extend(self.added)
            for key in self.created:
                memory.add_graph(ox.NamedNode(key))
            for key in self.dropped:
                with contextlib.suppress(Exception):
                    memory.remove_graph(ox.NamedNode(key))
            self._memory = memory
        return self._memory


def is_node(term: Any) -> bool:
    return isinstance(term, ox.NamedNode | ox.BlankNode)


def data_quads(quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
    for q in quads:
        if graph_key(q.graph_name) not in NON_DATA_GRAPHS:
            yield q


def changed_data(vd: VirtualDataset) -> list[ox.Quad]:
    return list(data_quads([*vd.removed, *vd.added]))
