"""Links added with `kg link` survive `kg build`: they are recorded in reviewed-links.csv, which the build reads.

`kg link` records each accepted row (iri,qid,reviewer,date,note) only after the gated store write
succeeded; the build turns every row into the same link and review record (`kg.build.links.review_quads`).
The tests use temporary copies of the store, the sources and the reviewed-links file only.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import iris
from kg.build.links import ReviewedLink, links_quads, read_reviewed_links, review_quads, write_reviewed_links
from kg.build.pipeline import build, build_memory_store
from kg.cli import main
from kg.errors import BuildError
from kg.paths import SOURCES_DIR
from tests.kg.linking.review.conftest import EL_SALVADOR, EXACT_MATCH, LINK_STATUS, NOT_LINKED, Q792, WIKIDATA_GRAPH

ID = iris.BASE + "id/"
HEADER = "iri,qid,reviewer,date,note\n"
ARENA = iris.entity_iri("organization", "arena")
TIM_MUTH = iris.entity_iri("person", "tim-muth")
OSCAR_ORTIZ = iris.entity_iri("person", "oscar-ortiz")


def quads(path: Path) -> set[str]:
    store = ox.Store.read_only(str(path))
    return {str(q) for q in store}


def sources_without_el_salvador_row(tmp_path: Path) -> Path:
    """A copy of sources whose reference mapping lacks El Salvador's row (as the store copy does)."""
    copy = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR, copy)
    mapping = copy / "wikidata-links.csv"
    lines = mapping.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.rstrip().endswith("/place/el-salvador")]
    assert len(kept) == len(lines) - 1
    mapping.write_text("".join(kept), encoding="utf-8")
    return copy


@pytest.fixture
def unlinked(tmp_path: Path, shared_dir: Path) -> tuple[Path, Path]:
    """A store built from a copy of the sources where El Salvador is not linked, and that copy."""
    sources = sources_without_el_salvador_row(tmp_path)
    store = tmp_path / "store"
    build(store, shared_dir=shared_dir, sources_dir=sources, progress=False)
    check = ox.Store.read_only(str(store))
    assert ox.Quad(EL_SALVADOR, LINK_STATUS, NOT_LINKED, WIKIDATA_GRAPH) in check
    del check
    return store, sources


def test_a_reviewed_link_survives_a_rebuild(unlinked: tuple[Path, Path], tmp_path: Path, shared_dir: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    store, sources = unlinked
    record = tmp_path / "reviewed.csv"
    shutil.copyfile(SOURCES_DIR / "reviewed-links.csv", record)
    candidates = tmp_path / "candidates.csv"
    candidates.write_text("iri,qid,reviewer,note\n"
                          f'{ID}place/el-salvador,Q792,Ana Pérez,"country, as in reference/wikidata.tsv"\n',
                          encoding="utf-8")
    assert main(["link", str(candidates), "--store", str(store), "--date", "2026-11-28",
                 "--reviewed-links", str(record)]) == 0
    assert f"recorded in {record}" in capsys.readouterr().err
    assert read_reviewed_links(record) == [
        ReviewedLink(f"{ID}place/el-salvador", "Q792", "Ana Pérez", "2026-11-28",
                     "country, as in reference/wikidata.tsv", 2)]
    linked = quads(store)
    review = review_quads(f"{ID}place/el-salvador", "Q792", reviewer="Ana Pérez", reviewed_on="2026-11-28",
                          note="country, as in reference/wikidata.tsv")
    assert len(review) == 8 and {str(q) for q in review} <= linked
    assert str(ox.Quad(EL_SALVADOR, EXACT_MATCH, Q792, WIKIDATA_GRAPH)) in linked

    # Without the record, a rebuild loses the link (the bug this file fixes) ...
    rebuilt = tmp_path / "rebuilt"
    build(rebuilt, shared_dir=shared_dir, sources_dir=sources, progress=False)
    assert not {str(q) for q in review} & quads(rebuilt)
    # ... with it, the rebuilt store is the linked store, quad for quad (links, reviews, inferences).
    shutil.copyfile(record, sources / "reviewed-links.csv")
    build(rebuilt, shared_dir=shared_dir, sources_dir=sources, progress=False)
    assert quads(rebuilt) == linked

    # Linking the same file again is a no-op, in the store and in the record.
    before = record.read_text(encoding="utf-8")
    assert main(["link", str(candidates), "--store", str(rebuilt), "--reviewed-links", str(record)]) == 0
    assert "0 link(s) added, 1 already in place" in capsys.readouterr().err
    assert record.read_text(encoding="utf-8") == before and quads(rebuilt) == linked


def test_a_refused_file_records_nothing(unlinked: tuple[Path, Path], tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    store, _sources = unlinked
    record = tmp_path / "reviewed.csv"
    shutil.copyfile(SOURCES_DIR / "reviewed-links.csv", record)
    before = record.read_text(encoding="utf-8")
    candidates = tmp_path / "candidates.csv"
    candidates.write_text(f"iri,qid,reviewer,note\n{ID}place/el-salvador,Q792,,\n", encoding="utf-8")
    assert main(["link", str(candidates), "--store", str(store), "--reviewed-links", str(record)]) == 2
    assert "the reviewer cell is empty" in capsys.readouterr().err
    assert record.read_text(encoding="utf-8") == before


def test_a_malformed_record_stops_kg_link_before_writing(unlinked: tuple[Path, Path], tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    store, _sources = unlinked
    record = tmp_path / "reviewed.csv"
    record.write_text("iri,qid\n", encoding="utf-8")
    candidates = tmp_path / "candidates.csv"
    candidates.write_text(f"iri,qid,reviewer,note\n{ID}place/el-salvador,Q792,Ana,\n", encoding="utf-8")
    before = quads(store)
    assert main(["link", str(candidates), "--store", str(store), "--reviewed-links", str(record)]) != 0
    assert "the header should be 'iri,qid,reviewer,date,note'" in capsys.readouterr().err
    assert quads(store) == before


def test_the_repository_file_is_a_header_and_the_default(reviewed_links: Path) -> None:
    assert (SOURCES_DIR / "reviewed-links.csv").read_text(encoding="utf-8").startswith(HEADER)
    assert reviewed_links.read_text(encoding="utf-8") == (SOURCES_DIR / "reviewed-links.csv").read_text(
        encoding="utf-8")


def test_rows_are_written_sorted_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "reviewed.csv"
    rows = [ReviewedLink(TIM_MUTH, "Q5", "Ana", "2026-11-28", 'a "blog", cited\non two lines'),
            ReviewedLink(ARENA, "Q1146480", "Luis", "2026-11-27", "")]
    write_reviewed_links(rows, path)
    assert [(r.iri, r.line) for r in read_reviewed_links(path)] == [(ARENA, 2), (TIM_MUTH, 3)]
    assert read_reviewed_links(path)[1].note == 'a "blog", cited\non two lines'
    assert not (tmp_path / "reviewed.csv.part").exists()


def test_build_emits_the_review_records(shared_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "reviewed.csv"
    path.write_text(HEADER + f"{TIM_MUTH},Q5,Ana,2026-11-28,checked\n", encoding="utf-8")
    found = links_quads(shared_dir, {TIM_MUTH, OSCAR_ORTIZ}, links_file=None, reviewed_file=path)
    assert {str(q) for q in found} == {str(q) for q in review_quads(
        TIM_MUTH, "Q5", reviewer="Ana", reviewed_on="2026-11-28", note="checked")} | {
        str(ox.Quad(ox.NamedNode(OSCAR_ORTIZ), LINK_STATUS, NOT_LINKED, WIKIDATA_GRAPH))}


@pytest.mark.parametrize(("body", "line", "message"), [
    (f"\n{TIM_MUTH},Q-5,Ana,2026-11-28,", 3, "'Q-5' is not a Wikidata QID"),
    (f"{TIM_MUTH},https://www.wikidata.org/wiki/Q5,Ana,2026-11-28,", 2, "write Q5, not the address"),
    (f"{ID}person/nobody,Q5,Ana,2026-11-28,", 2, "is not an entity of any source"),
    (f"{ID}quote/tim-muth-extreme-distaste,Q5,Ana,2026-11-28,", 2, "of a kind Wikidata holds items for"),
    (f"{TIM_MUTH},Q5,,2026-11-28,", 2, "the reviewer cell is empty"),
    (f"{TIM_MUTH},Q5,Ana,28/11/2026,", 2, "is not a day written YYYY-MM-DD"),
    (f'{OSCAR_ORTIZ},Q6,Ana,2026-11-28,"two\nlines"\n{TIM_MUTH},Q5,Ana,2026-11-28', 4, "expected 5 columns"),
    (f"{OSCAR_ORTIZ},Q5,Ana,2026-11-28,\n{TIM_MUTH},Q5,Ana,2026-11-28,", 3, "reviewed twice (first on line 2)"),
    (f"{ARENA},Q5,Ana,2026-11-28,", 2, "is linked to Q1146480 by wikidata-links.csv, not Q5"),
    (f"{TIM_MUTH},Q792,Ana,2026-11-28,", 2, f"Q792 is the link of {EL_SALVADOR.value}"),
])
def test_a_bad_row_stops_the_build_naming_its_line(shared_dir: Path, tmp_path: Path, body: str, line: int,
                                                   message: str) -> None:
    path = tmp_path / "reviewed.csv"
    path.write_text(HEADER + body + "\n", encoding="utf-8")
    mapping = tmp_path / "wikidata-links.csv"
    mapping.write_text(f"label,qid,iri\nEl Salvador,Q792,{EL_SALVADOR.value}\n"
                       f"Nationalist Republican Alliance (ARENA),Q1146480,{ARENA}\n", encoding="utf-8")
    entities = {TIM_MUTH, OSCAR_ORTIZ, ARENA, EL_SALVADOR.value,
                iris.entity_iri("quote", "tim-muth-extreme-distaste")}
    with pytest.raises(BuildError) as caught:
        links_quads(shared_dir, entities, links_file=mapping, reviewed_file=path)
    assert message in str(caught.value)
    assert caught.value.where is not None and caught.value.where.file == str(path)
    assert caught.value.where.line == line


def test_the_build_reads_the_file_of_the_sources_it_builds(shared_dir: Path, tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR, sources)
    (sources / "reviewed-links.csv").write_text(HEADER + f"{ID}person/nobody,Q5,Ana,2026-11-28,\n",
                                                encoding="utf-8")
    with pytest.raises(BuildError) as caught:
        build_memory_store(shared_dir=shared_dir, sources_dir=sources)
    assert caught.value.where is not None and caught.value.where.line == 2
    assert caught.value.where.file == str(sources / "reviewed-links.csv")


def test_a_new_review_replaces_the_rows_it_contradicts() -> None:
    from datetime import date

    from kg.linking.candidates import Candidate, LinkPlan
    from kg.linking.review import recorded_rows

    old = [ReviewedLink(TIM_MUTH, "Q5", "Ana", "2026-11-01", ""), ReviewedLink(ARENA, "Q7", "Ana", "2026-11-01", ""),
           ReviewedLink(OSCAR_ORTIZ, "Q9", "Ana", "2026-11-01", "")]
    plan = LinkPlan(linked=[Candidate(2, TIM_MUTH, "Q6", "Luis", "retyped"), Candidate(3, EL_SALVADOR.value, "Q7",
                                                                                      "Luis", "")])
    assert recorded_rows(plan, old, reviewed_on=date(2026, 11, 28)) == [
        ReviewedLink(OSCAR_ORTIZ, "Q9", "Ana", "2026-11-01", ""),
        ReviewedLink(TIM_MUTH, "Q6", "Luis", "2026-11-28", "retyped"),
        ReviewedLink(EL_SALVADOR.value, "Q7", "Luis", "2026-11-28", ""),
    ]
