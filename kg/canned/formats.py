"""The result formats of canned queries: CSV, TSV, SPARQL JSON and XML, plain JSON."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import pyoxigraph as ox

from kg import media
from kg.store.engine import Term
from kg.vocab import XSD

#: The W3C format IRI that names SPARQL 1.1 TSV: the `profile` parameter that sets it apart from plain TSV.
SPARQL_TSV_PROFILE = media.TSV.profile
#: format name -> Content-Type (SPARQL 1.1 result formats, plus plain CSV/TSV and a plain JSON array
#: for spreadsheets and JavaScript tools), from the one format table `kg.media` (its CANNED menu).
#: `tsv` is plain TSV; `sparql-tsv` is SPARQL 1.1 TSV.
FORMATS: dict[str, str] = {offer.short: media.canned_content_type(offer) for offer in media.CANNED}


def plain_value(term: Term | None) -> str:
    """The value a spreadsheet wants: an IRI or a literal's lexical form, no syntax."""
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Triple):
        return str(term)
    return str(term.value)


def json_value(term: Term | None) -> Any:
    """A literal as JSON: numbers as numbers and booleans as booleans, everything else as text."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dtype = term.datatype.value.removeprefix(XSD)
        try:
            if dtype in ("integer", "int", "long", "nonNegativeInteger", "positiveInteger"):
                return int(term.value)
            if dtype in ("decimal", "double", "float"):
                return float(term.value)
        except ValueError:
            return term.value
        if dtype == "boolean":
            return term.value in ("true", "1")
    return plain_value(term)


PageRows = list[dict[str, Term]]


def to_csv(variables: list[str], rows: PageRows) -> bytes:
    """SPARQL 1.1 CSV: header of names, plain values, CRLF."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(variables)
    for row in rows:
        writer.writerow([plain_value(row.get(v)) for v in variables])
    return out.getvalue().encode()


_TSV_BREAKS = re.compile(r"[\t\r\n]")


def to_tsv(variables: list[str], rows: PageRows) -> bytes:
    r"""Plain TSV for spreadsheets: a header of the column names, then plain values (as in CSV).

    TSV (IANA text/tab-separated-values) has no quoting, so each tab, CR or LF inside a value
    becomes one space; CSV keeps them (quoted), and `sparql-tsv` escapes them.

    >>> to_tsv(["name", "n"], [{"name": ox.Literal("a\tb", language="en"), "n": ox.Literal("2")}])
    b'name\tn\na b\t2\n'
    """
    lines = ["\t".join(variables)]
    for row in rows:
        lines.append("\t".join(_TSV_BREAKS.sub(" ", plain_value(row.get(v))) for v in variables))
    return ("\n".join(lines) + "\n").encode()


def to_sparql_tsv(variables: list[str], rows: PageRows) -> bytes:
    """SPARQL 1.1 TSV: `?name` headers, terms in Turtle/N-Triples syntax (tabs and newlines escaped)."""
    lines = ["\t".join("?" + v for v in variables)]
    for row in rows:
        lines.append("\t".join(str(row[v]) if v in row else "" for v in variables))
    return ("\n".join(lines) + "\n").encode()


def sparql_json_term(term: Term) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD + "string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": str(term)}


def to_sparql_json(variables: list[str], rows: PageRows) -> bytes:
    doc = {"head": {"vars": variables},
           "results": {"bindings": [{k: sparql_json_term(v) for k, v in row.items()} for row in rows]}}
    return json.dumps(doc, ensure_ascii=False).encode()


def to_json(variables: list[str], rows: PageRows) -> bytes:
    """A plain array of objects (one key per column, null when unbound): what JavaScript tools eat."""
    doc = [{v: json_value(row.get(v)) for v in variables} for row in rows]
    return json.dumps(doc, ensure_ascii=False).encode()


def to_xml(variables: list[str], rows: PageRows) -> bytes:
    """SPARQL Query Results XML Format."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "<head>",
             *(f"<variable name={quoteattr(v)}/>" for v in variables), "</head>", "<results>"]
    for row in rows:
        parts.append("<result>")
        for name, term in row.items():
            parts.append(f"<binding name={quoteattr(name)}>{_xml_term(term)}</binding>")
        parts.append("</result>")
    parts.append("</results>\n</sparql>\n")
    return "\n".join(parts).encode()


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{xml_escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{xml_escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{xml_escape(term.value)}</literal>"
        if term.datatype.value != XSD + "string":
            return f"<literal datatype={quoteattr(term.datatype.value)}>{xml_escape(term.value)}</literal>"
        return f"<literal>{xml_escape(term.value)}</literal>"
    return f"<literal>{xml_escape(str(term))}</literal>"


SERIALIZERS = {"csv": to_csv, "tsv": to_tsv, "sparql-tsv": to_sparql_tsv, "sparql-json": to_sparql_json,
               "json": to_json, "xml": to_xml}
