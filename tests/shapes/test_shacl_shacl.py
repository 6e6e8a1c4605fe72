"""Our shapes are valid SHACL, checked against SHACL's own shapes (shacl-shacl, shipped with pyshacl)."""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
import rdflib

from tests.ontology import graphs

SHACL_SHACL = Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl"

BROKEN = {
    "empty property shape": "tg:BrokenShape a sh:NodeShape ; sh:targetClass tg:Actor ; sh:property [ ] .",
    "string target": 'tg:BrokenShape a sh:NodeShape ; sh:targetClass "tg:Actor" .',
    "two paths": "tg:BrokenShape-p a sh:PropertyShape ; sh:path tg:speaker , tg:reportedBy .",
    "minCount as a string": 'tg:BrokenShape-p a sh:PropertyShape ; sh:path tg:speaker ; sh:minCount "1" .',
}
PREFIXES = "@prefix tg: <https://w3id.org/tregua/ontology#> .\n@prefix sh: <http://www.w3.org/ns/shacl#> .\n"


def against_shacl_shacl(shapes: rdflib.Graph) -> tuple[bool, str]:
    shacl_shacl = rdflib.Graph().parse(SHACL_SHACL)
    conforms, _, text = pyshacl.validate(shapes, shacl_graph=shacl_shacl, inference="none")
    return bool(conforms), str(text)


@pytest.mark.parametrize("path", graphs.SHAPES_FILES, ids=lambda p: p.name)
def test_shapes_file_conforms_to_shacl_shacl(path: Path) -> None:
    conforms, text = against_shacl_shacl(rdflib.Graph().parse(path))
    assert conforms, text


@pytest.mark.parametrize("turtle", BROKEN.values(), ids=list(BROKEN))
def test_shacl_shacl_rejects_a_broken_shape(turtle: str) -> None:
    """The check above can fail: shapes nobody validated are caught."""
    conforms, _ = against_shacl_shacl(rdflib.Graph().parse(data=PREFIXES + turtle, format="turtle"))
    assert not conforms
