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
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import functools
import hashlib
import io
import json
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import pyoxigraph as ox
import yaml

from kg import iris, paths, service
from kg.errors import KgError, NotFound, ParameterError, ServiceRefused, SourceLocation, UnsupportedFormat
from kg.store import open_store
from kg.store.engine import Engine, InProcessEngine, QueryRequest, Rows, Term

XSD = "http://www.w3.org/2001/XMLSchema#"
NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PARAM_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
#: Query-string names the service itself reads; no parameter may take them.
RESERVED = frozenset({"format", "limit", "offset", "page", "per_page"})
MAX_TEXT = 1000


class CannedQueryError(KgError):
    """A query file is broken: `where` names the file and line, so start-up can stop on it."""

    def __init__(self, message: str, *, where: SourceLocation, hint: str | None = None) -> None:
        super().__init__(f"{where}: {message}", hint=hint)
        self.where = where


# -- Parameter types ---------------------------------------------------------------------------


class ParamType(StrEnum):
    IRI = "iri"
    STRING = "string"
    LANGSTRING = "langstring"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    ENUM = "enum"
    NUMBER = "number"  # grlc's `?_x_number`: an integer or a decimal
    TYPED = "typed"  # grlc's `?_x_<xsd type>` for other XSD types


_INTEGER_RE = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL_RE = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_LANG_RE = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
#: XSD datatypes a grlc variable suffix may name (`?_when_date`); others are not datatypes.
GRLC_XSD = frozenset({"integer", "decimal", "date", "dateTime", "boolean", "double", "float", "gYear",
                      "gYearMonth", "string", "anyURI", "int", "long", "nonNegativeInteger",
                      "positiveInteger", "time"})
_TYPE_OF_XSD = {"integer": ParamType.INTEGER, "decimal": ParamType.DECIMAL, "date": ParamType.DATE,
                "string": ParamType.STRING, "int": ParamType.INTEGER, "long": ParamType.INTEGER}

_EXPECTED = {
    ParamType.IRI: "an absolute IRI (or one with a known prefix such as id: or tg:)",
    ParamType.STRING: f"text of at most {MAX_TEXT} characters",
    ParamType.LANGSTRING: "text with a language tag, written text@lang",
    ParamType.INTEGER: "an integer",
    ParamType.DECIMAL: "a decimal number with a dot, no exponent",
    ParamType.DATE: "a date written YYYY-MM-DD",
    ParamType.NUMBER: "a number (integer or decimal)",
    ParamType.TYPED: "a literal value",
}


@dataclass(frozen=True)
class Parameter:
    """One typed input of a canned query. `variable` is the SPARQL variable it binds (no `?`)."""

    name: str
    variable: str
    type: ParamType
    required: bool = False
    default: str | None = None
    example: str = ""
    description: str = ""
    values: tuple[str, ...] = ()
    iri_base: str | None = None  # enum only: bind `iri_base + value` as an IRI instead of a string
    lang: str | None = None  # langstring only: the fixed language tag
    datatype: str | None = None  # typed only: the XSD datatype IRI
    minimum: int | None = None
    maximum: int | None = None
    #: enum only: (label, value) pairs, from the vocabulary's labels of `iri_base + value`
    labels: tuple[tuple[str, str], ...] = ()

    @property
    def expected(self) -> str:
        if self.type is ParamType.ENUM:
            shown = [v + (f" ({', '.join(self.label_names(v))})" if self.label_names(v) else "")
                     for v in self.values]
            return "one of " + ", ".join(shown) + " (or their labels; case and accents do not matter)"
        if self.type is ParamType.LANGSTRING and self.lang:
            return f"text (it is read as @{self.lang})"
        text = _EXPECTED[self.type]
        if self.type is ParamType.INTEGER and (self.minimum is not None or self.maximum is not None):
            text += f" from {self.minimum if self.minimum is not None else '-∞'}" \
                    f" to {self.maximum if self.maximum is not None else '∞'}"
        if self.type is ParamType.TYPED and self.datatype:
            text = f"a value of type xsd:{self.datatype.removeprefix(XSD)}"
        return text

    def label_names(self, value: str) -> list[str]:
        """The labels that name `value` (besides the value itself)."""
        return [label for label, v in self.labels if v == value and fold(label) != fold(value)]

    def error(self, message: str) -> ParameterError:
        return ParameterError(self.name, message, expected=self.expected, example=self.example or "(none)")

    def parse(self, raw: str) -> Term:
        """The RDF term for one value; raises `ParameterError` saying what was expected.

        >>> Parameter("year", "year", ParamType.INTEGER, example="2016").parse("2016")
        <Literal value=2016 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#integer>>
        """
        value = raw.strip() if self.type not in (ParamType.STRING, ParamType.LANGSTRING) else raw
        if len(value) > MAX_TEXT:
            raise self.error(f"parameter {self.name!r} is longer than {MAX_TEXT} characters")
        parser = _PARSERS[self.type]
        return parser(self, value)


def _bad(p: Parameter, value: str) -> ParameterError:
    shown = value if len(value) <= 60 else value[:57] + "..."
    return p.error(f"parameter {p.name!r} got {shown!r}, which is not {p.expected}")


def _parse_iri(p: Parameter, value: str) -> Term:
    prefix, sep, local = value.partition(":")
    if sep and prefix in iris.PREFIXES and not local.startswith("//"):
        value = iris.PREFIXES[prefix] + local
    if not _SCHEME_RE.match(value):
        raise _bad(p, value)
    try:
        return ox.NamedNode(value)
    except ValueError as exc:
        raise p.error(f"parameter {p.name!r} is not a valid IRI: {exc}") from None


def _parse_string(p: Parameter, value: str) -> Term:
    return ox.Literal(value)


def _parse_langstring(p: Parameter, value: str) -> Term:
    if p.lang:
        return ox.Literal(value, language=p.lang)
    text, sep, lang = value.rpartition("@")
    if not sep or not text or not _LANG_RE.match(lang):
        raise _bad(p, value)
    return ox.Literal(text, language=lang.lower())


def _parse_integer(p: Parameter, value: str) -> Term:
    if not _INTEGER_RE.match(value):
        raise _bad(p, value)
    number = int(value)
    if (p.minimum is not None and number < p.minimum) or (p.maximum is not None and number > p.maximum):
        raise _bad(p, value)
    return ox.Literal(str(number), datatype=ox.NamedNode(XSD + "integer"))


def _parse_decimal(p: Parameter, value: str) -> Term:
    if not _DECIMAL_RE.match(value):
        raise _bad(p, value)
    return ox.Literal(value.lstrip("+"), datatype=ox.NamedNode(XSD + "decimal"))


def _parse_number(p: Parameter, value: str) -> Term:
    if _INTEGER_RE.match(value):
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
    return _parse_decimal(p, value)


def _parse_date(p: Parameter, value: str) -> Term:
    try:
        if not _DATE_RE.match(value):
            raise ValueError(value)
        dt.date.fromisoformat(value)
    except ValueError:
        raise _bad(p, value) from None
    return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))


def fold(text: str) -> str:
    """A label as matched: case, accents, spaces and punctuation folded away.

    >>> fold("Does not rule-out") == fold("doesNotRuleOut"), fold("Escéptica")
    (True, 'esceptica')
    """
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return "".join(re.findall(r"[^\W_]+", plain))


def _parse_enum(p: Parameter, value: str) -> Term:
    """A declared value, or a label the output shows for it (`rejects`, `does not rule out`,
    `no descarta`), matched by `fold`."""
    if value not in p.values:
        folded = fold(value)
        match = next((v for v in p.values if fold(v) == folded), None)
        match = match or next((v for label, v in p.labels if fold(label) == folded), None)
        if match is None:
            raise _bad(p, value)
        value = match
    return ox.NamedNode(p.iri_base + value) if p.iri_base else ox.Literal(value)


LABEL_PROPERTIES = frozenset({"http://www.w3.org/2000/01/rdf-schema#label",
                              "http://www.w3.org/2004/02/skos/core#prefLabel",
                              "http://www.w3.org/2004/02/skos/core#altLabel"})


@functools.lru_cache(maxsize=1)
def vocabulary_labels() -> dict[str, tuple[str, ...]]:
    """IRI -> its labels (rdfs:label, skos:prefLabel, skos:altLabel, every language) in the
    ontology files: the labels the result columns show for stance values and other concepts."""
    labels: dict[str, list[str]] = {}
    for path in sorted(paths.ONTOLOGY_DIR.glob("*.ttl")):
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            if quad.predicate.value in LABEL_PROPERTIES and isinstance(quad.subject, ox.NamedNode):
                labels.setdefault(quad.subject.value, []).append(str(quad.object.value))  # type: ignore[union-attr]
    return {iri: tuple(found) for iri, found in labels.items()}


def with_labels(p: Parameter) -> Parameter:
    """An enum parameter that also accepts the vocabulary's labels of its values."""
    if p.type is not ParamType.ENUM or not p.iri_base:
        return p
    known = vocabulary_labels()
    pairs = {(label, v) for v in p.values for label in known.get(p.iri_base + v, ())}
    return replace(p, labels=tuple(sorted(pairs)))


def _parse_typed(p: Parameter, value: str) -> Term:
    return ox.Literal(value, datatype=ox.NamedNode(p.datatype or XSD + "string"))


_PARSERS = {
    ParamType.IRI: _parse_iri, ParamType.STRING: _parse_string, ParamType.LANGSTRING: _parse_langstring,
    ParamType.INTEGER: _parse_integer, ParamType.DECIMAL: _parse_decimal, ParamType.DATE: _parse_date,
    ParamType.ENUM: _parse_enum, ParamType.NUMBER: _parse_number, ParamType.TYPED: _parse_typed,
}


# -- Reading a file ------------------------------------------------------------------------------


def mask_sparql(text: str) -> str:
    """The text with comments, strings and IRIs blanked (same length, same lines), so that
    keywords and variables can be found without matching inside them."""
    out = list(text)
    i, n = 0, len(text)

    def blank(a: int, b: int) -> None:
        for k in range(a, min(b, n)):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if c == "#":
            end = text.find("\n", i)
            end = n if end < 0 else end
            blank(i, end)
            i = end
        elif c in "'\"":
            quote = c * 3 if text.startswith(c * 3, i) else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            blank(i, j + len(quote))
            i = j + len(quote)
        elif c == "<":
            m = re.compile(r"<[^<>\"{}|^`\\\s]*>").match(text, i)
            if m:
                blank(i, m.end())
                i = m.end()
            else:
                i += 1
        else:
            i += 1
    return "".join(out)


_VAR_RE = re.compile(r"[?$]([A-Za-z_][A-Za-z0-9_]*)")
_GRLC_VAR_RE = re.compile(r"^(?P<required>_{1,2})(?P<name>[^_]+)(?:_(?P<type>[A-Za-z0-9]+))?"
                          r"(?:_(?P<userdefined>[A-Za-z0-9]+))?$")
_SELECT_RE = re.compile(r"\bSELECT\b(\s+(?:DISTINCT|REDUCED)\b)?", re.IGNORECASE)
_BOUND_RE = re.compile(r"\bBOUND\s*\(\s*[?$]([A-Za-z_][A-Za-z0-9_]*)\s*\)", re.IGNORECASE)


def line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


@dataclass
class Header:
    """The `#+ ` lines: the YAML they hold and, for error messages, the file line of each."""

    data: dict[str, Any]
    lines: list[int]

    def line(self, key: str | None = None) -> int | None:
        """The file line where `key` is declared (or the header's first line)."""
        if not self.lines:
            return None
        return self.lines[self._index.get(key, 0)] if key else self.lines[0]

    _index: dict[str, int] = field(default_factory=dict)


def read_header(text: str, file: str) -> Header:
    """Parse the `#+ ` decorator lines as YAML, as grlc does; raise naming the file and line."""
    file_lines: list[int] = []
    yaml_lines: list[str] = []
    for number, text_line in enumerate(text.splitlines(), start=1):
        if text_line.startswith("#+"):
            file_lines.append(number)
            yaml_lines.append(text_line[3:] if text_line.startswith("#+ ") else text_line[2:])
    if not yaml_lines:
        return Header({}, [])
    try:
        data = yaml.safe_load("\n".join(yaml_lines))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line: int = file_lines[min(mark.line, len(file_lines) - 1)] if mark is not None else file_lines[0]
        problem = getattr(exc, "problem", None) or str(exc)
        raise CannedQueryError(f"the #+ header is not valid YAML: {problem}",
                               where=SourceLocation(file, line),
                               hint="each header line starts with '#+ ' and the lines together form YAML, "
                                    "e.g. '#+ summary: Quotes by speaker'") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise CannedQueryError("the #+ header must be a YAML mapping of decorators",
                               where=SourceLocation(file, file_lines[0]), hint="e.g. '#+ summary: ...'")
    index: dict[str, int] = {}
    for i, yaml_line in enumerate(yaml_lines):
        m = re.match(r"^([A-Za-z_]+)\s*:", yaml_line)
        if m and m.group(1) not in index:
            index[m.group(1)] = i
    return Header(data, file_lines, index)


# -- A canned query ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoundQuery:
    """A query ready to run: the request (values bound as terms) and the canonical values."""

    request: QueryRequest
    values: dict[str, str]

    @property
    def shown(self) -> dict[str, str]:
        """The bound values as people read them (no N-Triples syntax)."""
        return {k: plain_value((self.request.substitutions or {})[self.param_variables[k]])
                for k in self.values}

    param_variables: dict[str, str] = field(default_factory=dict)


@dataclass
class CannedQuery:
    """One published query. Its `name` and `params` are a public contract: never change them."""

    name: str
    path: Path
    text: str  # as run: the file text with parameter variables added to the projection
    summary: str
    description: str
    tags: list[str]
    params: list[Parameter]
    example: str
    variables: list[str]  # the visible result columns, in order
    hidden: frozenset[str]
    page_size: int | None = None

    @functools.cached_property
    def digest(self) -> str:
        """Identifies this exact query text: part of every ETag, so editing a file busts caches."""
        return hashlib.sha256(self.text.encode()).hexdigest()[:16]

    def param(self, name: str) -> Parameter | None:
        return next((p for p in self.params if p.name == name), None)

    def bind(self, raw: Mapping[str, str] | Iterable[tuple[str, str]], *, timeout: float | None = None,
             ) -> BoundQuery:
        """Check every value against its declared type and bind it as an RDF term.

        Raises `ParameterError` for an unknown, repeated, missing or badly typed parameter;
        an empty value counts as left out. Parameters left out (and without default) stay unbound.
        """
        pairs = list(raw.items()) if isinstance(raw, Mapping) else list(raw)
        given: dict[str, str] = {}
        for key, value in pairs:
            if key in RESERVED:
                continue
            p = self.param(key)
            if p is None:
                known = ", ".join(x.name for x in self.params) or "none"
                close = difflib.get_close_matches(key, [x.name for x in self.params], n=1)
                raise ParameterError(
                    key, f"query {self.name!r} has no parameter {key!r}"
                         + (f"; did you mean {close[0]!r}?" if close else ""),
                    expected=f"one of its parameters ({known}) or format/limit/offset/page/per_page",
                    example=self.example)
            if key in given:
                raise p.error(f"parameter {key!r} was given more than once; give it once")
            given[key] = value
        substitutions: dict[str, Term] = {}
        values: dict[str, str] = {}
        for p in self.params:
            value = given.get(p.name, "")
            if value == "" and p.default is not None:
                value = p.default
            if value == "":
                if p.required:
                    raise p.error(f"query {self.name!r} needs parameter {p.name!r}")
                continue
            term = p.parse(value)
            substitutions[p.variable] = term
            values[p.name] = str(term)
        return BoundQuery(QueryRequest(self.text, substitutions=substitutions, timeout=timeout), values,
                          {p.name: p.variable for p in self.params})

    def example_params(self) -> dict[str, str]:
        """The parameters of the example call."""
        query = self.example.partition("?")[2]
        return dict(parse_qsl(query, keep_blank_values=True))

    def describe(self, base_url: str = "") -> dict[str, Any]:
        """The JSON description of the query for the list and for tools."""
        return {
            "name": self.name,
            "summary": self.summary,
            "description": self.description,
            "tags": self.tags,
            "url": f"{base_url}/queries/{self.name}",
            "example": f"{base_url}{self.example}",
            "columns": self.variables,
            "pagination": self.page_size,
            "parameters": [param_json(p) for p in self.params],
        }


def param_json(p: Parameter) -> dict[str, Any]:
    out: dict[str, Any] = {"name": p.name, "type": p.type.value, "required": p.required,
                           "description": p.description, "example": p.example, "expected": p.expected}
    if p.default is not None:
        out["default"] = p.default
    if p.values:
        out["values"] = list(p.values)
    if p.lang:
        out["lang"] = p.lang
    return out


_KNOWN_KEYS = {"summary", "description", "tags", "method", "pagination", "enumerate", "defaults",
               "endpoint", "endpoint_in_url", "params", "example"}
_PARAM_KEYS = {"name", "type", "required", "default", "example", "description", "values", "iri_base",
               "lang", "variable", "min", "max"}


class _Loader:
    """Turns one file into a `CannedQuery`, or a `CannedQueryError` at the right line."""

    _probe = ox.Store()

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = str(path)
        self.text = path.read_text(encoding="utf-8")
        self.masked = mask_sparql(self.text)
        self.header = read_header(self.text, self.file)

    def fail(self, message: str, *, key: str | None = None, line: int | None = None,
             hint: str | None = None) -> CannedQueryError:
        return CannedQueryError(message, where=SourceLocation(self.file, line or self.header.line(key)),
                                hint=hint)

    def load(self) -> CannedQuery:
        name = self.path.stem
        if not NAME_RE.match(name):
            raise self.fail(f"file name {name!r} is not a lower-case slug", line=1,
                            hint="name it like quotes-by-speaker.rq")
        data = self.header.data
        unknown = sorted(set(data) - _KNOWN_KEYS)
        if unknown:
            raise self.fail(f"unknown decorator {unknown[0]!r}", key=unknown[0],
                            hint="known decorators: " + ", ".join(sorted(_KNOWN_KEYS)))
        summary = data.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            raise self.fail("the header needs '#+ summary: <one line>'", key="summary")
        method = str(data.get("method", "GET")).upper()
        if method != "GET":
            raise self.fail(f"method {method} is not supported; canned queries are read-only GETs",
                            key="method")
        tags = data.get("tags", [])
        if isinstance(tags, str):
            tags = [tags]
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise self.fail("tags must be a list of words", key="tags", hint="#+ tags:\n#+   - quotes")
        page_size = data.get("pagination")
        if page_size is not None and (not isinstance(page_size, int) or page_size < 1):
            raise self.fail("pagination must be a positive integer (rows per page)", key="pagination")
        params = self.declared_params() + self.grlc_params()
        self.apply_grlc_decorators(params)
        params = [with_labels(p) for p in params]
        seen: set[str] = set()
        for p in params:
            if p.name in seen:
                raise self.fail(f"parameter {p.name!r} is declared twice", key="params")
            seen.add(p.name)
            if p.name in RESERVED:
                raise self.fail(f"parameter name {p.name!r} is reserved for the service", key="params",
                                hint="reserved: " + ", ".join(sorted(RESERVED)))
        try:  # before the probe below runs the query: SERVICE would call out at load time
            service.check(self.text, never="canned queries never call other endpoints")
        except ServiceRefused as exc:
            raise self.fail(exc.message, line=exc.line, hint="remove SERVICE from the file") from None
        text = self.project(params)
        variables = self.check_query(text, params)
        hidden = frozenset(p.variable for p in params)
        example = data.get("example") or self.default_example(name, params)
        if not isinstance(example, str):
            raise self.fail("example must be a URL path with its query string", key="example")
        if example.startswith("?"):
            example = f"/queries/{name}{example}"
        query = CannedQuery(
            name=name, path=self.path, text=text, summary=summary.strip(),
            description=str(data.get("description") or "").strip(), tags=tags, params=params,
            example=example, variables=[v for v in variables if v not in hidden], hidden=hidden,
            page_size=page_size)
        try:
            query.bind(query.example_params())
        except ParameterError as exc:
            raise self.fail(f"the example call does not bind: {exc}", key="example") from None
        return query

    # -- parameters --

    def declared_params(self) -> list[Parameter]:
        raw = self.header.data.get("params") or []
        if not isinstance(raw, list):
            raise self.fail("params must be a list of mappings", key="params",
                            hint="#+ params:\n#+   - name: speaker\n#+     type: iri")
        out = []
        for item in raw:
            if not isinstance(item, dict) or "name" not in item:
                raise self.fail("each entry of params needs at least name and type", key="params")
            extra = sorted(set(item) - _PARAM_KEYS)
            if extra:
                raise self.fail(f"parameter {item['name']!r}: unknown key {extra[0]!r}", key="params",
                                hint="keys: " + ", ".join(sorted(_PARAM_KEYS)))
            name = str(item["name"])
            if not PARAM_NAME_RE.match(name):
                raise self.fail(f"parameter name {name!r} must be letters, digits and _", key="params")
            try:
                ptype = ParamType(str(item.get("type", "string")))
            except ValueError:
                raise self.fail(f"parameter {name!r}: unknown type {item.get('type')!r}", key="params",
                                hint="types: " + ", ".join(t.value for t in ParamType)) from None
            values = tuple(str(v) for v in item.get("values") or ())
            if ptype is ParamType.ENUM and not values:
                raise self.fail(f"parameter {name!r}: an enum needs its values", key="params")
            default = item.get("default")
            p = Parameter(
                name=name, variable=str(item.get("variable", name)), type=ptype,
                required=bool(item.get("required", False)),
                default=None if default is None else str(default),
                example=str(item.get("example", default if default is not None else "")),
                description=str(item.get("description", "")).strip(), values=values,
                iri_base=item.get("iri_base"), lang=item.get("lang"),
                minimum=item.get("min"), maximum=item.get("max"))
            if p.required and p.default is not None:
                raise self.fail(f"parameter {name!r} is required and has a default: choose one", key="params")
            if not p.example:
                raise self.fail(f"parameter {name!r} needs an example", key="params")
            try:
                p.parse(p.example)
                if p.default is not None:
                    p.parse(p.default)
            except ParameterError as exc:
                raise self.fail(f"parameter {name!r}: its example or default is invalid: {exc}",
                                key="params") from None
            out.append(p)
        return out

    def grlc_params(self) -> list[Parameter]:
        """Parameters from grlc's variable names: `?_name_type` required, `?__name_type` optional."""
        out: dict[str, Parameter] = {}
        for m in _VAR_RE.finditer(self.masked):
            var = m.group(1)
            g = _GRLC_VAR_RE.match(var)
            if not var.startswith("_") or g is None or var in {p.variable for p in out.values()}:
                continue
            name, mtype, user = g.group("name"), g.group("type"), g.group("userdefined")
            ptype, lang, datatype = ParamType.STRING, None, None
            if mtype in ("iri", "number", "string", "literal"):
                ptype = {"iri": ParamType.IRI, "number": ParamType.NUMBER}.get(mtype, ParamType.STRING)
            elif mtype in GRLC_XSD:
                ptype = _TYPE_OF_XSD.get(mtype, ParamType.TYPED)
                datatype = XSD + mtype
            elif mtype and len(mtype) == 2:
                ptype, lang = ParamType.LANGSTRING, mtype
            elif mtype and user:
                raise self.fail(f"variable ?{var}: datatype {mtype}:{user} is not supported",
                                line=line_of(self.text, m.start()), hint="use an XSD type, e.g. ?_when_date")
            example = {ParamType.IRI: iris.entity_iri("person", "oscar-ortiz"), ParamType.NUMBER: "1",
                       ParamType.INTEGER: "1", ParamType.DECIMAL: "1.0", ParamType.DATE: "2017-01-09",
                       ParamType.LANGSTRING: "text"}.get(ptype, "text")
            out[name] = Parameter(name=name, variable=var, type=ptype, required=g.group("required") == "_",
                                  lang=lang, datatype=datatype, example=example,
                                  description=f"grlc parameter ?{var}")
        return list(out.values())

    def apply_grlc_decorators(self, params: list[Parameter]) -> None:
        """grlc's `defaults` and `enumerate` refine the parameters they name."""
        data = self.header.data
        for key in ("defaults", "enumerate"):
            entries = data.get(key) or []
            if not isinstance(entries, list):
                raise self.fail(f"{key} must be a list", key=key)
            for entry in entries:
                if not isinstance(entry, dict):
                    raise self.fail(f"{key}: '{entry}' needs its values here (fetching them from an "
                                    "endpoint at start-up is not supported)", key=key,
                                    hint=f"#+ {key}:\n#+   - name: value")
                for pname, value in entry.items():
                    idx = next((i for i, p in enumerate(params) if p.name == pname), None)
                    if idx is None:
                        raise self.fail(f"{key} names {pname!r}, which is no parameter of this query",
                                        key=key)
                    p = params[idx]
                    if key == "defaults":
                        params[idx] = _replace(p, default=str(value), required=False, example=p.example
                                               if p.example not in ("text", "1") else str(value))
                    else:
                        vals = tuple(str(v) for v in (value or ()))
                        params[idx] = _replace(p, type=ParamType.ENUM, values=vals,
                                               iri_base=None, example=vals[0] if vals else p.example)
                        if p.type is ParamType.IRI:
                            raise self.fail(f"enumerate on IRI parameter {pname!r} is not supported; "
                                            "declare it in params with type enum and iri_base", key=key)

    # -- the query text --

    def project(self, params: Sequence[Parameter]) -> str:
        """Add each parameter variable to the top-level projection (substitution needs it there)."""
        m = _SELECT_RE.search(self.masked)
        if m is None:
            first = self.header.lines[-1] + 1 if self.header.lines else 1
            raise self.fail("only SELECT queries can be canned queries (CSV and tables need rows)",
                            line=first)
        after = self.masked[m.end():].lstrip()
        if after.startswith("*") or not params:
            return self.text
        added = "".join(f" ?{p.variable}" for p in params)
        return self.text[: m.end()] + added + self.text[m.end():]

    def check_query(self, text: str, params: Sequence[Parameter]) -> list[str]:
        """Parse the query with Oxigraph itself and try binding every parameter; returns its columns."""
        for m in _BOUND_RE.finditer(self.masked):
            if m.group(1) in {p.variable for p in params}:
                raise self.fail(f"BOUND(?{m.group(1)}) is always false once ?{m.group(1)} is bound "
                                "by substitution (Oxigraph)", line=line_of(self.text, m.start()),
                                hint=f"write FILTER(COALESCE(<test on ?{m.group(1)}>, true)) instead")
        try:
            result = self._probe.query(self.text, use_default_graph_as_union=True)
        except SyntaxError as exc:
            line, col = _position(str(exc))
            where = f"line {line}, column {col}" if col else "the position given"
            raise self.fail(f"the query does not parse: {exc}", line=line,
                            hint=f"fix the SPARQL at {where}; check it at /sparql or with `kg query @FILE`"
                            ) from None
        if text != self.text:
            try:
                self._probe.query(text, use_default_graph_as_union=True)
            except SyntaxError as exc:
                raise self.fail(f"its parameters cannot be bound: {exc}", key="params",
                                hint="Oxigraph binds only projected variables, so the loader adds each "
                                     "parameter to SELECT; with GROUP BY, add the parameter variables to "
                                     "GROUP BY too") from None
        if not isinstance(result, ox.QuerySolutions):
            raise self.fail("only SELECT queries can be canned queries (CSV and tables need rows)", line=1)
        variables = [v.value for v in result.variables]
        if params:
            subs = {ox.Variable(p.variable): p.parse(p.example) for p in params}
            try:
                list(self._probe.query(text, use_default_graph_as_union=True,  # type: ignore[arg-type]
                                       substitutions=subs))
            except (SyntaxError, RuntimeError, ValueError) as exc:
                raise self.fail(f"its parameters cannot be bound: {exc}", key="params",
                                hint="with SELECT * every parameter variable must occur in the pattern; "
                                     "with GROUP BY, add the parameter variables to GROUP BY") from None
        return variables

    def default_example(self, name: str, params: Sequence[Parameter]) -> str:
        query = urlencode({p.name: p.example for p in params if p.required})
        return f"/queries/{name}" + (f"?{query}" if query else "")


def _replace(p: Parameter, **changes: Any) -> Parameter:
    return replace(p, **changes)


def _position(message: str) -> tuple[int | None, int | None]:
    m = re.search(r"(\d+):(\d+)", message)
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)


class QueryCatalog:
    """Every canned query, by name, loaded once at start-up."""

    def __init__(self, queries: Iterable[CannedQuery]) -> None:
        self.queries: dict[str, CannedQuery] = {q.name: q for q in queries}

    def __iter__(self) -> Any:
        return iter(self.queries.values())

    def __len__(self) -> int:
        return len(self.queries)

    def get(self, name: str) -> CannedQuery:
        """The query of that name; raises `NotFound` with the closest names."""
        try:
            return self.queries[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self.queries), n=3, cutoff=0.5)
            raise NotFound(f"no canned query named {name!r}", suggestions=close) from None


def load_queries(directory: Path) -> QueryCatalog:
    """Load every `*.rq` in `directory`, in name order.

    Raises `CannedQueryError` (file and line) for the first broken file, so that the server
    never starts with a query that would fail its callers.
    """
    return QueryCatalog(_Loader(path).load() for path in sorted(Path(directory).glob("*.rq")))


def load_query(path: Path) -> CannedQuery:
    return _Loader(Path(path)).load()


# -- Running and pages -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """Which rows to return: `limit`/`offset`, or grlc's `page`/`per_page` (pages start at 1)."""

    offset: int = 0
    limit: int | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, str], *, default_size: int | None, max_size: int) -> Page:
        def integer(name: str, low: int) -> int | None:
            raw = params.get(name)
            if raw is None or raw == "":
                return None
            if not _INTEGER_RE.match(raw.strip()) or int(raw) < low or int(raw) > 10**9:
                raise ParameterError(name, f"{name} must be an integer of at least {low}",
                                     expected=f"an integer >= {low}", example=f"{name}={max(low, 10)}")
            return int(raw)

        limit, offset = integer("limit", 1), integer("offset", 0)
        page, per_page = integer("page", 1), integer("per_page", 1)
        if (page is not None or per_page is not None) and (limit is not None or offset is not None):
            raise ParameterError("page", "use either limit/offset or page/per_page, not both",
                                 expected="one way of paging", example="page=2&per_page=10")
        if page is not None or per_page is not None:
            size = per_page or default_size or 100
            limit, offset = size, (page or 1) - 1
            offset *= size
        elif limit is None and default_size is not None:
            limit = default_size
        if limit is not None and limit > max_size:
            raise ParameterError("limit", f"at most {max_size} rows per page",
                                 expected=f"an integer from 1 to {max_size}", example="limit=100")
        return cls(offset or 0, limit)

    def next_offset(self, total: int) -> int | None:
        if self.limit is None or self.offset + self.limit >= total:
            return None
        return self.offset + self.limit

    def prev_offset(self) -> int | None:
        if self.limit is None or self.offset == 0:
            return None
        return max(0, self.offset - self.limit)

    def last_offset(self, total: int) -> int | None:
        if self.limit is None:
            return None
        return max(0, (total - 1) // self.limit * self.limit)

    def cut(self, rows: Rows, hidden: frozenset[str]) -> tuple[list[str], list[dict[str, Term]]]:
        """This page's rows and visible columns (the parameter columns the loader added are hidden)."""
        end = None if self.limit is None else self.offset + self.limit
        visible = [v for v in rows.variables if v not in hidden]
        return visible, [{k: v for k, v in row.items() if k not in hidden} for row in rows.rows[self.offset:end]]


@dataclass
class CannedResult:
    """One page of a canned query's answer, with what is needed for Link headers."""

    query: CannedQuery
    variables: list[str]
    rows: list[dict[str, Term]]
    total: int
    page: Page
    values: dict[str, str]
    shown: dict[str, str] = field(default_factory=dict)

    @property
    def next_offset(self) -> int | None:
        return self.page.next_offset(self.total)

    @property
    def prev_offset(self) -> int | None:
        return self.page.prev_offset()

    @property
    def last_offset(self) -> int | None:
        return self.page.last_offset(self.total)


@dataclass(frozen=True)
class RenderedPage:
    """One page already in its wire format, and the size of the whole answer (for Link headers)."""

    body: bytes
    total: int


class ResultCache:
    """The last answers (whole row sets, or rendered pages), keyed by store version, query text,
    bound values and, for pages, the page and format.

    Newsroom widgets ask the same few URLs over and over; the store's version is in the key, so
    a build or a committed write makes every old entry unreachable (and LRU evicts it).
    """

    def __init__(self, size: int = 256, *, max_rows: int = 10_000, max_bytes: int = 1 << 20) -> None:
        self.size = size
        # bigger answers are not kept: a few of them would fill the memory
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple[Any, ...], entry: Rows | RenderedPage) -> None:
        too_big = (len(entry.rows) > self.max_rows if isinstance(entry, Rows)
                   else len(entry.body) > self.max_bytes)
        if self.size <= 0 or too_big:
            return
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def cache_key(engine: Engine, query: CannedQuery, bound: BoundQuery) -> tuple[Any, ...]:
    """The answer cache's key: store version, query text and bound values."""
    return (engine.version, query.name, query.digest, tuple(sorted(bound.values.items())))


def page_key(engine: Engine, query: CannedQuery, bound: BoundQuery, page: Page, fmt: str) -> tuple[Any, ...]:
    """The answer cache's key for one rendered page."""
    return (*cache_key(engine, query, bound), page.offset, page.limit, fmt)


def execute(engine: Engine, query: CannedQuery, bound: BoundQuery, page: Page, *, max_rows: int = 100_000,
            cache: ResultCache | None = None) -> CannedResult:
    """Run a bound query (or take its rows from `cache`) and cut out the page."""
    key = cache_key(engine, query, bound)
    rows = cache.get(key) if cache is not None else None
    if rows is None:
        rows = engine.select(bound.request, max_rows=max_rows)
        if cache is not None:
            cache.put(key, rows)
    return shape(query, rows, page, bound.values, bound.shown)


def render_rows(rows: Rows, hidden: frozenset[str], page: Page, fmt: str) -> RenderedPage:
    """The page in `fmt`. Runs inside the query worker (`Engine.select_with`), so the rows
    never cross a process boundary."""
    variables, page_rows = page.cut(rows, hidden)
    return RenderedPage(SERIALIZERS[fmt](variables, page_rows), len(rows.rows))


def render(engine: Engine, query: CannedQuery, bound: BoundQuery, page: Page, fmt: str, *,
           max_rows: int = 100_000, cache: ResultCache | None = None) -> RenderedPage:
    """One page in one of `SERIALIZERS`' formats, from `cache` or rendered where the query runs."""
    key = page_key(engine, query, bound, page, fmt)
    rendered: RenderedPage | None = cache.get(key) if cache is not None else None
    if rendered is None:
        rendered = engine.select_with(bound.request, render_rows, query.hidden, page, fmt, max_rows=max_rows)
        if cache is not None:
            cache.put(key, rendered)
    return rendered


def existence_request(query: CannedQuery, bound: BoundQuery) -> QueryRequest | None:
    """One SELECT saying, for every IRI parameter bound, whether the store mentions that IRI at all
    (as subject or object). Asked only when a query found no rows, so that an IRI naming nothing
    gets 404 with the closest names instead of an empty table; None when no IRI was bound.

    The IRIs are bound with substitutions like the query's own parameters, never pasted in.
    """
    terms = bound.request.substitutions or {}
    named = [p for p in query.params if p.type is ParamType.IRI and isinstance(terms.get(p.variable), ox.NamedNode)]
    if not named:
        return None
    projection = " ".join(f"?x{i} ?e{i}" for i in range(len(named)))
    binds = " ".join(f"BIND(EXISTS {{ {{ ?x{i} ?p{i} ?o{i} }} UNION {{ ?s{i} ?q{i} ?x{i} }} }} AS ?e{i})"
                     for i in range(len(named)))
    return QueryRequest(f"SELECT {projection} WHERE {{ {binds} }}",
                        substitutions={f"x{i}": terms[p.variable] for i, p in enumerate(named)},
                        timeout=bound.request.timeout)


def missing_iris(query: CannedQuery, bound: BoundQuery, rows: Rows) -> list[tuple[str, str]]:
    """(parameter, IRI) for each IRI the `existence_request` found nowhere in the store."""
    terms = bound.request.substitutions or {}
    named = [p for p in query.params if p.type is ParamType.IRI and isinstance(terms.get(p.variable), ox.NamedNode)]
    row = rows.rows[0] if rows.rows else {}
    return [(p.name, str(terms[p.variable].value)) for i, p in enumerate(named)  # type: ignore[union-attr]
            if getattr(row.get(f"e{i}"), "value", "true") != "true"]


#: IRIs under a prefix, for the closest names (substitution variables must be projected).
_UNDER_PREFIX = ("SELECT DISTINCT ?e ?prefix WHERE { ?e ?p ?o FILTER(isIRI(?e) && STRSTARTS(STR(?e), ?prefix)) } "
                 "LIMIT 20000")


def closest_iris(engine: Engine, iri: str, *, n: int = 5) -> list[str]:
    """The store's IRIs nearest to `iri`, among those that share its path up to the last `/`
    (same kind of entity), or else under the entity base.

    >>> store = ox.Store()
    >>> store.add(ox.Quad(ox.NamedNode(iris.entity_iri("person", "oscar-ortiz")), ox.NamedNode(iris.TG + "x"),
    ...                   ox.Literal("y")))
    >>> closest_iris(InProcessEngine(store), iris.entity_iri("person", "oscar-ortis"))
    ['https://w3id.org/tregua/id/person/oscar-ortiz']
    """
    for prefix in (iri.rsplit("/", 1)[0] + "/", iris.BASE + "id/"):
        rows = engine.select(QueryRequest(_UNDER_PREFIX, substitutions={"prefix": ox.Literal(prefix)}))
        candidates = [str(r["e"].value) for r in rows.rows if "e" in r]  # type: ignore[union-attr]
        if candidates:
            return difflib.get_close_matches(iri, candidates, n=n, cutoff=0.6)
    return []


def unknown_iri_error(engine: Engine, query: CannedQuery, missing: list[tuple[str, str]]) -> NotFound:
    """404 naming the parameter, the IRI and the closest IRIs the store does hold."""
    name, iri = missing[0]
    return NotFound(f"parameter {name!r} of query {query.name!r}: nothing in the store is named <{iri}>",
                    suggestions=closest_iris(engine, iri))


def check_iris(engine: Engine, query: CannedQuery, bound: BoundQuery, total: int) -> None:
    """After a run: when no row came back, raise NotFound if an IRI parameter names nothing."""
    if total:
        return
    request = existence_request(query, bound)
    if request is None:
        return
    missing = missing_iris(query, bound, engine.select(request))
    if missing:
        raise unknown_iri_error(engine, query, missing)


def run(engine: Engine, query: CannedQuery, params: Mapping[str, str] | Iterable[tuple[str, str]], *,
        timeout: float | None = None, max_rows: int = 100_000, cache: ResultCache | None = None,
        ) -> CannedResult:
    """Bind, run and page one canned query.

    Raises `ParameterError` for bad input before anything runs, `NotFound` when no row came back
    because an IRI parameter names nothing in the store; `QueryTimeout` and `ResultTooLarge`
    come from the engine.
    """
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    bound = query.bind(pairs, timeout=timeout)
    page = Page.from_params(dict(pairs), default_size=query.page_size, max_size=max_rows)
    result = execute(engine, query, bound, page, max_rows=max_rows, cache=cache)
    check_iris(engine, query, bound, result.total)
    return result


def shape(query: CannedQuery, rows: Rows, page: Page, values: dict[str, str],
          shown: dict[str, str] | None = None) -> CannedResult:
    visible, sliced = page.cut(rows, query.hidden)
    return CannedResult(query, visible, sliced, len(rows.rows), page, values, shown or {})


def etag(version: str, query: CannedQuery, values: Mapping[str, str], page: Page, fmt: str) -> str:
    """A strong ETag: same store version, query text, bound values, page and format, same bytes."""
    key = json.dumps([version, query.name, query.digest, sorted(values.items()),
                      page.offset, page.limit, fmt])
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


# -- Result formats ----------------------------------------------------------------------------------

#: The W3C format IRI that names SPARQL 1.1 TSV: the `profile` parameter that sets it apart from plain TSV.
SPARQL_TSV_PROFILE = "http://www.w3.org/ns/formats/SPARQL_Results_TSV"
#: format name -> media type (SPARQL 1.1 result formats, plus plain CSV/TSV and a plain JSON array
#: for spreadsheets and JavaScript tools). `tsv` is plain TSV; `sparql-tsv` is SPARQL 1.1 TSV.
FORMATS: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "sparql-tsv": f'text/tab-separated-values; charset=utf-8; profile="{SPARQL_TSV_PROFILE}"',
    "sparql-json": "application/sparql-results+json",
    "json": "application/json",
    "xml": "application/sparql-results+xml",
    "html": "text/html; charset=utf-8",
}


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


def serialize(result: CannedResult, fmt: str) -> bytes:
    """The page in one of `SERIALIZERS`' formats (HTML is the API's template, not the core's)."""
    return SERIALIZERS[fmt](result.variables, result.rows)


def run_from_cli(store_path: Path, name: str, params: Sequence[str], fmt: str) -> bytes:
    """`kg query --canned NAME --param k=v --format csv`: the same answer as GET /queries/NAME.

    Raises `NotFound` for an unknown query, `ParameterError` for a bad `k=v` or value and
    `UnsupportedFormat` for a format the canned queries do not speak.
    """
    if fmt not in SERIALIZERS:
        raise UnsupportedFormat(f"--format {fmt} does not fit a canned query", offered=list(SERIALIZERS))
    pairs = []
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ParameterError(item, f"--param {item!r} is not of the form name=value",
                                 expected="name=value", example="--param speaker=id:person/oscar-ortiz")
        pairs.append((key, value))
    query = load_queries(paths.QUERIES_DIR).get(name)
    engine = InProcessEngine(open_store(store_path, read_only=True))
    return serialize(run(engine, query, pairs), fmt)
