"""Bad input stops the build with a message naming file and line (or node and rule), and the
store in place keeps exactly the quads it had."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg import iris
from kg.build.pipeline import build
from kg.errors import BuildError
from kg.store import store_version
from tests.kg.helpers import EXTRA, Tree, copy_tree, nquads

QUOTE = "They have to stop murdering citizens, extorting families, killing police, murdering soldiers"
QUOTE_START = 994  # where QUOTE starts in ../shared/seed/article.txt (checked by test_quote_constant)


@pytest.fixture(scope="module")
def good_store(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> tuple[Path, bytes, str]:
    """A store built from the real sources: every failed build below must leave it as it is."""
    path = tmp_path_factory.mktemp("good") / "store"
    build(path, shared_dir=shared_dir, progress=False)
    return path, nquads(path), store_version(path)


@pytest.fixture
def tree(tmp_path: Path, shared_dir: Path) -> Tree:
    return copy_tree(tmp_path / "tree", shared_dir)


def fails(tree: Tree, good_store: tuple[Path, bytes, str]) -> BuildError:
    """Build over the good store from the edited tree; expect failure and an untouched store."""
    path, before, version = good_store
    with pytest.raises(BuildError) as info:
        build(path, progress=False, **tree.dirs())
    assert nquads(path) == before
    assert store_version(path) == version
    assert not list(path.parent.glob(".store.building-*")), "the half-built store was not cleaned up"
    return info.value


def test_quote_constant(article_text: str) -> None:
    assert article_text[QUOTE_START:QUOTE_START + len(QUOTE)] == QUOTE


def test_malformed_turtle_names_file_and_line(tree: Tree, good_store: tuple[Path, bytes, str]) -> None:
    path = tree.add_source("id:person:x a tg:Person .\n"  # line 1: fine (a prefixed name with two colons)
                           .replace("id:person:x", "<https://w3id.org/tregua/id/person/x>")
                           + "<https://w3id.org/tregua/id/person/x> rdfs:label \"X\"@en\n"  # line 2: no dot
                           + "<https://w3id.org/tregua/id/person/y> a tg:Person .")
    err = fails(tree, good_store)
    bad_line = tree.first_body_line + 2
    assert f"{path}:{bad_line}:" in str(err)
    assert err.where is not None and err.where.line == bad_line
    assert err.hint and "syntax" in err.hint


def test_undeclared_prefix_names_line(tree: Tree, good_store: tuple[Path, bytes, str]) -> None:
    path = tree.add_source("<https://w3id.org/tregua/id/person/x> nope:label \"X\"@en .")
    err = fails(tree, good_store)
    assert f"{path}:{tree.first_body_line}:" in str(err)
    assert "nope:" in str(err)


def test_undeclared_ontology_term(tree: Tree, good_store: tuple[Path, bytes, str]) -> None:
    path = tree.add_source('<https://w3id.org/tregua/id/person/x> a tg:Person ;\n'
                           '    tg:spokesmanOf <https://w3id.org/tregua/id/organization/ms13> .')
    err = fails(tree, good_store)
    assert f"unknown property {iris.TG}spokesmanOf" in str(err)
    assert err.where is not None and (err.where.file, err.where.line) == (str(path), tree.first_body_line + 1)
    assert err.hint and "declare" in err.hint


def test_misspelt_aligned_term(tree: Tree, good_store: tuple[Path, bytes, str]) -> None:
    path = tree.add_source('<https://w3id.org/tregua/id/organization/x> a tg:Organization ;\n'
                           '    rdfs:label "X"@en ;\n'
                           '    org:subOrganzationOf <https://w3id.org/tregua/id/organization/y> .')
    err = fails(tree, good_store)
    assert "unknown property http://www.w3.org/ns/org#subOrganzationOf" in str(err)
    assert f"{path}:{tree.first_body_line + 2}" in str(err)


def test_undeclared_class(tree: Tree, good_store: tuple[Path, bytes, str]) -> None:
    tree.add_source('<https://w3id.org/tregua/id/person/x> a tg:Persn .')
    err = fails(tree, good_store)
    assert f"unknown class {iris.TG}Persn" in str(err)


def test_duplicated_slug_two_labels(tree: Tree, good_store: tuple[Path, bytes, str]) -> None:
    path = tree.add_source('<https://w3id.org/tregua/id/person/ortiz> a tg:Person ;\n'
                           '    rdfs:label "Óscar Ortiz"@en, "Oscar Ortega"@en .')
    err = fails(tree, good_store)
    assert "duplicated slug" in str(err) and "id/person/ortiz" in str(err)
    assert f"{path}:{tree.first_body_line}" in str(err)
    assert err.hint and "own slug" in err.hint


def test_duplicated_slug_two_types(tree: Tree, good_store: tuple[Path, bytes, str]) -> None:
    tree.add_source('<https://w3id.org/tregua/id/organization/mundo> a tg:NewsOutlet, tg:Gang .')
    err = fails(tree, good_store)
    assert "duplicated slug" in str(err)
    assert f"{iris.TG}Gang" in str(err) and f"{iris.TG}NewsOutlet" in str(err)


def test_type_against_kind(tree: Tree, good_store: tuple[Path, bytes, str]) -> None:
    tree.add_source('<https://w3id.org/tregua/id/person/ms13> a tg:Gang .')
    err = fails(tree, good_store)
    assert "its IRI says it is a person" in str(err)


def test_malformed_entity_iri(tree: Tree, good_store: tuple[Path, bytes, str]) -> None:
    tree.add_source('<https://w3id.org/tregua/id/persons/Oscar_Ortiz> a tg:Person .')
    err = fails(tree, good_store)
    assert "malformed entity IRI" in str(err)


def test_triple_outside_the_files_graph(tree: Tree, good_store: tuple[Path, bytes, str]) -> None:
    path = tree.sources_dir / f"{EXTRA}.trig"
    path.write_text('<https://w3id.org/tregua/id/person/x> a <https://w3id.org/tregua/ontology#Person> .\n',
                    encoding="utf-8")
    err = fails(tree, good_store)
    assert "the default graph" in str(err) and f"{path}:1" in str(err)
    assert err.hint and iris.source_graph(EXTRA) in err.hint


def _quote_source(start: int, end: int) -> str:
    return f"""
<https://w3id.org/tregua/id/source/tests-article> a tg:Article ; tg:textFile "seed/article.txt" .
<https://w3id.org/tregua/id/quote/tests-q> a tg:Quote ;
    tg:text "{QUOTE}"@en ;
    tg:inSource <https://w3id.org/tregua/id/source/tests-article> ;
    tg:position <https://w3id.org/tregua/id/quote/tests-q#position> .
<https://w3id.org/tregua/id/quote/tests-q#position> a tg:TextPosition ;
    oa:start {start} ; oa:end {end} ."""


def test_quote_offsets_that_do_not_match(tree: Tree, good_store: tuple[Path, bytes, str]) -> None:
    path = tree.add_source(_quote_source(QUOTE_START - 4, QUOTE_START - 4 + len(QUOTE)))
    err = fails(tree, good_store)
    assert "id/quote/tests-q" in str(err) and "not at the quote" in str(err)
    assert f"{path}:{tree.first_body_line + 6}" in str(err)  # where the position (and its offsets) is written
    assert err.hint is not None
    assert err.hint.startswith(f"the quote is at oa:start {QUOTE_START}, oa:end {QUOTE_START + len(QUOTE)};")


def test_shacl_violation_names_node_and_rule(tree: Tree, good_store: tuple[Path, bytes, str]) -> None:
    """A shape of our own (so the test does not depend on how shapes/ evolves) and data breaking it."""
    tree.add_test_class()
    tree.add_shapes("""
<https://w3id.org/tregua/shapes#TestsThingShape> a sh:NodeShape ;
    sh:targetClass tg:TestsThing ;
    sh:property [ sh:path tg:testsPart ; sh:minCount 1 ; sh:severity sh:Violation ;
                  sh:message "a tests thing needs a part (tg:testsPart)" ] .
""")
    path = tree.add_source('<https://w3id.org/tregua/tests/nobody> a tg:TestsThing .')
    err = fails(tree, good_store)
    assert err.where is not None and (err.where.file, err.where.line) == (str(path), tree.first_body_line)
    assert str(err).startswith(f"{path}:{tree.first_body_line}: SHACL: 1 violation(s); first: "
                               "Violation: <https://w3id.org/tregua/tests/nobody> "
                               f"{iris.TG}testsPart [sh:MinCountConstraintComponent]: "
                               "a tests thing needs a part (tg:testsPart)")
    assert err.hint and "kg validate" in err.hint
    assert len(err.details) == 1


def test_broken_ontology_file_names_it(tree: Tree, good_store: tuple[Path, bytes, str]) -> None:
    path = tree.ontology_dir / "tests-broken.ttl"
    path.write_text("@prefix tg: <https://w3id.org/tregua/ontology#> .\n\ntg:X a tg:Y ;\n", encoding="utf-8")
    err = fails(tree, good_store)
    assert str(path) in str(err) and err.where is not None and err.where.line is not None


def test_missing_text_file_is_named_once(tree: Tree, good_store: tuple[Path, bytes, str], tmp_path: Path,
                                         shared_dir: Path) -> None:
    """A shared folder without seed/article.txt: one message naming it, not one per quote.

    (Counted per text file: a second source's own text, found, adds no message.)
    """
    elsewhere = tmp_path / "shared"
    shutil.copytree(shared_dir / "reference", elsewhere / "reference")
    tree.shared_dir = elsewhere
    err = fails(tree, good_store)
    assert "text file seed/article.txt not found beside" in str(err)
    assert f"nor under the shared folder {elsewhere}" in str(err)
    assert err.hint and "KG_SHARED_DIR" in err.hint
    assert sum("text file seed/article.txt not found" in d for d in err.details) == 1
