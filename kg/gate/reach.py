"""What the shapes can look at from a node, compiled once from the shapes graph (`ShapeReach`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pyoxigraph as ox

from kg import iris
from kg.gate.dataset import VirtualDataset, data_quads, is_node
from kg.vocab import RDF, RDF_TYPE, SH

_SH = {name: ox.NamedNode(SH + name) for name in (
    "path", "property", "node", "qualifiedValueShape", "not", "or", "and", "xone", "inversePath",
    "alternativePath", "zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath", "targetClass", "targetNode",
    "targetSubjectsOf", "targetObjectsOf", "lessThan", "lessThanOrEquals", "equals", "disjoint")}
_RDF_FIRST, _RDF_REST, _RDF_NIL = (ox.NamedNode(RDF + n) for n in ("first", "rest", "nil"))
#: Longest route (steps from a focus node) followed backwards to find affected nodes; `*`/`+`
#: paths are unrolled up to it (the project's shapes reach 2 steps and use neither).
MAX_SHAPE_DEPTH = 4

#: One step of a walk: (predicate, True) from subject to object, (predicate, False) backwards.
Step = tuple[Any, bool]
#: A compiled SHACL path: ("p", predicate) | ("inv", path) | ("seq"/"alt", [paths]) | ("star"/"plus"/"opt", path)
Path = tuple[str, Any]


class ShapeReach:
    """What the shapes can look at from a node, compiled once from the shapes graph.

    A focus node is validated by the shapes that target it; each follows its `sh:path`
    (predicates, inverse, alternative, sequence and `*`/`+`/`?` paths) and, at the value nodes,
    the shapes nested with `sh:node`, `sh:qualifiedValueShape`, `sh:not`/`sh:or`/`sh:and`/`sh:xone`
    and `sh:property`; `sh:class` (and targeting) read the `rdf:type` of every node reached;
    `sh:lessThan`/`sh:equals`/... read the focus node's other property. `closure()` collects
    exactly those quads, so pyshacl sees for each focus node what a validation of the whole store
    would see. `routes` holds, per targeting shape, the step sequences its validation walks
    (`depth` is the longest; routes are cut at MAX_SHAPE_DEPTH steps, `*`/`+` paths unrolled up to
    it and a shape nesting itself unfolded once; the project's shapes have neither, depth is 2):
    `affected()` walks them backwards from the changed nodes to find the nodes whose validation
    the change can alter. Vocabulary (classes, concept values) is never walked out of.
    """

    def __init__(self, shapes: Iterable[ox.Quad], superclasses: dict[Any, set[Any]] | None = None) -> None:
        self.index: dict[tuple[Any, Any], list[Any]] = {}
        for q in shapes:
            self.index.setdefault((q.subject, q.predicate), []).append(q.object)
        self.superclasses = superclasses or {}
        self._paths: dict[Any, Path] = {}
        shape_types = {ox.NamedNode(SH + "NodeShape"), ox.NamedNode(SH + "PropertyShape")}
        class_types = {ox.NamedNode(iris.PREFIXES["rdfs"] + "Class"), ox.NamedNode(iris.PREFIXES["owl"] + "Class")}
        #: shapes with targets: (shape, target classes, target nodes, subjects-of, objects-of)
        self.roots: list[tuple[Any, set[Any], set[Any], set[Any], set[Any]]] = []
        subjects = {s_ for (s_, _p) in self.index}
        for shape in sorted(subjects, key=str):
            types = set(self._all(shape, RDF_TYPE))
            classes = set(self._all(shape, _SH["targetClass"]))
            if types & class_types and types & shape_types:
                classes.add(shape)  # implicit class target
            target = (classes, set(self._all(shape, _SH["targetNode"])),
                      set(self._all(shape, _SH["targetSubjectsOf"])), set(self._all(shape, _SH["targetObjectsOf"])))
            if any(target):
                self.roots.append((shape, *target))
        self._root = {r[0]: r for r in self.roots}
        #: per root shape, the routes (step sequences, every prefix included) its validation walks
        self.routes: dict[Any, set[tuple[Step, ...]]] = {}
        for shape, _classes, _nodes, subjects_of, objects_of in self.roots:
            routes = self._routes(shape, frozenset())
            routes |= {((p, True),) for p in subjects_of} | {((p, False),) for p in objects_of}
            self.routes[shape] = {r[:i] for r in routes for i in range(1, len(r) + 1)}
        self.depth = max((len(r) for routes in self.routes.values() for r in routes), default=0)
        # backwards: a trie of the routes read from their end, to walk from a changed node
        self._back: dict[Any, Any] = {}
        for shape, routes in self.routes.items():
            for route in routes:
                trie = self._back
                for step in reversed(route):
                    trie = trie.setdefault(step, {})
                trie.setdefault(None, set()).add(shape)

    # -- reading the shapes graph

    def _all(self, node: Any, predicate: Any) -> list[Any]:
        return self.index.get((node, predicate), [])

    def _one(self, node: Any, predicate: Any) -> Any:
        values = self._all(node, predicate)
        return values[0] if values else None

    def _list(self, node: Any) -> list[Any]:
        out: list[Any] = []
        while node is not None and node != _RDF_NIL and len(out) < 10_000:
            first = self._one(node, _RDF_FIRST)
            if first is None:
                break
            out.append(first)
            node = self._one(node, _RDF_REST)
        return out

    def path(self, node: Any) -> Path:
        if node not in self._paths:
            self._paths[node] = self._compile(node)
        return self._paths[node]

    def _compile(self, node: Any) -> Path:
        if isinstance(node, ox.NamedNode):
            return ("p", node)
        if self._one(node, _RDF_FIRST) is not None:
            return ("seq", [self._compile(n) for n in self._list(node)])
        for key, kind in (("inversePath", "inv"), ("zeroOrMorePath", "star"), ("oneOrMorePath", "plus"),
                          ("zeroOrOnePath", "opt")):
            inner = self._one(node, _SH[key])
            if inner is not None:
                return (kind, self._compile(inner))
        alternatives = self._one(node, _SH["alternativePath"])
        if alternatives is not None:
            return ("alt", [self._compile(n) for n in self._list(alternatives)])
        raise ValueError(f"unsupported SHACL path {node}")

    def _nested(self, shape: Any) -> list[Any]:
        """The shapes that apply at the same nodes as `shape`'s constraints (its value nodes)."""
        out = [*self._all(shape, _SH["node"]), *self._all(shape, _SH["qualifiedValueShape"]),
               *self._all(shape, _SH["not"]), *self._all(shape, _SH["property"])]
        for key in ("or", "and", "xone"):
            for members in self._all(shape, _SH[key]):
                out += self._list(members)
        return out

    def _compared(self, shape: Any) -> list[Any]:
        return [p for key in ("lessThan", "lessThanOrEquals", "equals", "disjoint") for p in self._all(shape, _SH[key])]

    def _routes(self, shape: Any, seen: frozenset[Any]) -> set[tuple[Step, ...]]:
        """The step sequences validating `shape` at a node can walk (the empty one included)."""
        if shape in seen:
            return {()}
        seen = seen | {shape}
        nested: set[tuple[Step, ...]] = {()}
        for n in self._nested(shape):
            nested |= self._routes(n, seen)
        out: set[tuple[Step, ...]] = {((p, True),) for p in self._compared(shape)} | {()}
        path = self._one(shape, _SH["path"])
        heads: set[tuple[Step, ...]] = self._path_routes(self.path(path), False) if path is not None else {()}
        out |= {(h + n)[:MAX_SHAPE_DEPTH] for h in heads for n in nested}
        return out

    def _path_routes(self, path: Path, inverse: bool) -> set[tuple[Step, ...]]:
        kind, arg = path
        if kind == "p":
            return {((arg, not inverse),)}
        if kind == "inv":
            return self._path_routes(arg, not inverse)
        if kind == "seq":
            out: set[tuple[Step, ...]] = {()}
            for part in (reversed(arg) if inverse else arg):
                out = {(r + t)[:MAX_SHAPE_DEPTH] for r in out for t in self._path_routes(part, inverse)}
            return out
        if kind == "alt":
            return set().union(*(self._path_routes(p, inverse) for p in arg))
        inner = self._path_routes(arg, inverse)
        if kind == "opt":
            return inner | {()}
        out = set(inner) | ({()} if kind == "star" else set())
        for _ in range(MAX_SHAPE_DEPTH):  # `*`/`+`: repeated up to the cap
            out |= {(r + t)[:MAX_SHAPE_DEPTH] for r in out for t in inner}
        return out

    def targets(self, shape: Any, node: Any, classes: set[Any], quads: Callable[..., Iterable[ox.Quad]]) -> bool:
        """Whether `shape` (a root) targets `node`, whose classes (super-classes included) are given."""
        _shape, target_classes, target_nodes, subjects_of, objects_of = self._root[shape]
        return (bool(target_classes & classes) or node in target_nodes
                or any(any(True for _ in quads(node, p, None)) for p in subjects_of)
                or any(any(True for _ in quads(None, p, node)) for p in objects_of))

    # -- walking the data

    def closure(self, vd: VirtualDataset, focus: Iterable[Any], is_vocabulary: Callable[[Any], bool]) -> set[ox.Quad]:
        """The quads the shapes can read when validating `focus` (in the changed dataset)."""
        out: set[ox.Quad] = set()
        done: set[tuple[Any, Any]] = set()
        typed: dict[Any, set[Any]] = {}

        def quads(s: Any = None, p: Any = None, o: Any = None) -> list[ox.Quad]:
            found = list(data_quads(vd.pattern(s, p, o)))
            out.update(found)
            return found

        def types(node: Any) -> set[Any]:
            if node not in typed:
                typed[node] = {q.object for q in quads(node, RDF_TYPE)} if is_node(node) else set()
            return typed[node]

        def walk(path: Path, nodes: set[Any], inverse: bool) -> set[Any]:
            kind, arg = path
            if kind == "p":
                found: set[Any] = set()
                for n in nodes:
                    if not is_node(n) or is_vocabulary(n):
                        continue
                    if inverse:
                        found |= {q.subject for q in quads(None, arg, n)}
                    else:
                        found |= {q.object for q in quads(n, arg)}
                return found
            if kind == "inv":
                return walk(arg, nodes, not inverse)
            if kind == "seq":
                for step in (reversed(arg) if inverse else arg):
                    nodes = walk(step, nodes, inverse)
                return nodes
            if kind == "alt":
                return set().union(*(walk(p, nodes, inverse) for p in arg))
            if kind == "opt":
                return nodes | walk(arg, nodes, inverse)
            reached: set[Any] = set(nodes) if kind == "star" else set()
            frontier = set(nodes)
            while frontier:
                frontier = walk(arg, frontier, inverse) - reached
                reached |= frontier
            return reached

        def apply(shape: Any, node: Any) -> None:
            if (shape, node) in done:
                return
            done.add((shape, node))
            path = self._one(shape, _SH["path"])
            if path is None:
                constraints(shape, node)
                return
            for p in self._compared(shape):
                quads(node, p)
            for value in walk(self.path(path), {node}, False):
                constraints(shape, value)

        def constraints(shape: Any, node: Any) -> None:
            types(node)  # sh:class, sh:not [sh:class ...] and the like read them
            for nested in self._nested(shape):
                apply(nested, node)

        for node in focus:
            node_types = types(node)
            classes = set(node_types)
            for c in node_types:
                classes |= self.superclasses.get(c, set())
            for root in self.roots:
                if self.targets(root[0], node, classes, quads):
                    apply(root[0], node)
        return out

    def affected(self, vd: VirtualDataset, changed: Iterable[Any], is_vocabulary: Callable[[Any], bool]) -> set[Any]:
        """The nodes whose validation reads one of the `changed` nodes (or its triples): each
        route of each shape is walked backwards from the changed node; a node reached is kept when
        that shape targets it. E.g. an event losing its type: the participations it points at
        (their shape reads `[sh:inversePath tg:hasParticipation]` and the event's `rdf:type`)."""
        found: set[Any] = set()
        candidates: dict[Any, set[Any]] = {}  # node -> root shapes that would reach a changed node

        def back(trie: dict[Any, Any], nodes: set[Any]) -> None:
            for step, sub in trie.items():
                if step is None:
                    for n in nodes:
                        candidates.setdefault(n, set()).update(sub)
                    continue
                predicate, forward = step
                reached: set[Any] = set()
                for n in nodes:
                    if forward:
                        reached |= {q.subject for q in data_quads(vd.pattern(None, predicate, n))}
                    elif is_node(n):
                        reached |= {q.object for q in data_quads(vd.pattern(n, predicate, None))}
                reached = {n for n in reached if is_node(n) and not is_vocabulary(n)}
                if reached:
                    back(sub, reached)

        back(self._back, {n for n in changed if is_node(n) and not is_vocabulary(n)})
        def quads(s_: Any, p_: Any, o_: Any) -> Iterator[ox.Quad]:
            return data_quads(vd.pattern(s_, p_, o_))

        for node, shapes in candidates.items():
            classes = {q.object for q in quads(node, RDF_TYPE, None)}
            classes |= {c for t in list(classes) for c in self.superclasses.get(t, set())}
            if any(self.targets(shape, node, classes, quads) for shape in shapes):
                found.add(node)
        return found
