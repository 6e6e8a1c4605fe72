"""Which engine decides a write: the compiled checks accept, pyshacl explains a refusal.

A conforming write must not pay for pyshacl (0.1-0.5 s a call, whatever the write's size), and a
refused one must still get pyshacl's full report, Turtle included (what `/sparql/update` returns to
a client asking for text/turtle). tests/kg/gate/test_gate_property.py holds the verdicts and
violations to a full validation's; these tests hold the routing.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg import iris
from kg.errors import ValidationFailed
from kg.gate import MemoryWriter, apply_update

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DESK = iris.BASE + "graph/desk/engines"
OSCAR_ORTIZ = iris.entity_iri("person", "oscar-ortiz")
STATEMENT = iris.entity_iri("statement", "oscar-ortiz-cannot-negotiate")


@pytest.fixture
def writer(memory_store: ox.Store) -> MemoryWriter:
    copy = ox.Store()
    copy.bulk_extend(list(memory_store.quads_for_pattern(None, None, None, None)))
    return MemoryWriter(copy)


def test_a_conforming_write_is_accepted_without_pyshacl(writer: MemoryWriter,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("pyshacl ran for a conforming write")

    monkeypatch.setattr("kg.validation.shacl.validate_focus", refuse)
    report = apply_update(writer, f'INSERT DATA {{ GRAPH <{DESK}> {{ <{OSCAR_ORTIZ}> <{RDFS}seeAlso> '
                                  f'[ <{RDFS}comment> "a conforming note"@en ] }} }}')
    assert report.added == 2 and report.focus_nodes >= 2
    # The recommended shapes still warn, from the compiled checks: his statements name no outlet.
    assert {w.focus_node for w in report.warnings} >= {STATEMENT}
    assert all(w.severity == "Warning" for w in report.warnings)


def test_a_refused_write_gets_pyshacls_report(writer: MemoryWriter) -> None:
    before = set(writer.store.quads_for_pattern(None, None, None, None))
    with pytest.raises(ValidationFailed) as refused:
        apply_update(writer, f'INSERT DATA {{ GRAPH <{DESK}> {{ <{STATEMENT}> <{iris.TG}date> "soon" }} }}')
    assert {v.focus_node for v in refused.value.violations} == {STATEMENT}
    assert "ValidationReport" in refused.value.report_turtle and STATEMENT in refused.value.report_turtle
    assert set(writer.store.quads_for_pattern(None, None, None, None)) == before
