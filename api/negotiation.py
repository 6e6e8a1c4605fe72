"""Content negotiation: the one table of media types the service speaks, and a pure Accept parser.

Every route that serialises RDF or SPARQL results picks its format here, so that `format=`
short names, media types and file extensions never disagree between endpoints.

Specs: SPARQL 1.1 Query Results JSON https://www.w3.org/TR/sparql11-results-json/ ,
XML https://www.w3.org/TR/rdf-sparql-XMLres/ , CSV/TSV https://www.w3.org/TR/sparql11-results-csv-tsv/ ;
Turtle https://www.w3.org/TR/turtle/ , N-Triples https://www.w3.org/TR/n-triples/ ,
JSON-LD https://www.w3.org/TR/json-ld11/ , RDF/XML https://www.w3.org/TR/rdf-syntax-grammar/ ,
N-Quads https://www.w3.org/TR/n-quads/ , TriG https://www.w3.org/TR/trig/ .
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox

from kg.errors import ParameterError, UnsupportedFormat
from kg.store.engine import ResultKind


@dataclass(frozen=True)
class MediaType:
    """One wire format: its media type, `format=` short name, and pyoxigraph format."""

    media_type: str
    short: str
    ox_format: ox.QueryResultsFormat | ox.RdfFormat
    extension: str
    #: Served under this name only when asked for explicitly (e.g. plain application/json).
    alias_of: str | None = None
    #: Other `format=` values clients send for it (SPARQLWrapper sends `turtle`, `xml` for RDF/XML...).
    also: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        textual = self.media_type.startswith("text/") or self.media_type.endswith(
            ("json", "xml", "turtle", "trig", "n-triples", "n-quads"))
        return f"{self.media_type}; charset=utf-8" if textual else self.media_type


# The table. The first entry of each list is the default when the client accepts anything.
RESULTS_TYPES: list[MediaType] = [
    MediaType("application/sparql-results+json", "json", ox.QueryResultsFormat.JSON, "srj", also=("srj",)),
    MediaType("application/sparql-results+xml", "xml", ox.QueryResultsFormat.XML, "srx", also=("srx",)),
    MediaType("text/csv", "csv", ox.QueryResultsFormat.CSV, "csv"),
    MediaType("text/tab-separated-values", "tsv", ox.QueryResultsFormat.TSV, "tsv"),
    MediaType("application/json", "json", ox.QueryResultsFormat.JSON, "json",
              alias_of="application/sparql-results+json"),
    MediaType("application/xml", "xml", ox.QueryResultsFormat.XML, "xml",
              alias_of="application/sparql-results+xml"),
]
GRAPH_TYPES: list[MediaType] = [
    # N3 is a superset of Turtle: a client asking for N3 (SPARQLWrapper's `N3`) can read Turtle.
    MediaType("text/turtle", "ttl", ox.RdfFormat.TURTLE, "ttl",
              also=("turtle", "n3", "text/n3", "text/rdf+n3", "application/turtle")),
    MediaType("application/n-triples", "nt", ox.RdfFormat.N_TRIPLES, "nt", also=("ntriples", "n-triples")),
    MediaType("application/ld+json", "jsonld", ox.RdfFormat.JSON_LD, "jsonld", also=("json-ld", "json")),
    MediaType("application/rdf+xml", "rdf", ox.RdfFormat.RDF_XML, "rdf", also=("rdfxml", "rdf+xml", "xml")),
    MediaType("application/n-quads", "nq", ox.RdfFormat.N_QUADS, "nq", also=("nquads", "n-quads")),
    MediaType("application/trig", "trig", ox.RdfFormat.TRIG, "trig"),
    MediaType("text/plain", "nt", ox.RdfFormat.N_TRIPLES, "nt", alias_of="application/n-triples"),
    MediaType("application/x-turtle", "ttl", ox.RdfFormat.TURTLE, "ttl", alias_of="text/turtle"),
]
#: Formats that hold named graphs (the graph store and dataset dumps need them).
DATASET_TYPES = [t for t in GRAPH_TYPES if t.short in ("nq", "trig")]


def table_for(kind: ResultKind) -> list[MediaType]:
    return GRAPH_TYPES if kind is ResultKind.GRAPH else RESULTS_TYPES


def offered(types: list[MediaType]) -> list[str]:
    """The media types worth listing to a client (aliases left out)."""
    return [t.media_type for t in types if t.alias_of is None]


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    params: tuple[tuple[str, str], ...] = ()

    @property
    def specificity(self) -> int:
        if self.type == "*":
            return 0
        if self.subtype == "*":
            return 1
        return 2 + len(self.params)

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        return self.type in ("*", main) and self.subtype in ("*", sub)


_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an Accept header (RFC 9110 §12.5.1) into media ranges, best first.

    Malformed ranges are skipped rather than refused: browsers and old clients send odd
    headers, and the rest of the header still says what they want. An empty or missing
    header means `*/*`.

    >>> [(r.type, r.subtype, r.q) for r in parse_accept("text/csv;q=0.5, application/json")]
    [('application', 'json', 1.0), ('text', 'csv', 0.5)]
    """
    if header is None or not header.strip():
        return [MediaRange("*", "*", 1.0)]
    ranges: list[tuple[MediaRange, int]] = []
    for position, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        main_type, _, sub_type = pieces[0].lower().partition("/")
        if not _TOKEN.match(main_type or "") or not _TOKEN.match(sub_type or ""):
            continue
        if main_type == "*" and sub_type != "*":
            continue
        q = 1.0
        params: list[tuple[str, str]] = []
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            name, value = name.strip().lower(), value.strip().strip('"')
            if name == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
                break  # accept-ext parameters after q do not select media types
            if name:
                params.append((name, value))
        ranges.append((MediaRange(main_type, sub_type, q, tuple(params)), position))
    ranges.sort(key=lambda item: (-item[0].q, -item[0].specificity, item[1]))
    return [r for r, _ in ranges]


def quality(ranges: list[MediaRange], media_type: str) -> float:
    """The q-value the client gives `media_type`: that of the most specific range matching it.

    >>> quality(parse_accept("text/*;q=0.5, text/turtle;q=0.9, */*;q=0.1"), "text/turtle")
    0.9
    >>> quality(parse_accept("text/*;q=0.5, */*;q=0.1"), "text/csv")
    0.5
    """
    best: MediaRange | None = None
    for r in ranges:
        if r.matches(media_type) and (best is None or r.specificity > best.specificity):
            best = r
    return best.q if best else 0.0


def negotiate(accept: str | None, types: list[MediaType]) -> MediaType | None:
    """The offered type the client likes best; ties go to the table's order. None if none fits.

    Aliases (plain application/json...) win only when the client names them exactly.
    """
    ranges = parse_accept(accept)
    best: tuple[float, int, MediaType] | None = None
    for index, media in enumerate(types):
        q = quality(ranges, media.media_type)
        if media.alias_of is not None and not any(
                r.type != "*" and r.subtype != "*" and r.matches(media.media_type) for r in ranges):
            continue
        if q <= 0:
            continue
        key = (q, -index)
        if best is None or key > (best[0], best[1]):
            best = (q, -index, media)
    return best[2] if best else None


def by_short_name(short: str, types: list[MediaType]) -> MediaType:
    """Resolve a `format=` parameter (short name or full media type)."""
    wanted = short.strip().lower()
    for media in types:
        if media.alias_of is None and wanted in (media.short, media.media_type, media.extension, *media.also):
            return media
    names = sorted({t.short for t in types if t.alias_of is None})
    raise ParameterError("format", f"unknown format {short!r} for this result",
                         expected="one of " + ", ".join(names), example=names[0])


def agreed_format(values: list[str], kind: ResultKind) -> str | None:
    """One `format=` value from all those given, or None when none was.

    SPARQLWrapper repeats the parameter (`format=rdf+xml&format=application/rdf+xml`, and a
    comma-separated list of media types for JSON-LD): values that name the same format are one
    request, a comma list means any of its known members, and empty values are no choice.
    Values naming different formats are refused (400), since either answer would be a guess.

    >>> agreed_format(["rdf+xml", "application/rdf+xml"], ResultKind.GRAPH)
    'rdf'
    >>> agreed_format(["json-ld", "application/ld+json,application/x-json+ld"], ResultKind.GRAPH)
    'jsonld'
    >>> agreed_format(["csv", "json"], ResultKind.SOLUTIONS)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kg.errors.ParameterError: format=csv and format=json name different formats; give one ...
    """
    types = table_for(kind)
    chosen: tuple[str, MediaType] | None = None
    for raw in values:
        pieces = [p.strip() for p in raw.split(",") if p.strip()]
        if not pieces:
            continue
        media = None
        for piece in pieces:
            try:
                media = by_short_name(piece, types)
                break
            except ParameterError:
                continue
        if media is None:
            by_short_name(pieces[0], types)  # raises the usual "unknown format" error
            continue  # pragma: no cover - by_short_name raised
        if chosen is not None and chosen[1].media_type != media.media_type:
            raise ParameterError("format", f"format={chosen[0]} and format={raw} name different formats; give one "
                                 "(or repeat the same one)", expected="one format",
                                 example=f"format={chosen[1].short}")
        if chosen is None:
            chosen = (raw, media)
    return chosen[1].short if chosen else None


def choose(kind: ResultKind, *, accept: str | None, format_param: str | None = None) -> MediaType:
    """The format for a result of `kind`: `format=` wins over Accept (browsers cannot set headers).

    Raises UnsupportedFormat (406) listing what is offered when nothing in Accept fits.
    """
    types = table_for(kind)
    if format_param:
        return by_short_name(format_param, types)
    media = negotiate(accept, types)
    if media is None:
        what = "RDF graphs" if kind is ResultKind.GRAPH else "SPARQL results"
        raise UnsupportedFormat(f"none of the media types in Accept: {accept!r} can carry {what}",
                                offered=offered(types))
    return media


def choose_graph_format(accept: str | None, format_param: str | None = None, *,
                        types: list[MediaType] | None = None) -> MediaType:
    """Shorthand for RDF documents (graph store, entities, ontology)."""
    table = types or GRAPH_TYPES
    if format_param:
        return by_short_name(format_param, table)
    media = negotiate(accept, table)
    if media is None:
        raise UnsupportedFormat(f"none of the media types in Accept: {accept!r} is an RDF format served here",
                                offered=offered(table))
    return media


def rdf_format_of_content_type(content_type: str | None) -> ox.RdfFormat | None:
    """The RDF format of a request body, from its Content-Type (parameters ignored)."""
    if not content_type:
        return None
    media = content_type.split(";")[0].strip().lower()
    for t in GRAPH_TYPES:
        if t.media_type == media:
            return t.ox_format  # type: ignore[return-value]
    return None


def etag_matches(if_none_match: str | None, tag: str) -> bool:
    """RFC 9110 weak comparison for If-None-Match: any listed tag (W/ or not) equal to ours, or `*`.

    >>> etag_matches('W/"v1", "v2"', '"v1"'), etag_matches(None, '"v1"'), etag_matches("*", '"x"')
    (True, False, True)
    """
    if not if_none_match:
        return False
    ours = tag.removeprefix("W/")
    candidates = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in candidates or ours in candidates
