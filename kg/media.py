"""The one table of wire formats: every format Tregua reads or writes, and the names each interface knows it by.

Why one table: the SPARQL endpoint, the graph store, entity pages, canned queries, `kg query`,
`kg export` and the query workers all name formats (`format=ttl`, `--format nquads`,
`Accept: text/turtle`) and map them to pyoxigraph's serialisers. Kept apart, those maps drift
(a format one accepts and another refuses). Here each format is described once (`Format`:
media type, extension, pyoxigraph format, W3C format IRI, spec, what it can carry) and each
interface's menu (`Menu`: which formats, under which `format=` names and Accept media types,
in which order of preference) is a short list of those formats.

The HTTP Accept parsing lives in `api.negotiation` (it is HTTP's business); the facts are here,
so that `kg` (the CLI, the workers, the exports) uses them without importing `api`.

>>> RESULTS.by_name("srj").format is SPARQL_JSON
True
>>> GRAPHS.by_name("xml").format.label, RESULTS.by_name("xml").format.label
('RDF/XML', 'SPARQL Query Results XML')
>>> by_key("turtle").extension
'ttl'
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox


class Carries(enum.Enum):
    """What a format can hold: SPARQL solutions, a boolean, an RDF graph, named graphs, a web page."""

    SOLUTIONS = "solutions"
    BOOLEAN = "boolean"
    GRAPH = "graph"
    DATASET = "dataset"
    PAGE = "page"


#: Prefix of the W3C format IRIs (https://www.w3.org/ns/formats/) used by the service description.
W3C_FORMATS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    """One wire format, described once.

    `key` is the table's own identifier (used to send a format across the worker pipe, since
    pyoxigraph's format objects cannot be pickled); the names clients type are in the menus.
    """

    key: str
    label: str
    media_type: str
    extension: str
    spec: str
    carries: frozenset[Carries]
    rdf: ox.RdfFormat | None = None
    results: ox.QueryResultsFormat | None = None
    #: Its name under https://www.w3.org/ns/formats/ ("" when the W3C list has none).
    w3c: str = ""
    #: The media type's `profile` parameter, where another format shares the media type
    #: (SPARQL 1.1 TSV and plain TSV are both text/tab-separated-values).
    profile: str = ""

    @property
    def ox_format(self) -> ox.RdfFormat | ox.QueryResultsFormat | None:
        """The pyoxigraph serialiser, or None for formats Tregua writes itself (plain JSON, HTML)."""
        return self.rdf if self.rdf is not None else self.results

    @property
    def w3c_iri(self) -> str:
        return W3C_FORMATS + self.w3c if self.w3c else ""

    @property
    def textual(self) -> bool:
        """Text that needs a charset on the wire (all of them but none of the binary ones)."""
        return self.media_type.startswith("text/") or self.media_type.endswith(
            ("json", "xml", "turtle", "trig", "n-triples", "n-quads"))


_SOLUTIONS = frozenset({Carries.SOLUTIONS, Carries.BOOLEAN})
_GRAPH = frozenset({Carries.GRAPH})
_DATASET = frozenset({Carries.GRAPH, Carries.DATASET})

#: The table. Specs are the W3C recommendations each serialiser follows.
FORMATS: tuple[Format, ...] = (
    Format("sparql-json", "SPARQL Query Results JSON", "application/sparql-results+json", "srj",
           "https://www.w3.org/TR/sparql11-results-json/", _SOLUTIONS,
           results=ox.QueryResultsFormat.JSON, w3c="SPARQL_Results_JSON"),
    Format("sparql-xml", "SPARQL Query Results XML", "application/sparql-results+xml", "srx",
           "https://www.w3.org/TR/rdf-sparql-XMLres/", _SOLUTIONS,
           results=ox.QueryResultsFormat.XML, w3c="SPARQL_Results_XML"),
    Format("csv", "CSV", "text/csv", "csv", "https://www.w3.org/TR/sparql11-results-csv-tsv/", _SOLUTIONS,
           results=ox.QueryResultsFormat.CSV, w3c="SPARQL_Results_CSV"),
    Format("tsv", "TSV", "text/tab-separated-values", "tsv", "https://www.w3.org/TR/sparql11-results-csv-tsv/",
           _SOLUTIONS, results=ox.QueryResultsFormat.TSV, w3c="SPARQL_Results_TSV",
           profile=W3C_FORMATS + "SPARQL_Results_TSV"),
    Format("plain-tsv", "TSV (plain values, for spreadsheets)", "text/tab-separated-values", "tsv",
           "https://www.iana.org/assignments/media-types/text/tab-separated-values", frozenset({Carries.SOLUTIONS})),
    Format("json", "JSON rows", "application/json", "json", "https://www.rfc-editor.org/rfc/rfc8259",
           frozenset({Carries.SOLUTIONS})),
    Format("html", "HTML", "text/html", "html", "https://html.spec.whatwg.org/", frozenset({Carries.PAGE})),
    Format("turtle", "Turtle", "text/turtle", "ttl", "https://www.w3.org/TR/turtle/", _GRAPH,
           rdf=ox.RdfFormat.TURTLE, w3c="Turtle"),
    Format("n-triples", "N-Triples", "application/n-triples", "nt", "https://www.w3.org/TR/n-triples/", _GRAPH,
           rdf=ox.RdfFormat.N_TRIPLES, w3c="N-Triples"),
    Format("json-ld", "JSON-LD", "application/ld+json", "jsonld", "https://www.w3.org/TR/json-ld11/", _GRAPH,
           rdf=ox.RdfFormat.JSON_LD, w3c="JSON-LD"),
    Format("rdf-xml", "RDF/XML", "application/rdf+xml", "rdf", "https://www.w3.org/TR/rdf-syntax-grammar/",
           _GRAPH, rdf=ox.RdfFormat.RDF_XML, w3c="RDF_XML"),
    Format("n-quads", "N-Quads", "application/n-quads", "nq", "https://www.w3.org/TR/n-quads/", _DATASET,
           rdf=ox.RdfFormat.N_QUADS, w3c="N-Quads"),
    Format("trig", "TriG", "application/trig", "trig", "https://www.w3.org/TR/trig/", _DATASET,
           rdf=ox.RdfFormat.TRIG, w3c="TriG"),
)
_BY_KEY = {f.key: f for f in FORMATS}
(SPARQL_JSON, SPARQL_XML, CSV, TSV, PLAIN_TSV, JSON_ROWS, HTML,
 TURTLE, N_TRIPLES, JSON_LD, RDF_XML, N_QUADS, TRIG) = FORMATS


def by_key(key: str) -> Format:
    """The table's entry for `key` (KeyError for an unknown one: keys are ours, not the client's)."""
    return _BY_KEY[key]


#: (serialiser class, media type) -> entry: a dict, as the workers look one up per query.
_BY_OX = {(type(f.ox_format), f.ox_format.media_type): f for f in FORMATS if f.ox_format is not None}


def of_ox(fmt: ox.RdfFormat | ox.QueryResultsFormat) -> Format:
    """The table's entry for a pyoxigraph format (how a format crosses the worker pipe: by key).

    >>> of_ox(ox.RdfFormat.N_QUADS).key, of_ox(ox.QueryResultsFormat.JSON).key
    ('n-quads', 'sparql-json')
    """
    found = _BY_OX.get((type(fmt), fmt.media_type))
    if found is None:
        raise ValueError(f"{fmt!r} is not in kg.media.FORMATS")
    return found


def results_of(key: str) -> ox.QueryResultsFormat:
    """The SPARQL results serialiser of a results format (ValueError for one pyoxigraph does not write)."""
    fmt = _BY_KEY[key].results
    if fmt is None:
        raise ValueError(f"{key} is not a SPARQL results format pyoxigraph writes")
    return fmt


def rdf_of(key: str) -> ox.RdfFormat:
    """The RDF serialiser of a graph format (ValueError for one that is not RDF)."""
    fmt = _BY_KEY[key].rdf
    if fmt is None:
        raise ValueError(f"{key} is not an RDF format")
    return fmt


@dataclass(frozen=True)
class Offer:
    """One format as one interface offers it: its `format=` short name, other names, media type.

    An offer with `alias_of` is a second media type for the same format (plain
    `application/json` for SPARQL JSON at /sparql): it is served only when the client names it.
    """

    format: Format
    short: str
    also: tuple[str, ...] = ()
    media: str = ""
    alias_of: str | None = None

    @property
    def media_type(self) -> str:
        return self.media or self.format.media_type

    @property
    def extension(self) -> str:
        return self.format.extension

    @property
    def ox_format(self) -> ox.RdfFormat | ox.QueryResultsFormat | None:
        return self.format.ox_format

    @property
    def rdf(self) -> ox.RdfFormat:
        """The RDF serialiser (ValueError if this offer is not an RDF format)."""
        return rdf_of(self.format.key)

    @property
    def results(self) -> ox.QueryResultsFormat:
        """The SPARQL results serialiser (ValueError if pyoxigraph does not write this format)."""
        return results_of(self.format.key)

    @property
    def content_type(self) -> str:
        """The Content-Type header: UTF-8 stated on every textual format."""
        return f"{self.media_type}; charset=utf-8" if self.format.textual else self.media_type

    @property
    def names(self) -> tuple[str, ...]:
        return (self.short, *self.also)


@dataclass(frozen=True)
class Menu:
    """The formats one interface offers, in its order of preference (the first is the default)."""

    what: str
    offers: tuple[Offer, ...]
    _names: dict[str, Offer] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names: dict[str, Offer] = {}
        for offer in self.offers:
            if offer.alias_of is not None:
                continue
            for name in (*offer.names, offer.media_type, offer.extension):
                names.setdefault(name, offer)
        object.__setattr__(self, "_names", names)

    def __iter__(self) -> Iterator[Offer]:
        return iter(self.offers)

    def __len__(self) -> int:
        return len(self.offers)

    def __getitem__(self, index: int) -> Offer:
        return self.offers[index]

    @property
    def default(self) -> Offer:
        return self.offers[0]

    def short_names(self) -> list[str]:
        """The `format=` short names, in the menu's order, each once (aliases left out)."""
        return list(dict.fromkeys(o.short for o in self.offers if o.alias_of is None))

    def names(self) -> list[str]:
        """The `format=`/`--format` names (short and other names, aliases left out), in order."""
        return list(dict.fromkeys(n for o in self.offers if o.alias_of is None for n in o.names))

    def all_names(self) -> list[str]:
        """Every name accepted (short names, other names, media types, extensions)."""
        return list(self._names)

    def media_types(self) -> list[str]:
        """The media types worth listing to a client (aliases left out)."""
        return [o.media_type for o in self.offers if o.alias_of is None]

    def by_name(self, name: str) -> Offer:
        """The offer a `format=`/`--format` value names (short name, other name, media type or extension).

        Raises KeyError; callers turn it into their own error (a 400 naming the parameter, an
        argparse message).
        """
        return self._names[name.strip().lower()]

    def get(self, name: str) -> Offer | None:
        return self._names.get(name.strip().lower())

    def by_media_type(self, media_type: str) -> Offer | None:
        """The offer for an exact media type (parameters ignored), aliases included."""
        wanted = media_type.split(";")[0].strip().lower()
        for offer in self.offers:
            if offer.media_type == wanted:
                return offer
        return None

    def only(self, *shorts: str, what: str | None = None) -> Menu:
        """A smaller menu: these short names' offers, in this menu's order."""
        return Menu(what or self.what, tuple(o for o in self.offers if o.short in shorts))


def _alias(offer: Offer, media: str) -> Offer:
    return Offer(offer.format, offer.short, media=media, alias_of=offer.media_type)


_RESULTS_MAIN = (Offer(SPARQL_JSON, "json", ("srj",)), Offer(SPARQL_XML, "xml", ("srx",)),
                 Offer(CSV, "csv"), Offer(TSV, "tsv"))
#: SELECT/ASK results at /sparql and from `kg query`.
RESULTS = Menu("SPARQL results", (*_RESULTS_MAIN, _alias(_RESULTS_MAIN[0], "application/json"),
                                  _alias(_RESULTS_MAIN[1], "application/xml")))

_GRAPHS_MAIN = (
    # N3 is a superset of Turtle: a client asking for N3 (SPARQLWrapper's `N3`) can read Turtle.
    Offer(TURTLE, "ttl", ("turtle", "n3", "text/n3", "text/rdf+n3", "application/turtle")),
    Offer(N_TRIPLES, "nt", ("ntriples", "n-triples")),
    Offer(JSON_LD, "jsonld", ("json-ld", "json")),
    Offer(RDF_XML, "rdf", ("rdfxml", "rdf+xml", "xml")),
    Offer(N_QUADS, "nq", ("nquads", "n-quads")),
    Offer(TRIG, "trig"),
)
#: RDF documents and dumps: CONSTRUCT/DESCRIBE at /sparql, the graph store, the service
#: description, `kg query`, `kg export`.
GRAPHS = Menu("RDF graphs", (*_GRAPHS_MAIN, _alias(_GRAPHS_MAIN[1], "text/plain"),
                             _alias(_GRAPHS_MAIN[0], "application/x-turtle")))

#: Dumps that keep the named graphs (GET /dumps/…): the dataset formats of GRAPHS.
DATASETS = Menu("RDF datasets", tuple(o for o in _GRAPHS_MAIN if Carries.DATASET in o.format.carries))

#: One entity's or vocabulary's description (datasets make no sense for one description);
#: plain `application/json` (asked for by name only) gets JSON-LD, which is JSON.
DOCUMENTS = Menu("RDF documents", (*_GRAPHS_MAIN[:4], _alias(_GRAPHS_MAIN[2], "application/json")))

#: Canned queries (GET /queries/NAME, `kg query --canned`): `format=` names in the order they are
#: listed; plain values as `tsv` and `json` (the SPARQL documents are `sparql-tsv` and `sparql-json`).
CANNED = Menu("canned query results", (
    Offer(CSV, "csv"), Offer(PLAIN_TSV, "tsv"), Offer(TSV, "sparql-tsv"), Offer(SPARQL_JSON, "sparql-json"),
    Offer(JSON_ROWS, "json"),
    Offer(SPARQL_XML, "xml"), Offer(HTML, "html"),
))
#: The canned queries' Accept preference: a bare `*/*` gets the first (plain JSON rows). SPARQL TSV
#: is chosen by the profile parameter (api.routers.queries), not by its media type alone.
CANNED_ACCEPT: tuple[Offer, ...] = (
    CANNED.by_name("json"), CANNED.by_name("csv"), CANNED.by_name("tsv"), CANNED.by_name("sparql-json"),
    CANNED.by_name("xml"), _alias(CANNED.by_name("xml"), "application/xml"),
    _alias(CANNED.by_name("xml"), "text/xml"), CANNED.by_name("html"),
    _alias(CANNED.by_name("html"), "application/xhtml+xml"),
)


def canned_content_type(offer: Offer) -> str:
    """Canned answers state the charset on text/* only (JSON and XML declare their own encoding),
    and the profile where the media type is shared (SPARQL TSV beside plain TSV)."""
    fmt = offer.format
    out = f"{fmt.media_type}; charset=utf-8" if fmt.media_type.startswith("text/") else fmt.media_type
    return f'{out}; profile="{fmt.profile}"' if fmt.profile else out


#: Formats a request body may come in (graph store PUT/POST, /validate): every RDF format.
INPUTS = GRAPHS
