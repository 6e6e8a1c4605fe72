"""Content negotiation over HTTP: the Accept parser and matcher, over the menus of `kg.media`.

The formats themselves (media types, `format=` names, extensions, pyoxigraph serialisers, specs)
are in `kg.media`, the one table the API, the CLI, the canned queries, the exports and the
workers share; this module only reads Accept headers (RFC 9110 §12.5.1) against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox

from kg import media
from kg.errors import ParameterError, UnsupportedFormat
from kg.media import Menu, Offer
from kg.store.engine import ResultKind


def table_for(kind: ResultKind) -> Menu:
    return media.GRAPHS if kind is ResultKind.GRAPH else media.RESULTS


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


def match(ranges: list[MediaRange], media_type: str) -> tuple[float, int]:
    """(q, specificity) of the most specific Accept range matching `media_type`; (0, -1) if none.

    >>> match(parse_accept("text/*;q=0.5, text/csv"), "text/csv"), match(parse_accept("text/csv"), "text/html")
    ((1.0, 2), (0.0, -1))
    """
    best: MediaRange | None = None
    for r in ranges:
        if r.matches(media_type) and (best is None or r.specificity > best.specificity):
            best = r
    return (best.q, best.specificity) if best else (0.0, -1)


def html_over_json(accept: str | None) -> bool:
    """Whether a listing that is a page or JSON (/queries, /history) should be the page: HTML (or
    XHTML) named at least as well as JSON, and named (not only through `*/*`).

    >>> html_over_json("text/html,application/xhtml+xml,*/*;q=0.8"), html_over_json("*/*")
    (True, False)
    """
    ranges = parse_accept(accept)
    html = max(match(ranges, "text/html"), match(ranges, "application/xhtml+xml"))
    return html[0] > 0 and html >= match(ranges, "application/json") and html[1] > 0


def quality(ranges: list[MediaRange], media_type: str) -> float:
    """The q-value the client gives `media_type`: that of the most specific range matching it.

    >>> quality(parse_accept("text/*;q=0.5, text/turtle;q=0.9, */*;q=0.1"), "text/turtle")
    0.9
    >>> quality(parse_accept("text/*;q=0.5, */*;q=0.1"), "text/csv")
    0.5
    """
    return match(ranges, media_type)[0]


def negotiate(accept: str | None, types: Menu) -> Offer | None:
    """The offered type the client likes best; ties go to the table's order. None if none fits.

    Aliases (plain application/json...) win only when the client names them exactly.
    """
    ranges = parse_accept(accept)
    best: tuple[float, int, Offer] | None = None
    for index, offer in enumerate(types):
        q = quality(ranges, offer.media_type)
        if offer.alias_of is not None and not any(
                r.type != "*" and r.subtype != "*" and r.matches(offer.media_type) for r in ranges):
            continue
        if q <= 0:
            continue
        key = (q, -index)
        if best is None or key > (best[0], best[1]):
            best = (q, -index, offer)
    return best[2] if best else None


def by_short_name(short: str, types: Menu) -> Offer:
    """Resolve a `format=` parameter (short name, other name, extension or full media type)."""
    offer = types.get(short)
    if offer is not None:
        return offer
    names = sorted(types.short_names())
    raise ParameterError("format", f"unknown format {short!r} for this result",
                         expected="one of " + ", ".join(names), example=names[0])


def carries_other_kind(short: str, kind: ResultKind) -> bool:
    """Whether `format=short` names a format served here that cannot carry a `kind` result.

    Such a request (SPARQLWrapper's `setReturnFormat(TURTLE)` on a SELECT, `CSV` on a
    CONSTRUCT) falls back to Accept, as Fuseki and Virtuoso do; an unknown name stays a 400.

    >>> carries_other_kind("turtle", ResultKind.SOLUTIONS), carries_other_kind("csv", ResultKind.GRAPH)
    (True, True)
    >>> carries_other_kind("ttl", ResultKind.GRAPH), carries_other_kind("yaml", ResultKind.SOLUTIONS)
    (False, False)
    """
    wanted = short.strip().lower()
    other = media.RESULTS if kind is ResultKind.GRAPH else media.GRAPHS
    return other.get(wanted) is not None and table_for(kind).get(wanted) is None


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
    chosen: tuple[str, Offer] | None = None
    for raw in values:
        pieces = [p.strip() for p in raw.split(",") if p.strip()]
        if not pieces:
            continue
        if all(carries_other_kind(piece, kind) for piece in pieces):
            continue  # a format for the other kind of result: Accept decides (see `choose`)
        offer = None
        for piece in pieces:
            try:
                offer = by_short_name(piece, types)
                break
            except ParameterError:
                continue
        if offer is None:
            by_short_name(pieces[0], types)  # raises the usual "unknown format" error
            continue  # pragma: no cover - by_short_name raised
        if chosen is not None and chosen[1].media_type != offer.media_type:
            raise ParameterError("format", f"format={chosen[0]} and format={raw} name different formats; give one "
                                 "(or repeat the same one)", expected="one format",
                                 example=f"format={chosen[1].short}")
        if chosen is None:
            chosen = (raw, offer)
    return chosen[1].short if chosen else None


def choose(kind: ResultKind, *, accept: str | None, format_param: str | None = None) -> Offer:
    """The format for a result of `kind`: `format=` wins over Accept (browsers cannot set headers).

    A `format=` that names a format for the other kind of result (Turtle for a SELECT, CSV for
    a CONSTRUCT) is set aside and Accept decides, as Fuseki and Virtuoso do: SPARQLWrapper sends
    one return format for every query form, with `Accept: */*` or its own list.
    Raises UnsupportedFormat (406) listing what is offered when nothing in Accept fits.

    >>> choose(ResultKind.SOLUTIONS, accept="*/*", format_param="turtle").short
    'json'
    """
    types = table_for(kind)
    if format_param and not carries_other_kind(format_param, kind):
        return by_short_name(format_param, types)
    return _negotiate_or_refuse(accept, types, f"can carry {types.what}")


def choose_graph_format(accept: str | None, format_param: str | None = None, *,
                        types: Menu | None = None) -> Offer:
    """Shorthand for RDF documents (graph store, entities, ontology)."""
    table = types or media.GRAPHS
    if format_param:
        return by_short_name(format_param, table)
    return _negotiate_or_refuse(accept, table, "is an RDF format served here")


def _negotiate_or_refuse(accept: str | None, table: Menu, what: str) -> Offer:
    offer = negotiate(accept, table)
    if offer is None:
        raise UnsupportedFormat(f"none of the media types in Accept: {accept!r} {what}",
                                offered=table.media_types())
    return offer


def browser_or_anything(accept: str | None) -> bool:
    """Whether Accept names `*/*` or text/html (q > 0): a browser or a tool that takes anything.

    Such a client, refused by an RDF-only document, gets its default format instead of a 406
    (the VoID description answers a browser with Turtle).

    >>> browser_or_anything("text/html"), browser_or_anything("text/html, */*;q=0.1")
    (True, True)
    >>> browser_or_anything("application/pdf"), browser_or_anything("text/html;q=0")
    (False, False)
    """
    return any(r.q > 0 and ((r.type, r.subtype) == ("*", "*") or (r.type, r.subtype) == ("text", "html"))
               for r in parse_accept(accept))


def rdf_format_of_content_type(content_type: str | None) -> ox.RdfFormat | None:
    """The RDF format of a request body, from its Content-Type (parameters ignored)."""
    if not content_type:
        return None
    offer = media.INPUTS.by_media_type(content_type)
    return offer.format.rdf if offer is not None else None


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


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether Accept-Encoding admits gzip (RFC 9110 §12.5.3): named, or `*`, with q > 0.

    The bundles are stored gzipped beside the plain files (web/build.mjs); this decides which to send.

    >>> accepts_gzip("gzip, deflate, br"), accepts_gzip("br;q=1, *;q=0.5"), accepts_gzip("GZip;q=0.1")
    (True, True, True)
    >>> accepts_gzip(None), accepts_gzip("identity"), accepts_gzip("gzip;q=0"), accepts_gzip("*, gzip;q=0")
    (False, False, False, False)
    """
    weights: dict[str, float] = {}
    for item in (accept_encoding or "").split(","):
        coding, _, params = item.partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if coding.strip():
            weights[coding.strip().lower()] = q
    return weights.get("gzip", weights.get("*", 0.0)) > 0
