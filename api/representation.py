"""HTML page or RDF document? The choice every dereferenceable path makes (entities, ontology, shapes).

Built on `kg.media.DOCUMENTS` (from the one format table) and `api.negotiation`'s Accept matcher; this module only adds
the HTML side of the comparison, which that table does not carry.
"""

from __future__ import annotations

from api.negotiation import by_short_name, match, negotiate, parse_accept
from kg.errors import UnsupportedFormat
from kg.media import DOCUMENTS, Offer

EXTENSIONS = (*DOCUMENTS.short_names(), "html")
_HTML = ("text/html", "application/xhtml+xml")


def choose_representation(
    accept: str | None, extension: str | None = None, format_param: str | None = None
) -> Offer | None:
    """The RDF format to send, or None for the HTML page.

    An extension or `format=` decides outright. Otherwise the higher q-value wins; on a tie the
    media type the client named more specifically wins, and a bare `*/*` gets the page. So a
    browser gets HTML, and rdflib's or Jena's weighted Accept (RDF types first, `*/*;q=0.1` or no
    HTML at all) gets RDF. Raises UnsupportedFormat (406) when neither is acceptable.

    >>> choose_representation("text/html,application/xhtml+xml,*/*;q=0.8") is None
    True
    >>> choose_representation("text/turtle;q=0.9, text/html;q=0.5").short
    'ttl'
    >>> choose_representation("application/rdf+xml, text/n3, text/turtle, application/ld+json").short
    'ttl'
    """
    wanted = extension or format_param
    if wanted:
        if wanted.strip().lower() in ("html", "text/html"):
            return None
        return by_short_name(wanted, DOCUMENTS)
    ranges = parse_accept(accept)
    html = max(match(ranges, m) for m in _HTML)
    rdf = negotiate(accept, DOCUMENTS)
    if rdf is None:
        if html[0] > 0:
            return None
        raise UnsupportedFormat(
            f"none of the media types in Accept: {accept!r} is served here",
            offered=["text/html", *DOCUMENTS.media_types()],
        )
    rdf_q, rdf_specificity = match(ranges, rdf.media_type)
    if html[0] > rdf_q or (html[0] == rdf_q and html[1] >= rdf_specificity):
        return None
    return rdf


def split_extension(name: str) -> tuple[str, str | None]:
    """`oscar-ortiz.ttl` -> (`oscar-ortiz`, `ttl`); names without a known extension stay whole.

    >>> split_extension("oscar-ortiz.ttl")
    ('oscar-ortiz', 'ttl')
    >>> split_extension("el-salvador.2016")
    ('el-salvador.2016', None)
    """
    stem, dot, ext = name.rpartition(".")
    if dot and stem and ext.lower() in EXTENSIONS:
        return stem, ext.lower()
    return name, None


def alternates(path: str) -> list[dict[str, str]]:
    """The other formats of the document at `path`, for `<link rel=alternate>` and the page footer."""
    return [
        {"name": t.format.label, "media_type": t.media_type, "href": f"{path}.{t.extension}"}
        for t in DOCUMENTS
        if t.alias_of is None
    ]


def link_header(path: str) -> str:
    return ", ".join(f'<{a["href"]}>; rel="alternate"; type="{a["media_type"]}"' for a in alternates(path))
