"""Transitive closure of a relation given as node -> direct successors.

Shared by inference (sub-class and sub-property closure, materialised into the store), the
build's checks (a type's super-classes, to tell two kinds apart), the write gate (the schema's
super-classes), the ontology documentation (each class's ancestors) and the search index (an
entity's types with their ancestors, read from any store), which must all agree on
what "ancestor" means.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def transitive_closure(direct: Mapping[str, Iterable[str]]) -> dict[str, set[str]]:
    """Every node reachable from each key, excluding the key itself unless it lies on a cycle.

    >>> sorted(transitive_closure({"a": ["b"], "b": ["c"]})["a"])
    ['b', 'c']
    """
    out: dict[str, set[str]] = {}
    for start in direct:
        seen: set[str] = set()
        todo = list(direct[start])
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(direct.get(node, ()))
        out[start] = seen
    return out
