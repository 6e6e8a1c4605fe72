"""Documentation and declaration checks, ODK style: one SPARQL query per file in checks/, each
returning the offending terms; zero rows is a pass. Each check also has a fault in faults/ that
it must catch, so that no check passes by being unable to fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.ontology import graphs

HERE = Path(__file__).parent
CHECKS = sorted((HERE / "checks").glob("*-violation.rq"))
TG = "https://w3id.org/tregua/ontology#"


def run(check: Path, quads: list[ox.Quad]) -> set[str]:
    store = ox.Store()
    store.extend(quads)
    result = store.query(check.read_text(encoding="utf-8"))
    assert isinstance(result, ox.QuerySolutions)
    return {str(row[0]) for row in result}


def fault_quads(path: Path) -> tuple[list[ox.Quad], set[str]]:
    """A fault file's triples in the graph its '# graph:' line names, and its expected terms."""
    text = path.read_text(encoding="utf-8")
    graph = ox.NamedNode(re.search(r"^# graph: (\S+)$", text, re.M).group(1))  # type: ignore[union-attr]
    expected = {"<" + TG + t[3:] + ">" if t.startswith("tg:") else t
                for t in re.findall(r"^# expect: (\S+)$", text, re.M)}
    quads = [ox.Quad(q.subject, q.predicate, q.object, graph)
             for q in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE)]
    return quads, expected


@pytest.mark.parametrize("check", CHECKS, ids=lambda p: p.stem)
def test_check_finds_nothing(check: Path, project_quads: list[ox.Quad]) -> None:
    assert run(check, project_quads) == set()


@pytest.mark.parametrize("check", CHECKS, ids=lambda p: p.stem)
def test_check_catches_its_fault(check: Path, project_quads: list[ox.Quad]) -> None:
    fault = HERE / "faults" / f"{check.stem}.ttl"
    assert fault.is_file(), f"write {fault.name}: a small fault this check must catch"
    quads, expected = fault_quads(fault)
    assert expected
    assert run(check, project_quads + quads) - run(check, project_quads) == expected


def test_checks_see_every_graph(project_quads: list[ox.Quad]) -> None:
    """The checks run over the ontology, the shapes and the data graphs together."""
    names = {q.graph_name.value for q in project_quads if isinstance(q.graph_name, ox.NamedNode)}
    assert {graphs.iris.GRAPH_ONTOLOGY, graphs.iris.GRAPH_SHAPES, graphs.iris.GRAPH_WIKIDATA} <= names
    assert any(n.startswith(graphs.iris.GRAPH_SOURCE_PREFIX) for n in names)
