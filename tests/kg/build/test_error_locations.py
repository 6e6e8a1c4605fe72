"""`kg validate` reports each problem once, with the file and line where the node is written.

One run over a copy of the sources plus one bad source (the mistakes a newcomer makes: a
statement without a speaker, a misspelt person IRI where a shape asks for an actor and where none
does, wrong offsets on an analysis claim and on a quote), so the test pays for one validation.
`--source` keeps only that source's problems.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.cli import main
from tests.kg.helpers import Tree, copy_tree

ID = "https://w3id.org/tregua/id/"
BAD = "tests-bad"
TEXT = "Gangs are a problem. Nothing else is said here."
BODY = f"""<{ID}source/{BAD}> a tg:Article ; rdfs:label "Tests: a bad source"@en ; tg:textFile "{BAD}.txt" .
<{ID}statement/{BAD}-no-speaker> a tg:Statement ;
    tg:onIssue <{ID}issue/negotiating-with-gangs> ; tg:inSource <{ID}source/{BAD}> ; tg:paraphrase "x"@en .
<{ID}statement/{BAD}-wrong-iri> a tg:Statement ;
    tg:speaker <{ID}person/oscar-ortz> ;
    tg:onIssue <{ID}issue/negotiating-with-gangs> ; tg:inSource <{ID}source/{BAD}> ; tg:paraphrase "y"@en .
<{ID}claim/{BAD}-claim> a tg:AnalysisClaim ;
    tg:claimant <{ID}organization/insightcrime> ; tg:inSource <{ID}source/{BAD}> ;
    tg:paraphrase "Gangs are a problem."@en ;
    tg:position <{ID}claim/{BAD}-claim#position> .
<{ID}claim/{BAD}-claim#position> a tg:TextPosition ; oa:start 3 ; oa:end 10 .
<{ID}claim/{BAD}-about> a tg:AnalysisClaim ; tg:claimant <{ID}organization/insightcrime> ;
    tg:inSource <{ID}source/{BAD}> ; tg:paraphrase "z"@en ; tg:about <{ID}person/oscar-ortix> .
<{ID}quote/{BAD}-quote> a tg:Quote ; tg:text "Nothing else"@en ; tg:inSource <{ID}source/{BAD}> ;
    tg:position <{ID}quote/{BAD}-quote#position> .
<{ID}quote/{BAD}-quote#position> a tg:TextPosition ; oa:start 20 ; oa:end 32 ."""


@pytest.fixture(scope="module")
def bad_tree(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> tuple[Tree, Path]:
    tree = copy_tree(tmp_path_factory.mktemp("bad") / "tree", shared_dir)
    path = tree.add_source(BODY, stem=BAD)
    (tree.sources_dir / f"{BAD}.txt").write_text(TEXT, encoding="utf-8")
    return tree, path


@pytest.fixture(scope="module")
def validated(bad_tree: tuple[Tree, Path]) -> tuple[int, list[str]]:
    """Exit code and every line `kg validate` printed (stdout and stderr), run once."""
    import contextlib
    import io

    tree, _ = bad_tree
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", "-q", *tree.cli_dirs()])
    return code, (out.getvalue() + err.getvalue()).splitlines()


def _lines_about(lines: list[str], *needles: str) -> list[str]:
    return [line for line in lines if all(n in line for n in needles)]


def test_missing_speaker_is_reported_once_with_file_and_line(validated: tuple[int, list[str]],
                                                              bad_tree: tuple[Tree, Path]) -> None:
    code, lines = validated
    tree, path = bad_tree
    found = _lines_about(lines, f"{BAD}-no-speaker", "Violation", "speaker")
    assert code == 1
    assert found == [next(x for x in found if x.startswith(f"{path}:{tree.first_body_line + 1}: Violation: "))]


def test_wrong_iri_is_reported_once_with_file_and_line(validated: tuple[int, list[str]],
                                                       bad_tree: tuple[Tree, Path]) -> None:
    """Under tg:speaker (a shape asks for an actor) the IRI check reports it, at the line that
    writes it, and SHACL's class result about the same value is not printed a second time."""
    _, lines = validated
    tree, path = bad_tree
    found = _lines_about(lines, "oscar-ortz")
    assert len(found) == 1, lines
    assert found[0].startswith(f"error: {path}:{tree.first_body_line + 4}: <{ID}person/oscar-ortz> "
                               "(the object of https://w3id.org/tregua/ontology#speaker) is not described")


def test_wrong_iri_where_no_shape_asks_a_class_is_still_reported(validated: tuple[int, list[str]],
                                                                  bad_tree: tuple[Tree, Path]) -> None:
    """tg:about takes anything, so SHACL cannot see the typo: the IRI check does."""
    _, lines = validated
    tree, path = bad_tree
    found = _lines_about(lines, "oscar-ortix")
    assert len(found) == 1, lines
    assert found[0].startswith(f"error: {path}:{tree.first_body_line + 12}: ")
    assert "ontology#about) is not described by any source" in found[0]


def test_wrong_claim_offsets_are_reported_once_with_file_and_line(validated: tuple[int, list[str]],
                                                                  bad_tree: tuple[Tree, Path]) -> None:
    _, lines = validated
    tree, path = bad_tree
    found = _lines_about(lines, f"{BAD}-claim", "offsets 3..10")
    assert len(found) == 1, lines
    assert found[0].startswith(f"error: {path}:{tree.first_body_line + 10}: ")
    assert "not at the paraphrase 'Gangs are a problem.'" in found[0]
    assert _lines_about(lines, "the paraphrase is at oa:start 0, oa:end 20")


def test_wrong_quote_offsets_are_reported_once_with_file_and_line(validated: tuple[int, list[str]],
                                                                  bad_tree: tuple[Tree, Path]) -> None:
    _, lines = validated
    tree, path = bad_tree
    found = _lines_about(lines, f"{BAD}-quote", "offsets 20..32")
    assert len(found) == 1, lines
    assert found[0].startswith(f"error: {path}:{tree.first_body_line + 15}: ")
    assert "not at the quote 'Nothing else'" in found[0]
    assert _lines_about(lines, "the quote is at oa:start 21, oa:end 33")


def test_no_result_is_printed_twice(validated: tuple[int, list[str]]) -> None:
    _, lines = validated
    results = [line for line in lines if "Violation: <" in line or "Warning: <" in line]
    assert results and len(results) == len(set(results))


def test_source_filter_keeps_only_that_sources_problems(bad_tree: tuple[Tree, Path],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    tree, path = bad_tree
    code = main(["validate", "-q", "--engine", "oxigraph", "--semantics", "oxigraph", "--source", BAD,
                 *tree.cli_dirs()])
    captured = capsys.readouterr()
    lines = (captured.out + captured.err).splitlines()
    assert code == 1
    results = [line for line in lines if "Violation: <" in line or "Warning: <" in line]
    assert results and all(line.startswith(f"{path}:") for line in results)
    assert "in source tests-bad" in lines[-1]


def test_definition_lines_are_indexed_as_the_text_scan_finds_them() -> None:
    """`ParsedFile.definition_line_of` reads an index built once per file; it must name the same
    line as scanning the text for that node (`first_line_mentioning(..., as_subject=True)`)."""
    import pyoxigraph as ox

    from kg import paths
    from kg.build.sources import first_line_mentioning, parse_file

    checked = 0
    for path in sorted(paths.SOURCES_DIR.glob("*.trig")):
        parsed = parse_file(path, graph=f"https://w3id.org/tregua/graph/source/{path.stem}")
        nodes = {t.value for q in parsed.quads for t in (q.subject, q.object) if isinstance(t, ox.NamedNode)}
        for iri in nodes:
            scanned = first_line_mentioning(parsed.text, iri, as_subject=True)
            assert parsed.definition_line_of(iri) == (scanned or parsed.line_of(iri)), (path.name, iri)
            checked += 1
    assert checked > 100
