"""Canned queries: self-describing ``.rq`` files turned into typed, stable operations.

A newsroom tool calls a URL and gets rows; it cannot read a SPARQL error. So everything that can
be checked is checked once, at start-up, naming the file and line: the header (grlc's ``#+ ``
YAML decorators plus our typed ``params``), the query text (parsed by Oxigraph itself), and that
each parameter can really be bound. At request time a parameter is parsed by its declared type
into an RDF term and bound with pyoxigraph ``substitutions``; the caller's text never enters the
query, so no value can change what the query means.

Two Oxigraph facts shape the design (pyoxigraph 0.5, SEP-0007 substitution):
- a substituted variable must be in the SELECT projection, so the loader adds every parameter
  variable to the projection itself and hides those columns from the results;
- ``BOUND(?param)`` is always false under substitution, so optional parameters are written as
  ``FILTER(COALESCE(<test on ?param>, true))``; the loader rejects ``BOUND(?param)``.

A file may also use grlc's variable convention (``?_name_type`` required, ``?__name_type``
optional), so a researcher's grlc queries run unchanged.

The package: `params` (parameter types), `query` (a loaded query and its binding), `loader`
(files to a `QueryCatalog`), `running` (pages, the answer cache, `run`), `formats` (result
formats). The names below are re-exported so callers write `canned.run(...)`.
"""

from __future__ import annotations

from kg.canned.formats import (
    FORMATS,
    SERIALIZERS,
    SPARQL_TSV_PROFILE,
    PageRows,
    json_value,
    plain_value,
    sparql_json_term,
    to_csv,
    to_json,
    to_sparql_json,
    to_sparql_tsv,
    to_tsv,
    to_xml,
)
from kg.canned.loader import (
    Header,
    QueryCatalog,
    line_of,
    load_queries,
    load_query,
    mask_sparql,
    read_header,
)
from kg.canned.params import (
    GRLC_XSD,
    INTEGER_RE,
    LABEL_PROPERTIES,
    MAX_TEXT,
    PARAM_NAME_RE,
    RESERVED,
    TYPE_OF_XSD,
    CannedQueryError,
    Parameter,
    ParamType,
    fold,
    vocabulary_labels,
    with_labels,
)
from kg.canned.query import (
    BoundQuery,
    CannedQuery,
    param_json,
)
from kg.canned.running import (
    CannedResult,
    Page,
    RenderedPage,
    ResultCache,
    cache_key,
    check_iris,
    closest_iris,
    etag,
    execute,
    existence_request,
    missing_iris,
    page_key,
    render,
    render_rows,
    run,
    serialize,
    shape,
    unknown_iri_error,
)

__all__ = [
    "FORMATS",
    "GRLC_XSD",
    "INTEGER_RE",
    "LABEL_PROPERTIES",
    "MAX_TEXT",
    "PARAM_NAME_RE",
    "RESERVED",
    "SERIALIZERS",
    "SPARQL_TSV_PROFILE",
    "TYPE_OF_XSD",
    "BoundQuery",
    "CannedQuery",
    "CannedQueryError",
    "CannedResult",
    "Header",
    "Page",
    "PageRows",
    "ParamType",
    "Parameter",
    "QueryCatalog",
    "RenderedPage",
    "ResultCache",
    "cache_key",
    "check_iris",
    "closest_iris",
    "etag",
    "execute",
    "existence_request",
    "fold",
    "json_value",
    "line_of",
    "load_queries",
    "load_query",
    "mask_sparql",
    "missing_iris",
    "page_key",
    "param_json",
    "plain_value",
    "read_header",
    "render",
    "render_rows",
    "run",
    "serialize",
    "shape",
    "sparql_json_term",
    "to_csv",
    "to_json",
    "to_sparql_json",
    "to_sparql_tsv",
    "to_tsv",
    "to_xml",
    "unknown_iri_error",
    "vocabulary_labels",
    "with_labels",
]
