"""The Accept parser and the format table: pure functions, no server."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from api.negotiation import (
    by_short_name,
    choose,
    negotiate,
    parse_accept,
    quality,
)
from kg.errors import ParameterError, UnsupportedFormat
from kg.media import GRAPHS, RESULTS
from kg.store.engine import ResultKind


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, [("*", "*", 1.0)]),
        ("", [("*", "*", 1.0)]),
        ("text/csv", [("text", "csv", 1.0)]),
        ("text/csv;q=0.5, application/json", [("application", "json", 1.0), ("text", "csv", 0.5)]),
        ("*/*;q=0.1, text/*;q=0.5, text/csv", [("text", "csv", 1.0), ("text", "*", 0.5), ("*", "*", 0.1)]),
        ("text/turtle;charset=utf-8;q=0.9", [("text", "turtle", 0.9)]),
        ("TEXT/CSV", [("text", "csv", 1.0)]),
        ("text/csv;q=2", [("text", "csv", 1.0)]),
        ("text/csv;q=abc", [("text", "csv", 0.0)]),
        ("garbage, text/csv", [("text", "csv", 1.0)]),
        ("*/csv, text/tab-separated-values", [("text", "tab-separated-values", 1.0)]),
        ("a/b, c/d", [("a", "b", 1.0), ("c", "d", 1.0)]),
    ],
)
def test_parse_accept(header: str | None, expected: list[tuple[str, str, float]]) -> None:
    assert [(r.type, r.subtype, r.q) for r in parse_accept(header)] == expected


@pytest.mark.parametrize(
    ("header", "media_type", "q"),
    [
        ("text/*;q=0.3, text/csv;q=0.7", "text/csv", 0.7),
        ("text/*;q=0.3, text/csv;q=0.7", "text/turtle", 0.3),
        ("text/*;q=0.3", "application/json", 0.0),
        ("*/*;q=0.2", "application/json", 0.2),
        ("application/json;q=0", "application/json", 0.0),
    ],
)
def test_quality_uses_the_most_specific_range(header: str, media_type: str, q: float) -> None:
    assert quality(parse_accept(header), media_type) == q


@pytest.mark.parametrize(
    ("accept", "kind", "expected"),
    [
        (None, ResultKind.SOLUTIONS, "application/sparql-results+json"),
        ("*/*", ResultKind.SOLUTIONS, "application/sparql-results+json"),
        ("application/sparql-results+xml", ResultKind.SOLUTIONS, "application/sparql-results+xml"),
        ("text/csv;q=0.9, text/tab-separated-values", ResultKind.SOLUTIONS, "text/tab-separated-values"),
        ("text/*", ResultKind.SOLUTIONS, "text/csv"),
        ("application/json", ResultKind.SOLUTIONS, "application/json"),
        ("application/xml", ResultKind.BOOLEAN, "application/xml"),
        (
            "application/sparql-results+json, application/json",
            ResultKind.SOLUTIONS,
            "application/sparql-results+json",
        ),
        (None, ResultKind.GRAPH, "text/turtle"),
        ("application/n-triples", ResultKind.GRAPH, "application/n-triples"),
        ("application/ld+json", ResultKind.GRAPH, "application/ld+json"),
        ("application/rdf+xml;q=0.8, application/trig", ResultKind.GRAPH, "application/trig"),
        ("application/n-quads", ResultKind.GRAPH, "application/n-quads"),
        ("text/plain", ResultKind.GRAPH, "text/plain"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", ResultKind.GRAPH, "text/turtle"),
    ],
)
def test_choose_by_accept(accept: str | None, kind: ResultKind, expected: str) -> None:
    assert choose(kind, accept=accept).media_type == expected


@pytest.mark.parametrize(
    ("accept", "kind"),
    [
        ("text/turtle", ResultKind.SOLUTIONS),
        ("application/sparql-results+json", ResultKind.GRAPH),
        ("image/png", ResultKind.BOOLEAN),
        ("text/csv;q=0", ResultKind.SOLUTIONS),
    ],
)
def test_unsatisfiable_accept_lists_what_is_offered(accept: str, kind: ResultKind) -> None:
    with pytest.raises(UnsupportedFormat) as info:
        choose(kind, accept=accept)
    offered = info.value.offered
    table = GRAPHS if kind is ResultKind.GRAPH else RESULTS
    assert offered == [t.media_type for t in table if t.alias_of is None]


@pytest.mark.parametrize(
    ("short", "kind", "fmt"),
    [
        ("json", ResultKind.SOLUTIONS, ox.QueryResultsFormat.JSON),
        ("xml", ResultKind.BOOLEAN, ox.QueryResultsFormat.XML),
        ("csv", ResultKind.SOLUTIONS, ox.QueryResultsFormat.CSV),
        ("tsv", ResultKind.SOLUTIONS, ox.QueryResultsFormat.TSV),
        ("ttl", ResultKind.GRAPH, ox.RdfFormat.TURTLE),
        ("nt", ResultKind.GRAPH, ox.RdfFormat.N_TRIPLES),
        ("jsonld", ResultKind.GRAPH, ox.RdfFormat.JSON_LD),
        ("rdf", ResultKind.GRAPH, ox.RdfFormat.RDF_XML),
        ("nq", ResultKind.GRAPH, ox.RdfFormat.N_QUADS),
        ("trig", ResultKind.GRAPH, ox.RdfFormat.TRIG),
        ("text/turtle", ResultKind.GRAPH, ox.RdfFormat.TURTLE),
    ],
)
def test_format_parameter_wins_over_accept(
    short: str, kind: ResultKind, fmt: ox.RdfFormat | ox.QueryResultsFormat
) -> None:
    assert choose(kind, accept="image/png", format_param=short).ox_format == fmt


def test_unknown_format_parameter_names_the_choices() -> None:
    with pytest.raises(ParameterError) as info:
        by_short_name("ttl", RESULTS)
    assert info.value.name == "format"
    assert "csv, json, tsv, xml" in info.value.expected


def test_aliases_only_when_named() -> None:
    assert negotiate("*/*", GRAPHS) == GRAPHS[0]
    assert negotiate("application/*", RESULTS).media_type == "application/sparql-results+json"


def test_request_bodies_are_read_in_every_rdf_format() -> None:
    from api.negotiation import rdf_format_of_content_type

    for offer in GRAPHS:
        assert rdf_format_of_content_type(offer.media_type + "; charset=utf-8") == offer.format.rdf
    assert rdf_format_of_content_type("text/csv") is None
    assert rdf_format_of_content_type("application/x-turtle") == ox.RdfFormat.TURTLE
