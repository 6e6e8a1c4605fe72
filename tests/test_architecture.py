"""The layering the tree promises, read from the source with `ast`: no import cycle among the
modules of `kg` and `api` (counting imports inside functions, which only hide a cycle, and the
package `__init__` each import runs first), and `kg` never imports `api`, except where `kg serve`
starts the app."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("kg", "api")
KG_MAY_IMPORT_API = {"kg.cli.serve"}
"""Modules of kg allowed to import api: the one that starts the server, lazily (inside a function)."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def imports(name: str, path: Path, known: set[str]) -> Iterator[tuple[str, ast.stmt, bool]]:
    """(imported module, statement, at module level) for each import of a module of ours."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    top = {id(node) for node in tree.body}
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                targets.append(sub if sub in known else base)
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target.split(".")[0] in PACKAGES and target != name:
                yield target, node, id(node) in top  # type: ignore[misc]


def packages_run(importer: str, target: str, known: set[str]) -> set[str]:
    """`target` and the packages whose `__init__` importing it runs first (`a.b.c` runs `a` and
    `a.b`), except those `importer` sits in: their `__init__` is already running or done."""
    parts = target.split(".")
    parents = {".".join(parts[:i]) for i in range(1, len(parts))}
    return {target} | {p for p in parents if p in known and not (importer == p or importer.startswith(p + "."))}


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: {m for t, _n, _top in imports(name, path, known) for m in packages_run(name, t, known)}
            for name, path in mods.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path of module names, or None (depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_graph_is_read() -> None:
    edges = graph()
    assert "kg.store.engine" in edges["kg.store.workers"]
    assert any(t.startswith("kg.") for t in edges["api.main"])


def test_no_import_cycle() -> None:
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_importing_a_module_runs_its_packages() -> None:
    known = {"kg", "kg.journal", "kg.journal.log", "kg.gate", "kg.gate.gated"}
    assert packages_run("kg.gate.gated", "kg.journal.log", known) == {"kg.journal.log", "kg.journal"}
    assert packages_run("kg.gate.gated", "kg.gate.writer", known) == {"kg.gate.writer"}
    # the package kg.gate re-exports kg.gate.gated, which uses the journal: both edges are read
    edges = graph()
    assert "kg.journal" in edges["kg.gate.writer"]
    assert "kg.gate.gated" in edges["kg.gate"]


def test_the_cycle_finder_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_kg_never_imports_api() -> None:
    mods = modules()
    wrong = []
    for name in sorted(n for n in mods if n.split(".")[0] == "kg"):
        for target, node, top in imports(name, mods[name], set(mods)):
            if target.split(".")[0] == "api" and (name not in KG_MAY_IMPORT_API or top):
                wrong.append(f"{mods[name].relative_to(ROOT)}:{node.lineno} imports {target}")
    assert not wrong, "kg must not import api (only `kg serve`, inside the command):\n" + "\n".join(wrong)
