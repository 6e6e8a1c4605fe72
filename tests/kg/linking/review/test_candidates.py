"""Checking a reviewed candidates file (`kg link` input) and exporting links, on a small real store.

Every fault is reported with its file line and its fix, all at once; nothing here writes.
"""

from __future__ import annotations

import io
from datetime import date

import pyoxigraph as ox
import pytest

from kg.linking.candidates import Candidate, LinkFileError, check_candidates, parse_candidates
from kg.linking.export_links import export_links
from kg.linking.review import plan_quads
from tests.kg.linking.conftest import mini_store

ID = "https://w3id.org/tregua/id/"
HEADER = "iri,qid,reviewer,note\n"


@pytest.fixture
def store() -> ox.Store:
    return mini_store()


def faults(text: str, store: ox.Store) -> list[str]:
    with pytest.raises(LinkFileError) as caught:
        check_candidates(parse_candidates(text, name="c.csv"), store, name="c.csv")
    return caught.value.details


def test_a_good_file_parses_with_line_numbers() -> None:
    rows = parse_candidates(HEADER + f"{ID}organization/ms13,Q1,Ana Pérez,\"checked, twice\"\n\n"
                            f"{ID}person/oscar-ortiz,Q2,Ana Pérez,\n")
    assert rows == [Candidate(2, ID + "organization/ms13", "Q1", "Ana Pérez", "checked, twice"),
                    Candidate(4, ID + "person/oscar-ortiz", "Q2", "Ana Pérez", "")]


@pytest.mark.parametrize(("text", "says"), [
    ("iri,qid\nx,Q1\n", "c.csv:1: the header should be 'iri,qid,reviewer,note'"),
    (HEADER, "no rows after the header"),
    (HEADER + "a,b,c\n", "c.csv:2: expected 4 cells"),
])
def test_malformed_files(text: str, says: str) -> None:
    with pytest.raises(LinkFileError) as caught:
        parse_candidates(text, name="c.csv")
    assert says in caught.value.details[0]
    assert "nothing was written" in caught.value.message


def test_every_faulty_row_is_named_with_its_fix(store: ox.Store) -> None:
    text = HEADER + "\n".join([
        f"{ID}organization/ms13,Q12x,Ana,",                                        # 2: bad QID
        f"{ID}organization/barrio-18,https://www.wikidata.org/wiki/Q45,Ana,",      # 3: URL, not QID
        f"{ID}person/nobody,Q7,Ana,",                                               # 4: not in the store
        f"{ID}quote/ortiz-1,Q8,Ana,",                                               # 5: not linkable
        "https://example.org/x,Q9,Ana,",                                             # 6: not ours
        f"{ID}person/oscar-lopez,Q10,,",                                             # 7: no reviewer
        f"{ID}person/oscar-ortiz,Q11,Ana,",                                          # 8: fine
        f"{ID}person/oscar-ortiz,Q12,Ana,",                                          # 9: IRI twice
        f"{ID}organization/fmln,Q11,Ana,",                                           # 10: QID twice
        f"{ID}place/el-salvador,Q13,Ana,",                                           # 11: already linked
    ]) + "\n"
    found = faults(text, store)
    assert found == [
        "c.csv:2: 'Q12x' is not a Wikidata QID (write Q followed by digits, e.g. Q792)",
        "c.csv:3: 'https://www.wikidata.org/wiki/Q45' is not a Wikidata QID (write Q45, not the address)",
        f"c.csv:4: {ID}person/nobody is not in the store (check the spelling with /search or "
        "/reconcile/suggest/entity)",
        f"c.csv:5: {ID}quote/ortiz-1 is a quote, which Wikidata does not hold items for "
        "(link a event, organization, person, place, post)",
        "c.csv:6: 'https://example.org/x' is not one of our entity IRIs (they begin with "
        "https://w3id.org/tregua/id/)",
        "c.csv:7: the reviewer cell is empty (name the person who checked the match)",
        f"c.csv:9: {ID}person/oscar-ortiz is already on line 8 (keep one QID per entity)",
        "c.csv:10: Q11 is already on line 8 (keep one entity per QID)",
        f"c.csv:11: {ID}place/el-salvador is already linked to Q792 (a reviewed link is not replaced by "
        "`kg link`; remove it with a SPARQL update first if it is wrong)",
    ]


def test_a_qid_linked_to_another_entity_is_refused(store: ox.Store) -> None:
    assert faults(HEADER + f"{ID}organization/fmln,Q792,Ana,\n", store) == [
        f"c.csv:2: Q792 is already the link of {ID}place/el-salvador (one entity per QID)"]


def test_plan_replaces_the_not_linked_mark_and_records_the_review(store: ox.Store) -> None:
    text = HEADER + f"{ID}organization/ms13,Q5,Ana Pérez,\"Same gang; see its article\"\n" \
                    f"{ID}place/el-salvador,Q792,Ana Pérez,\n"
    plan = check_candidates(parse_candidates(text), store)
    assert [r.line for r in plan.linked] == [2] and [r.line for r in plan.unchanged] == [3]
    plan = plan_quads(plan, store, reviewed_on=date(2026, 11, 28))
    wikidata = "<https://w3id.org/tregua/graph/wikidata>"
    ms13, review = f"<{ID}organization/ms13>", f"<{ID}organization/ms13#wikidata-review>"
    assert [str(q) for q in plan.remove] == [
        f"{ms13} <https://w3id.org/tregua/ontology#linkStatus> <https://w3id.org/tregua/ontology#notLinked> "
        f"{wikidata}"]
    assert sorted(str(q) for q in plan.add) == sorted([
        f"{ms13} <http://www.w3.org/2004/02/skos/core#exactMatch> <http://www.wikidata.org/entity/Q5> "
        f"{wikidata}",
        f"{review} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/prov#Activity> "
        f"{wikidata}",
        f'{review} <http://www.w3.org/2000/01/rdf-schema#label> "Review of the Wikidata link Q5"@en '
        f"{wikidata}",
        f"{review} <http://www.w3.org/ns/prov#used> {ms13} {wikidata}",
        f"{review} <http://www.w3.org/ns/prov#used> <http://www.wikidata.org/entity/Q5> {wikidata}",
        f'{review} <http://purl.org/dc/terms/creator> "Ana Pérez" {wikidata}',
        f'{review} <http://purl.org/dc/terms/date> "2026-11-28"^^<http://www.w3.org/2001/XMLSchema#date> '
        f"{wikidata}",
        f'{review} <http://www.w3.org/2000/01/rdf-schema#comment> "Same gang; see its article" {wikidata}',
    ])
    assert not any(isinstance(t, ox.BlankNode) for q in plan.add for t in (q.subject, q.object))


def test_export_quickstatements_and_csv(store: ox.Store) -> None:
    out = io.StringIO()
    assert export_links(store, "quickstatements", out) == 1
    assert out.getvalue() == 'Q792\tP973\t"https://w3id.org/tregua/id/place/el-salvador"\n'
    out = io.StringIO()
    export_links(store, "quickstatements", out, url_base="https://tregua.example.org/")
    assert out.getvalue() == 'Q792\tP973\t"https://tregua.example.org/id/place/el-salvador"\n'
    out = io.StringIO()
    export_links(store, "csv", out)
    assert out.getvalue() == ("qid,iri,url,label,reviewer,reviewed_on,note\n"
                              f"Q792,{ID}place/el-salvador,{ID}place/el-salvador,El Salvador,,,\n")
