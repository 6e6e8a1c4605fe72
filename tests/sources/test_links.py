"""The Wikidata links graph: only checked QIDs, only reviewed mappings, every other entity marked.

A bad row in sources/wikidata-links.csv must stop the build with the file and line named.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import iris
from kg.build.links import (
    LINKS_FILE,
    NOT_LINKED,
    SKOS_EXACT_MATCH,
    LinkRow,
    is_linkable,
    links_quads,
    read_link_table,
    write_link_table,
)
from kg.errors import BuildError

HEADER = "label,qid,iri\n"
EL_SALVADOR = iris.entity_iri("place", "el-salvador")
TIM_MUTH = iris.entity_iri("person", "tim-muth")
ARENA = iris.entity_iri("organization", "arena")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "wikidata-links.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_reviewed_mapping_gives_links_and_marks(shared_dir: Path, tmp_path: Path) -> None:
    links = write(tmp_path, HEADER + f"El Salvador,Q792,{EL_SALVADOR}\n")
    entities = {EL_SALVADOR, TIM_MUTH, iris.entity_iri("statement", "tim-muth-no-open-dialogue")}
    quads = links_quads(shared_dir, entities, links_file=links)
    assert {(q.subject.value, q.predicate, q.object) for q in quads} == {
        (EL_SALVADOR, SKOS_EXACT_MATCH, ox.NamedNode("http://www.wikidata.org/entity/Q792")),
        (TIM_MUTH, ox.NamedNode(iris.TG + "linkStatus"), NOT_LINKED),
    }
    assert {q.graph_name for q in quads} == {ox.NamedNode(iris.GRAPH_WIKIDATA)}


def test_a_qid_outside_the_reference_names_the_line(shared_dir: Path, tmp_path: Path) -> None:
    links = write(tmp_path, HEADER + f"El Salvador,Q792,{EL_SALVADOR}\nARENA,Q4242,{ARENA}\n")
    with pytest.raises(BuildError) as caught:
        links_quads(shared_dir, {EL_SALVADOR, ARENA}, links_file=links)
    assert caught.value.where is not None and caught.value.where.line == 3
    assert "Q4242" in str(caught.value) and "wikidata.tsv" in str(caught.value)


def test_a_label_that_differs_from_the_reference_names_the_line(shared_dir: Path, tmp_path: Path) -> None:
    links = write(tmp_path, HEADER + f"ARENA,Q1146480,{ARENA}\n")
    with pytest.raises(BuildError) as caught:
        links_quads(shared_dir, {ARENA}, links_file=links)
    assert caught.value.where is not None and caught.value.where.line == 2
    assert "Nationalist Republican Alliance (ARENA)" in str(caught.value)


def test_an_iri_no_source_describes_is_refused(shared_dir: Path, tmp_path: Path) -> None:
    links = write(tmp_path, HEADER + "National Coalition Party (PCN),Q1123900,"
                  + iris.entity_iri("organization", "pcn") + "\n")
    with pytest.raises(BuildError, match="not an entity of any source"):
        links_quads(shared_dir, {EL_SALVADOR}, links_file=links)


def test_one_qid_for_two_entities_is_refused(shared_dir: Path, tmp_path: Path) -> None:
    other = iris.entity_iri("place", "somewhere")
    links = write(tmp_path, HEADER + f"El Salvador,Q792,{EL_SALVADOR}\nEl Salvador,Q792,{other}\n")
    with pytest.raises(BuildError, match="mapped twice"):
        links_quads(shared_dir, {EL_SALVADOR, other}, links_file=links)


def test_a_short_row_and_a_wrong_header_are_refused(shared_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="expected 3 columns"):
        links_quads(shared_dir, {EL_SALVADOR}, links_file=write(tmp_path, HEADER + "El Salvador,Q792\n"))
    with pytest.raises(BuildError, match="header"):
        links_quads(shared_dir, {EL_SALVADOR}, links_file=write(tmp_path, "name,qid,iri\n"))


@pytest.mark.parametrize(("iri", "linkable"), [
    (iris.entity_iri("person", "oscar-ortiz"), True),
    (iris.entity_iri("organization", "ms13"), True),
    (iris.entity_iri("place", "el-salvador"), True),
    (iris.entity_iri("post", "police-director"), True),
    (iris.entity_iri("event", "gang-truce-2012"), True),
    (iris.entity_iri("quote", "tim-muth-extreme-distaste"), False),
    (iris.entity_iri("stance", "tim-muth-negotiation-sceptical"), False),
    (iris.entity_iri("quote", "tim-muth-extreme-distaste") + "#position", False),
    ("http://www.wikidata.org/entity/Q792", False),
])
def test_which_entities_are_linkable(iri: str, linkable: bool) -> None:
    assert is_linkable(iri) is linkable


def test_the_project_mapping_uses_only_reference_rows(shared_dir: Path) -> None:
    reference = (shared_dir / "reference" / "wikidata.tsv").read_text(encoding="utf-8").splitlines()
    checked = {tuple(line.split("\t")[:2]) for line in reference[1:]}
    rows = read_link_table(LINKS_FILE)
    assert rows and all((row.label, row.qid) in checked for row in rows)


def test_writing_the_mapping_keeps_it_readable_and_sorted(tmp_path: Path) -> None:
    rows = [LinkRow("El Salvador", "Q792", EL_SALVADOR, 0),
            LinkRow("Legislative Assembly of El Salvador", "Q1812873",
                    iris.entity_iri("organization", "legislative-assembly"), 0)]
    path = tmp_path / "links.csv"
    write_link_table(rows, path)
    assert [(r.label, r.line) for r in read_link_table(path)] == [("Legislative Assembly of El Salvador", 2),
                                                                  ("El Salvador", 3)]
