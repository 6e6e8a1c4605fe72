"""`kg new-source` scaffolds a source that validates; `kg locate` finds words once, or says why not."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import iris, paths
from kg.authoring import find_all, locate
from kg.cli import main
from kg.errors import BadRequest, NotFound

SEED = "insightcrime-2017-01-ms13-dialogue"
TEXT = "Nothing is agreed. “We will not talk,” said the minister. Nothing is agreed.\n"


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    folder = tmp_path / "sources"
    folder.mkdir()
    return folder


def _new(sources: Path, tmp_path: Path, *extra: str) -> int:
    text = tmp_path / "article.txt"
    text.write_text(TEXT, encoding="utf-8")
    return main(["new-source", "tests-new-article", "--text", str(text), "--sources-dir", str(sources), *extra])


def test_new_source_writes_the_trig_and_the_text(sources: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code = _new(sources, tmp_path, "--title", 'A "quoted" title', "--publisher", "insightcrime",
                "--date", "2017-02", "--url", "https://example.org/a", "--licence", "CC BY-NC 3.0")
    assert code == 0
    assert (sources / "tests-new-article.txt").read_text(encoding="utf-8") == TEXT
    quads = list(ox.parse(path=sources / "tests-new-article.trig", format=ox.RdfFormat.TRIG, base_iri=iris.BASE))
    assert {q.graph_name.value for q in quads} == {iris.source_graph("tests-new-article")}  # type: ignore[union-attr]
    facts = {(q.predicate.value, q.object.value) for q in quads
             if q.subject.value == iris.BASE + "id/source/tests-new-article"}
    assert facts == {
        (iris.PREFIXES["rdf"] + "type", iris.TG + "Article"),
        (iris.PREFIXES["rdfs"] + "label", 'A "quoted" title'),
        (iris.TG + "publisher", iris.BASE + "id/organization/insightcrime"),
        (iris.TG + "date", "2017-02"),
        (iris.TG + "url", "https://example.org/a"),
        (iris.PREFIXES["dct"] + "license", "CC BY-NC 3.0"),
        (iris.TG + "textFile", "tests-new-article.txt"),
    }
    assert "kg locate tests-new-article" in capsys.readouterr().out


def test_the_scaffold_declares_a_prefix_for_every_kind(sources: Path, tmp_path: Path) -> None:
    """A stance or a condition (what a new statement usually comes with) needs no prefix added by hand."""
    assert _new(sources, tmp_path, "--publisher", "insightcrime") == 0
    trig = sources / "tests-new-article.trig"
    body = ("stance:tests-x a tg:Stance ; tg:expressedIn statement:tests-x .\n"
            "condition:tests-x a tg:Condition .\ntenure:tests-x a tg:Tenure .\n"
            "participation:tests-x a tg:Participation .\n}\n")
    trig.write_text(trig.read_text(encoding="utf-8").rstrip().removesuffix("}") + body, encoding="utf-8")
    quads = list(ox.parse(path=trig, format=ox.RdfFormat.TRIG, base_iri=iris.BASE))
    subjects = {q.subject.value for q in quads}
    for kind in ("stance", "condition", "tenure", "participation"):
        assert f"{iris.BASE}id/{kind}/tests-x" in subjects


def test_a_known_publisher_gets_no_stub(sources: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _new(sources, tmp_path, "--publisher", "insightcrime") == 0
    assert "note:" not in capsys.readouterr().out
    assert "# organization:insightcrime a tg:Organization" not in (
        sources / "tests-new-article.trig").read_text(encoding="utf-8")


def test_a_new_publisher_gets_a_stub_to_fill_in_and_a_note(sources: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """The scaffold points at an organization nobody describes: say so, and leave the block to fill
    in (commented: its name is not ours to invent, and `kg validate` names the line until it is)."""
    assert _new(sources, tmp_path, "--publisher", "tests-weekly") == 0
    out = capsys.readouterr().out
    assert "note: no source describes organization:tests-weekly" in out
    trig = (sources / "tests-new-article.trig").read_text(encoding="utf-8")
    assert "# organization:tests-weekly a tg:Organization ;" in trig
    uncommented = trig.replace("# organization:tests-weekly", "organization:tests-weekly").replace(
        '#     rdfs:label "NAME"', '    rdfs:label "NAME"')
    quads = list(ox.parse(uncommented.encode(), format=ox.RdfFormat.TRIG, base_iri=iris.BASE))
    assert ox.NamedNode(iris.BASE + "id/organization/tests-weekly") in {q.subject for q in quads}


def test_new_source_refuses_a_bad_slug(sources: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new-source", "Bad_Slug", "--sources-dir", str(sources)]) == 2
    err = capsys.readouterr().err
    assert "'Bad_Slug' is not a slug" in err and "how to fix: use lowercase" in err
    assert list(sources.iterdir()) == []


def test_new_source_refuses_an_existing_source(sources: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert _new(sources, tmp_path) == 0
    before = (sources / "tests-new-article.trig").read_text(encoding="utf-8")
    assert _new(sources, tmp_path, "--title", "Another") == 2
    assert "a source named 'tests-new-article' already exists" in capsys.readouterr().err
    assert (sources / "tests-new-article.trig").read_text(encoding="utf-8") == before


def test_new_source_refuses_the_real_seed_slug(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new-source", SEED]) == 2
    assert f"{paths.SOURCES_DIR / SEED}.trig" in capsys.readouterr().err


def test_locate_found_once_prints_offsets_and_a_snippet(sources: Path, tmp_path: Path) -> None:
    _new(sources, tmp_path)
    out = locate("tests-new-article", "We will not talk,", sources_dir=sources, name="tests-q")
    start = TEXT.index("We will not talk,")
    assert f"oa:start {start}, oa:end {start + len('We will not talk,')}" in out.splitlines()[0]
    assert f'oa:start "{start}"^^xsd:nonNegativeInteger' in out
    assert "quote:tests-q a tg:Quote" in out and "tg:inSource source:tests-new-article" in out


def test_locate_in_the_seed_reads_the_shared_text(shared_dir: Path, article_text: str) -> None:
    words = "targeted with all of the security forces,"
    out = locate(SEED, words, shared_dir=shared_dir)
    at = article_text.index(words)
    assert f"oa:start {at}, oa:end {at + len(words)}" in out


def test_locate_not_found_says_why(sources: Path, tmp_path: Path) -> None:
    _new(sources, tmp_path)
    with pytest.raises(NotFound, match="other quotes, apostrophes"):
        locate("tests-new-article", '"We will not talk,"', sources_dir=sources)  # straight quotes
    with pytest.raises(NotFound, match="do not occur in the text"):
        locate("tests-new-article", "We will talk", sources_dir=sources)


def test_locate_found_twice_says_where(sources: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _new(sources, tmp_path)
    code = main(["locate", "tests-new-article", "Nothing is agreed.", "--sources-dir", str(sources)])
    err = capsys.readouterr().err
    second = TEXT.rindex("Nothing is agreed.")
    assert code == 2
    assert "occur 2 times" in err and f"0..18 (line 1); {second}..{second + 18} (line 1)" in err
    assert "how to fix: give more of the surrounding words" in err


def test_find_all_counts_lines() -> None:
    assert [(x.start, x.line) for x in find_all("a\nb a\n\na", "a")] == [(0, 1), (4, 2), (7, 4)]


def test_locate_an_unknown_source() -> None:
    with pytest.raises(NotFound, match="no source 'tests-nowhere'"):
        locate("tests-nowhere", "x")
    with pytest.raises(BadRequest, match="no words"):
        locate(SEED, "")
