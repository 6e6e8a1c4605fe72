"""The scalable engines give what the reference ones give: SHACL compiled to SPARQL in Oxigraph
against pyshacl, RDFS rules on Oxigraph's indexes against owlrl."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import iris, paths
from kg.build.inference import infer
from kg.build.pipeline import entity_iris, links_graph
from kg.build.sources import Sources, load_sources
from kg.errors import Violation
from kg.validation.compiled import Shapes, compile_shapes, path_sparql
from kg.validation.shacl import ValidationReport, validate_graph

FIXTURES = sorted((paths.REPO_ROOT / "tests" / "shapes").glob("*valid/*.ttl"))
Key = tuple[str, str, str | None, str, str | None]


@pytest.fixture(scope="module")
def inputs(shared_dir: Path) -> tuple[list[ox.Quad], list[ox.Quad], list[ox.Quad]]:
    """(ontology, shapes, data) as the build reads them: source graphs plus the links graph."""
    src = load_sources(ontology_dir=paths.ONTOLOGY_DIR, shapes_dir=paths.SHAPES_DIR,
                       sources_dir=paths.SOURCES_DIR)
    links = links_graph(shared_dir, entity_iris(src.sources), paths.SOURCES_DIR)
    return Sources.quads_of(src.ontology), Sources.quads_of(src.shapes), Sources.quads_of(src.sources) + links


def keys(report: ValidationReport) -> set[Key]:
    def key(v: Violation) -> Key:
        return (v.severity, v.focus_node, v.path, v.constraint, v.value)

    return {key(v) for v in [*report.violations, *report.warnings]}


def both(data: list[ox.Quad], ontology: list[ox.Quad], shapes: list[ox.Quad]) -> tuple[set[Key], set[Key]]:
    reference = validate_graph(data, shapes=shapes, ontology=ontology)
    compiled = validate_graph(data, shapes=shapes, ontology=ontology, engine="oxigraph")
    assert reference.conforms == compiled.conforms
    return keys(reference), keys(compiled)


def test_same_report_on_the_real_data(inputs: tuple[list[ox.Quad], list[ox.Quad], list[ox.Quad]]) -> None:
    ontology, shapes, data = inputs
    reference, compiled = both(data, ontology, shapes)
    assert reference == compiled
    assert not any(k[0] == "Violation" for k in reference)


def _drop_every(k: int, offset: int) -> Callable[[list[ox.Quad]], list[ox.Quad]]:
    """A deterministic mutation: drop every k-th quad, blank some literals, retype some IRIs."""

    def mutate(quads: list[ox.Quad]) -> list[ox.Quad]:
        out = []
        for i, q in enumerate(sorted(quads, key=str)):
            if i % k == offset:
                continue
            if i % (k + 2) == 1 and isinstance(q.object, ox.Literal):
                q = ox.Quad(q.subject, q.predicate, ox.Literal("x"), q.graph_name)
            if i % (k + 5) == 2 and isinstance(q.object, ox.NamedNode):
                q = ox.Quad(q.subject, q.predicate, ox.NamedNode(iris.TG + "Person"), q.graph_name)
            out.append(q)
        return out

    return mutate


@pytest.mark.parametrize(("k", "offset"), [(5, 1), (11, 3)])
def test_same_report_on_broken_data(inputs: tuple[list[ox.Quad], list[ox.Quad], list[ox.Quad]],
                                    k: int, offset: int) -> None:
    ontology, shapes, data = inputs
    reference, compiled = both(_drop_every(k, offset)(data), ontology, shapes)
    assert reference == compiled
    components = {key[3] for key in reference}
    assert len(reference) > 50 and len(components) >= 7, "the mutation should break many kinds of constraint"


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f"{p.parent.name}/{p.name}" for p in FIXTURES])
def test_same_report_on_the_shape_fixtures(inputs: tuple[list[ox.Quad], list[ox.Quad], list[ox.Quad]],
                                           fixture: Path) -> None:
    ontology, shapes, _ = inputs
    data = list(ox.parse(path=fixture, format=ox.RdfFormat.TURTLE))
    reference, compiled = both(data, ontology, shapes)
    assert reference == compiled
    if fixture.parent.name == "invalid":
        assert reference


def test_every_shape_compiles(inputs: tuple[list[ox.Quad], list[ox.Quad], list[ox.Quad]]) -> None:
    _, shapes, _ = inputs
    checks = compile_shapes(shapes)
    assert len(checks) > 50
    assert {c.severity for c in checks} == {"Violation", "Warning"}


@pytest.mark.parametrize(("turtle", "expected"), [
    ("<http://e/p>", "<http://e/p>"),
    ("[ sh:inversePath <http://e/p> ]", "^(<http://e/p>)"),
    ("( <http://e/p> <http://e/q> )", "(<http://e/p>/<http://e/q>)"),
    ("[ sh:alternativePath ( <http://e/p> [ sh:zeroOrMorePath <http://e/q> ] ) ]", "(<http://e/p>|(<http://e/q>)*)"),
])
def test_paths_become_sparql_property_paths(turtle: str, expected: str) -> None:
    text = "@prefix sh: <http://www.w3.org/ns/shacl#> . <http://e/s> sh:path " + turtle + " ."
    dataset = ox.Dataset(ox.parse(text.encode(), format=ox.RdfFormat.TURTLE))
    shapes = Shapes(dataset)
    path = shapes.value(ox.NamedNode("http://e/s"), "http://www.w3.org/ns/shacl#path")
    assert path is not None
    assert path_sparql(shapes, path) == expected


def test_integer_subtypes_survive_oxigraph_normalisation() -> None:
    """Oxigraph stores "3"^^xsd:nonNegativeInteger as "3"^^xsd:integer; the compiled datatype check
    accepts an in-range integer and still rejects a negative one or a string."""
    shapes = list(ox.parse(b"""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <http://e/S> sh:targetSubjectsOf <http://e/n> ;
            sh:property [ sh:path <http://e/n> ; sh:datatype xsd:nonNegativeInteger ] .""",
        format=ox.RdfFormat.TURTLE))
    data = list(ox.parse(b"""@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <http://e/ok> <http://e/n> "3"^^xsd:nonNegativeInteger .
        <http://e/negative> <http://e/n> -3 .
        <http://e/text> <http://e/n> "3" .""", format=ox.RdfFormat.TURTLE))
    report = validate_graph(data, shapes=shapes, ontology=[], engine="oxigraph")
    assert sorted(v.focus_node for v in report.violations) == ["http://e/negative", "http://e/text"]
    assert keys(report) == keys(validate_graph(data, shapes=shapes, ontology=[]))


def test_rdfs_in_oxigraph_infers_what_owlrl_infers(
        inputs: tuple[list[ox.Quad], list[ox.Quad], list[ox.Quad]]) -> None:
    ontology, _, data = inputs
    reference = {str(q) for q in infer(ontology, data, semantics="owlrl")}
    fast = {str(q) for q in infer(ontology, data, semantics="oxigraph")}
    assert fast == reference
    assert len(reference) > 100


def _nodes(quads: list[ox.Quad]) -> list[ox.NamedNode | ox.BlankNode]:
    found = {t for q in quads for t in (q.subject, q.object) if isinstance(t, (ox.NamedNode, ox.BlankNode))}
    return sorted(found, key=str)


@pytest.mark.parametrize("every", [1, 7])
def test_the_write_gates_focused_checks_find_what_a_whole_validation_finds(
        inputs: tuple[list[ox.Quad], list[ox.Quad], list[ox.Quad]], every: int) -> None:
    """`FocusValidator` runs only the checks of shapes that target a focus node: on broken data, with
    every node (or every 7th) as focus, it reports exactly the whole validation's results about them.
    A shape left out by its target index would lose its results here."""
    from kg.validation.focused import FocusValidator

    ontology, shapes, data = inputs
    broken = _drop_every(5, 1)(data)
    whole = validate_graph(broken, shapes=shapes, ontology=ontology, engine="oxigraph")
    focus = set(_nodes(broken)[::every])
    names = {n.value for n in focus}
    validator = FocusValidator(shapes, ontology)
    focused = validator.validate(broken, focus)
    expected = {k for k in keys(whole) if k[1] in names}
    assert keys(focused) == expected
    assert len(expected) > (50 if every == 1 else 5)
    assert len(validator.relevant(broken, set(_nodes(broken)[:3]))) < len(validator.checks)
    assert validator.validate(broken, focus) == focused, "a second call sees no leftover of the first"
