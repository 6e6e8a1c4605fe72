"""Canned queries as a spreadsheet or pandas meets them, against a real server.

Plain CSV and TSV (column names, plain values) load with `pandas.read_csv` into typed columns;
SPARQL TSV stays available under its own name. Enum parameters take the labels the output shows;
an IRI that names nothing is a 404 with the closest names; stance-counts counts what it says.
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import pyoxigraph as ox
import pytest

from kg import canned
from tests.conftest import Server

ISSUE = "https://w3id.org/tregua/id/issue/negotiating-with-gangs"
TG = "https://w3id.org/tregua/ontology#"


@pytest.mark.parametrize(("fmt", "sep"), [("csv", ","), ("tsv", "\t")])
def test_pandas_reads_canned_csv_and_tsv_into_typed_columns(server: Server, fmt: str, sep: str) -> None:
    frame = pd.read_csv(f"{server.url}/queries/stance-counts?format={fmt}", sep=sep,
                        quoting=csv.QUOTE_MINIMAL if fmt == "csv" else csv.QUOTE_NONE)
    assert list(frame.columns) == ["stance", "actors", "actors_on_issue", "who"]
    assert str(frame["actors"].dtype) == "int64" and str(frame["actors_on_issue"].dtype) == "int64"
    assert frame.iloc[0]["stance"] == "rejects" and frame.iloc[0]["actors"] == 4
    timeline = pd.read_csv(f"{server.url}/queries/timeline?format={fmt}", sep=sep,
                           quoting=csv.QUOTE_MINIMAL if fmt == "csv" else csv.QUOTE_NONE)
    assert not any(str(c).startswith("?") for c in timeline.columns)
    assert pd.to_datetime(timeline["start"], errors="coerce").notna().any()
    assert not timeline.astype(str).apply(lambda col: col.str.contains('"@en|\\^\\^', regex=True)).any().any()


def test_csv_and_tsv_carry_the_same_table(server: Server) -> None:
    with server.client() as client:
        as_csv = client.get("/queries/quotes-by-speaker", params={"speaker": "id:person/oscar-ortiz", "format": "csv"})
        as_tsv = client.get("/queries/quotes-by-speaker", params={"speaker": "id:person/oscar-ortiz", "format": "tsv"})
    csv_rows = list(csv.reader(io.StringIO(as_csv.text)))
    tsv_rows = [line.split("\t") for line in as_tsv.text.rstrip("\n").split("\n")]
    assert tsv_rows == [[" ".join(cell.split("\t")).replace("\r", " ").replace("\n", " ") for cell in row]
                        for row in csv_rows]


def test_sparql_tsv_keeps_its_own_name_and_media_type(server: Server) -> None:
    profile = f'text/tab-separated-values; profile="{canned.SPARQL_TSV_PROFILE}"'
    with server.client() as client:
        by_name = client.get("/queries/stance-counts", params={"format": "sparql-tsv"})
        by_accept = client.get("/queries/stance-counts", headers={"Accept": profile})
        plain = client.get("/queries/stance-counts", headers={"Accept": "text/tab-separated-values"})
    assert by_name.content == by_accept.content
    assert by_name.text.startswith("?stance\t?actors\t")
    assert 'profile="http://www.w3.org/ns/formats/SPARQL_Results_TSV"' in by_name.headers["content-type"]
    assert [v.value for v in ox.parse_query_results(by_name.content, format=ox.QueryResultsFormat.TSV).variables] \
        == ["stance", "actors", "actors_on_issue", "who"]
    assert plain.text.startswith("stance\tactors\t") and '"rejects"@en' not in plain.text


@pytest.mark.parametrize(("query", "param", "label", "value"), [
    ("positions", "position", "rejects", "reject"),
    ("positions", "position", "Does not rule out", "notRuledOut"),
    ("positions", "position", "does-not-rule-out", "notRuledOut"),
    ("positions", "position", "NOTRULEDOUT", "notRuledOut"),
    ("positions", "position", "no descarta", "notRuledOut"),
    ("positions", "position", "ESCEPTICA", "sceptical"),
    ("unlinked-entities", "kind", "Person", "person"),
])
def test_enum_parameters_take_the_labels_the_output_shows(server: Server, query: str, param: str, label: str,
                                                          value: str) -> None:
    with server.client() as client:
        by_label = client.get(f"/queries/{query}", params={param: label, "format": "csv"})
        by_value = client.get(f"/queries/{query}", params={param: value, "format": "csv"})
    assert by_label.status_code == 200, by_label.text
    assert by_label.content == by_value.content
    assert by_value.text.count("\n") > 1  # the filter matched rows: the comparison means something


def test_a_label_that_names_no_value_is_a_400_listing_the_labels(server: Server) -> None:
    with server.client() as client:
        r = client.get("/queries/positions", params={"position": "supports"})
    assert r.status_code == 400
    assert r.json()["parameter"] == "position" and "rejects" in r.json()["expected"]


def test_an_iri_that_names_nothing_is_a_404_with_the_closest_names(server: Server) -> None:
    with server.client() as client:
        r = client.get("/queries/positions-of-actor", params={"actor": "id:person/oscar-ortis"})
        known = client.get("/queries/positions-of-actor", params={"actor": "id:person/oscar-ortiz"})
        html = client.get("/queries/positions-of-actor", params={"actor": "id:person/oscar-ortis", "format": "html"})
        empty_but_real = client.get("/queries/event-participants",
                                    params={"event": "id:person/oscar-ortiz", "format": "json"})
    assert r.status_code == 404
    body = r.json()
    assert "actor" in body["message"] and "oscar-ortis" in body["message"]
    assert body["suggestions"][0] == "https://w3id.org/tregua/id/person/oscar-ortiz"
    assert known.status_code == 200 and len(known.json()) > 0
    assert html.status_code == 404
    assert empty_but_real.status_code == 200 and empty_but_real.json() == []  # exists, just no rows


def test_stance_counts_match_a_direct_count(server: Server) -> None:
    store = ox.Store.read_only(str(server.store))
    holders: dict[str, set[str]] = {}
    for solution in store.query(  # type: ignore[union-attr]
            f"SELECT ?label ?actor WHERE {{ ?s <{TG}stanceOf> ?actor ; <{TG}onIssue> <{ISSUE}> ; "
            f"<{TG}stanceValue> ?v . ?v <http://www.w3.org/2000/01/rdf-schema#label> ?label "
            f'FILTER(LANG(?label) = "en") }}', use_default_graph_as_union=True):
        holders.setdefault(str(solution["label"].value), set()).add(str(solution["actor"].value))
    everyone = set().union(*holders.values())
    with server.client() as client:
        rows = client.get("/queries/stance-counts", params={"format": "json"}).json()
    assert {r["stance"]: r["actors"] for r in rows} == {k: len(v) for k, v in holders.items()}
    assert {r["actors_on_issue"] for r in rows} == {len(everyone)}
    assert len(everyone) == 9 and sum(r["actors"] for r in rows) > len(everyone)  # why both columns exist
