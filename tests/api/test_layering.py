"""The API's layering: routers depend on `kg` and `api/deps.py`, not on each other, and hold no SPARQL.

Why: a router that imports another couples two URLs' code (a change to one breaks the other),
and SPARQL text in `api/` escapes the tests of `kg` and the query files. Read from the source
with `ast`, so a lazy import inside a function counts too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import api

API_DIR = Path(api.__file__).parent
ROUTERS = sorted((API_DIR / "routers").glob("*.py"))
#: What a SPARQL query or update looks like (a keyword followed by a group or WHERE).
SPARQL = re.compile(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE|INSERT|DELETE)\b[^\n]*(\{|\bWHERE\b|<)")


def _imports(path: Path) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.append((node.lineno, node.module))
            if node.module == "api.routers" or node.module == "api":
                out += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return out


@pytest.mark.parametrize("path", ROUTERS, ids=lambda p: p.name)
def test_routers_do_not_import_each_other(path: Path) -> None:
    bad = [f"{path.name}:{line}: {name}" for line, name in _imports(path)
           if name.startswith("api.routers.") and name != "api.routers.__init__"]
    assert not bad, "move the shared code into kg or api/deps.py: " + "; ".join(bad)


def _strings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                  and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings]


@pytest.mark.parametrize("path", sorted(API_DIR.rglob("*.py")), ids=lambda p: str(p.relative_to(API_DIR)))
def test_no_sparql_text_in_api(path: Path) -> None:
    """Queries live in kg (kg.store.graphs, kg.pages.examples...) or in queries/*.rq.

    Error-message examples (`example="query=ASK {}"`) are allowed: they are help, not queries run.
    """
    found = [f"{path.name}:{line}: {text[:60]!r}" for line, text in _strings(path)
             if SPARQL.search(text) and not text.startswith(("query=", "update=", "^(?:"))]
    assert not found, "SPARQL text belongs in kg or queries/: " + "; ".join(found)


def test_the_layering_test_sees_an_offence(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text('from api.routers.reconcile import service_of\nQ = "SELECT ?s WHERE { ?s ?p ?o }"\n')
    assert _imports(bad)[0][1] == "api.routers.reconcile"
    assert any(SPARQL.search(text) for _, text in _strings(bad))
