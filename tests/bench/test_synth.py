"""The synthetic benchmark graphs keep the real graph's shape and conform to the shapes."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from bench.synth import generate, template, write_sources
from kg import iris, paths
from kg.build.pipeline import build
from kg.build.sources import Sources, load_graph_dir
from kg.validation.shacl import validate_graph

RDF_TYPE = iris.PREFIXES["rdf"] + "type"


def count_of(quads: list[ox.Quad], cls: str) -> int:
    return sum(1 for q in quads if q.predicate.value == RDF_TYPE and q.object.value == cls)  # type: ignore[union-attr]


def test_synthetic_graph_is_whole_replicas_that_conform(tmp_path: Path, shared_dir: Path) -> None:
    one = template(shared_dir)
    path, n = generate(3 * len(one) - 5, tmp_path, shared_dir=shared_dir)
    quads = list(ox.parse(path=path, format=ox.RdfFormat.N_QUADS))
    assert n == len(quads) == 3 * len(one)
    classes = {q.object.value for q in one if q.predicate.value == RDF_TYPE}  # type: ignore[union-attr]
    assert {iris.TG + c for c in ("Person", "Statement", "Quote", "Stance", "Condition", "Tenure")} <= classes
    for cls in classes:
        assert count_of(quads, cls) == 3 * count_of(one, cls), cls
    assert len({q.subject for q in quads}) == 3 * len({q.subject for q in one})
    ontology = Sources.quads_of(load_graph_dir(paths.ONTOLOGY_DIR, graph=iris.GRAPH_ONTOLOGY))
    shapes = Sources.quads_of(load_graph_dir(paths.SHAPES_DIR, graph=iris.GRAPH_SHAPES))
    report = validate_graph(quads, shapes=shapes, ontology=ontology, engine="oxigraph")
    assert report.conforms, report.lines()[:5]
    again, _ = generate(3 * len(one) - 5, tmp_path, shared_dir=shared_dir)
    assert again.read_bytes() == path.read_bytes()


def test_synthetic_sources_build(tmp_path: Path, shared_dir: Path) -> None:
    size = 2 * len(template(shared_dir))
    sources, written = write_sources(size, tmp_path / "sources", shared_dir=shared_dir)
    report = build(tmp_path / "store", shared_dir=shared_dir, sources_dir=sources, progress=False,
                   engine="oxigraph", semantics="oxigraph")
    assert report.total > written
    assert sum(1 for g in report.graphs if g.startswith(iris.GRAPH_SOURCE_PREFIX)) == \
        2 * sum(1 for _ in paths.SOURCES_DIR.glob("*.trig"))
