"""The ontology is OWL 2 DL, and ontology + data are consistent under a real reasoner (HermiT)."""

from __future__ import annotations

from pathlib import Path

import owlready2
import pyoxigraph as ox
import pytest

from tests.ontology import graphs
from tests.ontology.reasoner import (
    Inconsistent,
    hermit,
    java_can_run_source_files,
    owl2_dl_violations,
    write_ntriples,
)

needs_jdk = pytest.mark.skipif(not java_can_run_source_files(),
                               reason="the OWL 2 DL profile check needs a JDK (java with jdk.compiler): "
                                      "apt-get install default-jdk-headless")
TG = "https://w3id.org/tregua/ontology#"
ID = "https://w3id.org/tregua/id/"
A = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def typed(iri: str, *classes: str) -> list[ox.Quad]:
    return [ox.Quad(ox.NamedNode(ID + iri), A, ox.NamedNode(TG + c)) for c in classes]


@pytest.fixture(scope="module")
def ontology_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_ntriples(graphs.ontology_quads(), tmp_path_factory.mktemp("owl") / "ontology.nt")


@needs_jdk
def test_ontology_is_owl2_dl(ontology_file: Path) -> None:
    code, violations = owl2_dl_violations(ontology_file)
    assert violations == []
    assert code == 0


@needs_jdk
def test_profile_check_catches_a_non_dl_ontology(tmp_path: Path) -> None:
    """The check can fail: a property used without a declaration is outside OWL 2 DL."""
    undeclared = ox.Quad(ox.NamedNode(ID + "person/x"), ox.NamedNode(TG + "undeclaredProperty"),
                         ox.NamedNode(ID + "person/y"))
    bad = write_ntriples([*graphs.ontology_quads(), undeclared], tmp_path / "bad.nt")
    code, violations = owl2_dl_violations(bad)
    assert code == 1
    assert any("undeclaredProperty" in v for v in violations)


def test_ontology_alone_is_consistent_with_no_empty_class(ontology_file: Path) -> None:
    assert hermit(ontology_file) == []


def test_ontology_and_data_are_consistent(tmp_path: Path, data_quads: list[ox.Quad]) -> None:
    path = write_ntriples([*graphs.ontology_quads(), *data_quads], tmp_path / "all.nt")
    assert hermit(path) == []


@pytest.mark.parametrize("clash", [
    typed("person/ms13-spokesmen", "Person", "Organization"),
    typed("place/el-salvador", "Country", "GovernmentBody"),
    typed("statement/x", "Statement", "Proposal"),
    typed("event/x", "Truce", "Conflict"),
], ids=["person-and-organization", "country-and-actor", "statement-and-event", "truce-and-conflict"])
def test_inconsistent_data_is_detected(tmp_path: Path, clash: list[ox.Quad]) -> None:
    """The consistency test can fail: a node typed into disjoint classes has no model."""
    path = write_ntriples([*graphs.ontology_quads(), *clash], tmp_path / "clash.nt")
    with pytest.raises(Inconsistent):
        hermit(path)


def test_dates_at_precision_need_the_unsupported_datatype_flag(
    tmp_path: Path, data_quads: list[ox.Quad],
) -> None:
    """Why hermit() passes ignore_unsupported_datatypes: xsd:gYearMonth is not in the OWL 2 datatype map."""
    months = [q for q in data_quads
              if isinstance(q.object, ox.Literal) and q.object.datatype.value.endswith("#gYearMonth")]
    assert months
    path = write_ntriples([*graphs.ontology_quads(), *data_quads], tmp_path / "all.nt")
    with pytest.raises(owlready2.OwlReadyJavaError, match=r"(?i)datatype"):
        hermit(path, ignore_unsupported_datatypes=False)
