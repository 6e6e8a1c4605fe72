"""Graphs the build produces, and the policy that keeps user writes out of them.

The ontology, shapes, inferred and Wikidata-links graphs are made by `kg build` from files in
the repository (and the inferred graph is kept up to date by the gate itself), so a write
through the API to one of them would be overwritten by the next build, or would change the
rules every later write is checked against. A write that touches one is refused with 403
(`kg.errors.Forbidden`) naming the graph and what to edit instead, *before* anything is
written: the gate checks the operations' targets (`check_operations`) and then the delta it
computed (`check_delta`), both ahead of inference, validation and commit.

`CLEAR`/`DROP` of `ALL`, `NAMED` or `DEFAULT` sweep graphs the caller did not name (and in this
service a query's default graph is the union of all graphs, so `CLEAR DEFAULT` reads as "clear
everything"): they run only when the operator allows it (`KG_ALLOW_CLEAR_ALL=true`), and then
clear only the writable graphs (`sweep`).

>>> policy = WritePolicy()
>>> policy.is_protected("https://w3id.org/tregua/graph/shapes")
True
>>> policy.is_protected("https://w3id.org/tregua/graph/source/my-notes")
False
>>> try:
...     policy.refuse_graph("https://w3id.org/tregua/graph/ontology", "inserting into")
... except Forbidden as exc:
...     print(exc.message)
inserting into https://w3id.org/tregua/graph/ontology is refused: the ontology graph is built from ontology/*.ttl
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from kg import iris
from kg.errors import Forbidden
from kg.gate.update_text import parse_quads

#: graph IRI -> (what it is built from, what to do instead of writing to it)
BUILT_GRAPHS: dict[str, tuple[str, str]] = {
    iris.GRAPH_ONTOLOGY: (
        "the ontology graph is built from ontology/*.ttl",
        "edit the ontology file (ontology/tregua.ttl) and run `kg build`"),
    iris.GRAPH_SHAPES: (
        "the shapes graph is built from shapes/*.ttl",
        "edit the shapes files (shapes/core.ttl, shapes/recommended.ttl) and run `kg build`"),
    iris.GRAPH_INFERRED: (
        "the inferred graph is derived from the asserted data",
        "change the asserted data instead: the gate re-derives the inferred triples of every write, "
        "and `kg build` recomputes the whole graph"),
    iris.GRAPH_META: (
        "the meta graph holds a remote store's version (KG_BACKEND=sparql)",
        "nothing: Tregua writes it with every build and every write"),
    iris.GRAPH_WIKIDATA: (
        "the Wikidata-links graph is built from reviewed link files",
        "use `kg link` (it records each reviewed link in sources/reviewed-links.csv), "
        "or edit sources/wikidata-links.csv and run `kg build`"),
}

#: The setting that lets CLEAR/DROP ALL, NAMED and DEFAULT run.
CLEAR_ALL_SETTING = "KG_ALLOW_CLEAR_ALL"
BULK_TARGETS = ("ALL", "NAMED", "DEFAULT")


def _key(graph: Any) -> str | None:
    """The IRI of a named graph, None for anything else (the default graph, blank nodes)."""
    return graph.value if isinstance(graph, ox.NamedNode) else None


@dataclass(frozen=True)
class WritePolicy:
    """Which graphs a user write may not touch, and whether bulk CLEAR/DROP may run.

    The default protects the built graphs and refuses bulk CLEAR/DROP; `UNRESTRICTED` is for
    code that maintains those graphs itself (the build, `kg link`) and for checking the gate's
    semantics against Oxigraph's.
    """

    protected: frozenset[str] = field(default_factory=lambda: frozenset(BUILT_GRAPHS))
    allow_clear_all: bool = False

    def is_protected(self, graph: Any) -> bool:
        key = graph if isinstance(graph, str) else _key(graph)
        return key is not None and key in self.protected

    def refuse_graph(self, graph: str, action: str) -> None:
        """Raise the 403 for writing to a built graph: which graph, why, and what to do instead."""
        made_of, instead = BUILT_GRAPHS.get(graph, ("it is produced by the build", "rebuild with `kg build`"))
        raise Forbidden(f"{action} {graph} is refused: {made_of}", hint=instead)

    def check_bulk(self, kind: str, which: str) -> None:
        """CLEAR/DROP ALL|NAMED|DEFAULT: refused unless the operator allowed it."""
        if not self.allow_clear_all:
            raise Forbidden(
                f"{kind.upper()} {which} is refused: it would empty graphs the update does not name",
                hint=f"name the graphs to clear (CLEAR GRAPH <iri>), or have the operator set "
                     f"{CLEAR_ALL_SETTING}=true (it then clears only the writable graphs; the built "
                     f"graphs {', '.join(sorted(self.protected))} are kept)")

    def check_target(self, graph: str | None, action: str) -> None:
        """A Graph Store write names its graph: refuse it at once when that graph is built."""
        if graph is not None and graph in self.protected:
            self.refuse_graph(graph, action)

    def sweep(self, graphs: Iterable[Any]) -> list[Any]:
        """The graphs a permitted bulk CLEAR/DROP empties: every graph but the protected ones."""
        return [g for g in graphs if not self.is_protected(g)]

    def check_operations(self, ops: Iterable[Any], base_iri: str | None = None) -> None:
        """Refuse an update whose operations name a built graph as a target (or as the source
        of a MOVE/COPY/ADD, which would duplicate or remove it), whatever the data: an update
        aimed at a built graph is refused even when it would change nothing today. Template
        graphs given as variables are caught by `check_delta`."""
        for op in ops:
            kind = op.kind.upper()
            if op.kind in ("clear", "drop") and op.target in BULK_TARGETS:
                self.check_bulk(op.kind, op.target)
            for graph, action in ((op.target, f"{kind} GRAPH" if op.kind in ("clear", "drop", "create")
                                   else f"{kind} to"), (op.source, f"{kind} from"),
                                  (op.with_graph, "an update WITH")):
                key = _key(graph)
                if key is not None and key in self.protected:
                    self.refuse_graph(key, action)
            blocks = [(op.data, False, op.kind == "insert_data"),
                      (op.insert_template, True, True), (op.delete_template, True, False)]
            for block, variables, insert in blocks:
                if not block:
                    continue
                for quad in parse_quads(op.prologue, block, base_iri, variables=variables):
                    key = _key(quad.graph_name)
                    if key is not None and key in self.protected:
                        self.refuse_graph(key, "inserting into" if insert else "deleting from")

    def check_delta(self, removed: Iterable[ox.Quad], added: Iterable[ox.Quad],
                    created: Iterable[str] = (), dropped: Iterable[str] = ()) -> None:
        """Refuse a computed change that removes, adds, creates or drops anything in a built graph
        (e.g. `DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }`)."""
        if not self.protected:
            return
        for quads, action in ((removed, "deleting from"), (added, "inserting into")):
            for quad in quads:
                key = _key(quad.graph_name)
                if key is not None and key in self.protected:
                    self.refuse_graph(key, action)
        for keys, action in ((created, "creating"), (dropped, "dropping")):
            for key in keys:
                if key in self.protected:
                    self.refuse_graph(key, action)


#: For code that writes the built graphs on purpose (and for semantics tests): nothing refused.
UNRESTRICTED = WritePolicy(protected=frozenset(), allow_clear_all=True)


DEFAULT_POLICY = WritePolicy()
"""What user writes may do unless told otherwise: built graphs protected, no bulk CLEAR/DROP."""
