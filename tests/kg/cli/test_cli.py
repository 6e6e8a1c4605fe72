"""The `kg` command as a user runs it: a real process, real stores, exit codes and messages."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import iris
from kg.cli import COMMANDS
from tests.kg.helpers import Tree, copy_tree, nquads


def kg(*args: str, env: dict[str, str] | None = None,
       stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m kg ARGS` as a user would (a real process), capturing its output."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, env=full_env,
                          input=stdin, timeout=120, check=False)


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr


@pytest.fixture
def tree(tmp_path: Path, shared_dir: Path) -> Tree:
    return copy_tree(tmp_path / "tree", shared_dir)


def test_every_command_is_listed() -> None:
    names = [c.name for c in COMMANDS]
    assert {"build", "validate", "serve", "query", "export"} <= set(names)
    assert len(names) == len(set(names))
    help_text = kg("--help").stdout
    assert all(n in help_text for n in names)


def test_build_then_query(tmp_path: Path, shared_dir: Path, built_store: Path) -> None:
    store = tmp_path / "store"
    result = kg("build", "--store", str(store), "--shared-dir", str(shared_dir))
    assert result.returncode == 0, result.stderr
    for step in ("parsing", "checking", "validating with SHACL", "inferring", "loading", "swapping"):
        assert step in result.stderr
    assert "quads" in result.stderr and "version" in result.stderr
    assert nquads(store) == nquads(built_store)
    quiet = kg("build", "--quiet", "--store", str(store), "--shared-dir", str(shared_dir))
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_bad_source_fails_with_file_line_and_hint(tree: Tree, tmp_path: Path, built_store: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(built_store, store)
    before = nquads(store)
    path = tree.add_source('<https://w3id.org/tregua/id/person/x> a tg:Person ;\n    tg:nickname "X"@en .')
    result = kg("build", "--store", str(store), *tree.cli_dirs())
    no_traceback(result)
    assert result.returncode == 1
    line = tree.first_body_line + 1
    assert f"build failed: {path}:{line}: unknown property {iris.TG}nickname" in result.stderr
    assert "how to fix:" in result.stderr
    assert nquads(store) == before


def test_validate_reports_and_exits_1(tree: Tree) -> None:
    ok = kg("validate", "--quiet", *tree.cli_dirs())
    assert ok.returncode == 0, ok.stderr + ok.stdout
    assert "0 check problem(s), 0 SHACL violation(s)" in ok.stderr
    tree.add_test_class()
    tree.add_shapes("""
<https://w3id.org/tregua/shapes#TestsThingShape> a sh:NodeShape ;
    sh:targetClass tg:TestsThing ;
    sh:property [ sh:path tg:testsPart ; sh:minCount 1 ; sh:message "a tests thing needs a part" ] .
""")
    tree.add_source('<https://w3id.org/tregua/tests/nowhere> a tg:TestsThing .\n'
                    '<https://w3id.org/tregua/tests/y> tg:nick "y" .')
    bad = kg("validate", "--quiet", *tree.cli_dirs())
    no_traceback(bad)
    assert bad.returncode == 1
    assert ("Violation: <https://w3id.org/tregua/tests/nowhere> "
            f"{iris.TG}testsPart [sh:MinCountConstraintComponent]: a tests thing needs a part") in bad.stdout
    assert f"unknown property {iris.TG}nick" in bad.stderr  # checks and SHACL both reported, all at once
    assert "1 check problem(s), 1 SHACL violation(s)" in bad.stderr


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "xml"])
def test_query_formats(built_store: Path, fmt: str) -> None:
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    result = kg("query", query, "--format", fmt, "--store", str(built_store))
    assert result.returncode == 0, result.stderr
    store = ox.Store.read_only(str(built_store))
    expected = {g.value: sum(1 for _ in store.quads_for_pattern(None, None, None, g))  # type: ignore[union-attr]
                for g in store.named_graphs()}
    if fmt == "csv":  # lossy by design (no term types), so read it as a table
        rows = list(csv.reader(io.StringIO(result.stdout)))
        assert rows[0] == ["g", "n"]
        got = {g: int(n) for g, n in rows[1:]}
    else:
        results_format = getattr(ox.QueryResultsFormat, fmt.upper())
        parsed = ox.parse_query_results(result.stdout.encode(), format=results_format)
        got = {str(row["g"].value): int(row["n"].value) for row in parsed}  # type: ignore[union-attr,index]
    assert got == expected


def test_query_ask_and_construct(built_store: Path) -> None:
    ask = kg("query", f"ASK {{ <{iris.TG}Person> ?p ?o }}", "--format", "json", "--store", str(built_store))
    assert json.loads(ask.stdout) == {"head": {}, "boolean": True}
    text = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <" + iris.GRAPH_ONTOLOGY + "> { ?s ?p ?o } }"
    construct = kg("query", text, "--format", "nt", "--store", str(built_store))
    assert construct.returncode == 0, construct.stderr
    triples = list(ox.parse(construct.stdout.encode(), format=ox.RdfFormat.N_TRIPLES))
    store = ox.Store.read_only(str(built_store))
    ontology = ox.NamedNode(iris.GRAPH_ONTOLOGY)
    assert len(triples) == sum(1 for _ in store.quads_for_pattern(None, None, None, ontology))


def test_query_from_stdin(built_store: Path) -> None:
    result = kg("query", "-", "--store", str(built_store), stdin="ASK { ?s ?p ?o }")
    assert result.stdout.strip() == "true"


@pytest.mark.parametrize(("args", "message"), [
    (["query", "SELEC * WHERE {}"], "error at 1:"),
    (["query", "SELECT * WHERE { ?s ?p ?o }", "--format", "ttl"], "does not fit a SELECT/ASK result"),
    (["query"], "no query given"),
    (["query", "@/nonexistent.rq"], "no query file"),
    (["export", "--graph", iris.BASE + "graph/nope"], "did you mean: " + iris.GRAPH_INFERRED),
    (["export", "--graph", "not an iri"], "is not an IRI"),
])
def test_user_mistakes_exit_2_without_traceback(built_store: Path, args: list[str], message: str) -> None:
    result = kg(*args, "--store", str(built_store))
    no_traceback(result)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr


def test_unknown_format_is_a_usage_error(built_store: Path) -> None:
    result = kg("export", "--format", "yaml", "--store", str(built_store))
    assert result.returncode == 2 and "invalid choice: 'yaml'" in result.stderr


def test_missing_store_says_how_to_build_it(tmp_path: Path) -> None:
    result = kg("query", "ASK {}", "--store", str(tmp_path / "none"))
    no_traceback(result)
    assert result.returncode == 1
    assert "no store at" in result.stderr and "kg build" in result.stderr


def test_bad_setting_is_reported(tmp_path: Path) -> None:
    result = kg("query", "ASK {}", env={"KG_QUERY_TIMEOUT": "soon"})
    no_traceback(result)
    assert result.returncode == 2 and "query_timeout" in result.stderr


def test_store_defaults_to_kg_store(built_store: Path) -> None:
    result = kg("query", "ASK { ?s ?p ?o }", env={"KG_STORE": str(built_store)})
    assert result.returncode == 0 and result.stdout.strip() == "true"


@pytest.mark.parametrize(("fmt", "rdf_format"), [
    ("nquads", ox.RdfFormat.N_QUADS), ("trig", ox.RdfFormat.TRIG), ("ttl", ox.RdfFormat.TURTLE),
    ("nt", ox.RdfFormat.N_TRIPLES), ("jsonld", ox.RdfFormat.JSON_LD),
])
def test_export_round_trips(built_store: Path, tmp_path: Path, fmt: str, rdf_format: ox.RdfFormat) -> None:
    out = tmp_path / f"dump.{fmt}"
    result = kg("export", "--format", fmt, "--output", str(out), "--store", str(built_store))
    assert result.returncode == 0, result.stderr
    parsed = list(ox.parse(path=out, format=rdf_format))
    store = ox.Store.read_only(str(built_store))
    if rdf_format.supports_datasets:
        assert {str(q) for q in parsed} == {str(q) for q in store}
    else:  # one graph: the union, duplicates merged
        assert {str(ox.Triple(q.subject, q.predicate, q.object)) for q in parsed} == \
               {str(ox.Triple(q.subject, q.predicate, q.object)) for q in store}


def test_export_one_graph_to_stdout(built_store: Path) -> None:
    result = kg("export", "--format", "ttl", "--graph", iris.GRAPH_ONTOLOGY, "--store", str(built_store))
    assert result.returncode == 0
    triples = {str(t) for t in ox.parse(result.stdout.encode(), format=ox.RdfFormat.TURTLE)}
    store = ox.Store.read_only(str(built_store))
    expected = {str(ox.Triple(q.subject, q.predicate, q.object))
                for q in store.quads_for_pattern(None, None, None, ox.NamedNode(iris.GRAPH_ONTOLOGY))}
    assert triples == expected
    assert "@prefix tg: <https://w3id.org/tregua/ontology#> ." in result.stdout


def test_serve_without_a_store_says_how_to_build_one(tmp_path: Path) -> None:
    result = kg("serve", "--port", "1", "--store", str(tmp_path / "none"))
    no_traceback(result)
    assert result.returncode == 1 and "no store at" in result.stderr and "kg build" in result.stderr


def test_serve_rejects_a_bad_port_before_starting(built_store: Path) -> None:
    result = kg("serve", "--port", "70000", "--store", str(built_store))
    no_traceback(result)
    assert result.returncode == 2 and "port" in result.stderr


def test_export_to_an_impossible_path_is_a_clear_error(built_store: Path) -> None:
    result = kg("export", "--output", "/nonexistent-dir/dump.nq", "--store", str(built_store))
    no_traceback(result)
    assert result.returncode == 2
    assert "cannot write /nonexistent-dir/dump.nq: the folder /nonexistent-dir does not exist" \
        in result.stderr
