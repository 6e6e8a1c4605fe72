"""Every shape against its fixtures, W3C test-suite style.

``valid/<shape>-NNN.ttl`` must produce no result at all; ``invalid/<shape>-NNN.ttl`` must produce
exactly the results its ``# expect:`` lines declare (focus node, path, constraint component,
source shape, severity; optionally the value). Each fixture is validated together with
``context.ttl`` (supporting nodes that are themselves clean) the way tests/shapes/validation.py
says the build must. ``<shape>`` is the kebab-case name of the node shape (``statement`` for
tg:StatementShape, ``statement-recommended`` for tg:StatementRecommendedShape).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import SH

from tests.shapes.validation import Result, validate

HERE = Path(__file__).parent
CONTEXT = HERE / "context.ttl"
VALID = sorted((HERE / "valid").glob("*.ttl"))
INVALID = sorted((HERE / "invalid").glob("*.ttl"))
TG = "https://w3id.org/tregua/ontology#"
EXPECT = re.compile(r"^#\s*expect:\s*(.*)$")


def data_with_context(path: Path) -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(CONTEXT)
    g.parse(path)
    return g


def expectations(path: Path) -> list[dict[str, str]]:
    """The ``# expect: key=value ...`` lines of a fixture, as dicts."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = EXPECT.match(line)
        if m:
            out.append(dict(re.findall(r'(\w+)=("[^"]*"(?:@\w+)?|\S+)', m.group(1))))
    return out


def focus_as_reported(focus: str, fixture: rdflib.Graph) -> str:
    """The fixture's prefixed or relative focus IRI in the form Result uses (<absolute IRI>)."""
    if focus.startswith("<"):
        return "<" + str(rdflib.URIRef(focus[1:-1], base="https://w3id.org/tregua/id/")) + ">"
    return f"<{fixture.namespace_manager.expand_curie(focus)}>"


def key(r: Result) -> tuple[str, str | None, str, str, str]:
    return (r.focus, r.path, r.component, r.shape, r.severity)


def test_context_is_clean(shapes_graph: rdflib.Graph, ontology_graph: rdflib.Graph) -> None:
    """The supporting nodes raise nothing, so fixtures' results are their own."""
    conforms, results = validate(rdflib.Graph().parse(CONTEXT), shapes_graph, ontology_graph)
    assert conforms
    assert results == []


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_fixture_raises_nothing(
    path: Path, shapes_graph: rdflib.Graph, ontology_graph: rdflib.Graph,
) -> None:
    conforms, results = validate(data_with_context(path), shapes_graph, ontology_graph)
    assert results == []
    assert conforms


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_raises_exactly_what_it_declares(
    path: Path, shapes_graph: rdflib.Graph, ontology_graph: rdflib.Graph,
) -> None:
    fixture = rdflib.Graph().parse(path)
    expected = expectations(path)
    assert expected, f"{path.name} declares no '# expect:' line"
    want = Counter(
        (focus_as_reported(e["focus"], fixture), e.get("path"), e["component"], e["shape"],
         e.get("severity", "sh:Violation"))
        for e in expected
    )
    conforms, results = validate(data_with_context(path), shapes_graph, ontology_graph)
    assert Counter(key(r) for r in results) == want
    for e in expected:
        if "value" in e:
            focus = focus_as_reported(e["focus"], fixture)
            assert e["value"] in {r.value for r in results if r.focus == focus and r.shape == e["shape"]}
    assert conforms == all(e.get("severity", "sh:Violation") != "sh:Violation" for e in expected)


def kebab(shape_iri: str) -> str:
    """tg:StatementRecommendedShape -> statement-recommended."""
    name = shape_iri.removeprefix(TG).removesuffix("Shape")
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def targeted_shapes(shapes_graph: rdflib.Graph) -> list[str]:
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    return sorted({str(s) for t in targets for s in shapes_graph.subjects(t, None)})


def test_every_shape_has_a_valid_and_an_invalid_fixture(shapes_graph: rdflib.Graph) -> None:
    missing = [
        f"{folder}/{kebab(shape)}-001.ttl"
        for shape in targeted_shapes(shapes_graph)
        for folder in ("valid", "invalid")
        if not (HERE / folder / f"{kebab(shape)}-001.ttl").is_file()
    ]
    assert missing == []


def test_every_fixture_names_an_existing_shape(shapes_graph: rdflib.Graph) -> None:
    """No orphan fixture: a renamed shape must take its fixtures along."""
    names = {kebab(s) for s in targeted_shapes(shapes_graph)}
    orphans = [p.name for p in [*VALID, *INVALID] if re.sub(r"-\d{3}$", "", p.stem) not in names]
    assert orphans == []
