"""Parameter types of canned queries: each value is parsed by its declared type into one RDF term.

A value that does not fit is refused with a `ParameterError` naming the parameter, what was
expected and an example; nothing the caller writes is ever pasted into a query.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass, replace
from enum import StrEnum

import pyoxigraph as ox

from kg import iris, paths
from kg.errors import KgError, ParameterError, SourceLocation
from kg.store.engine import Term
from kg.vocab import XSD

PARAM_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
#: Query-string names the service itself reads; no parameter may take them.
RESERVED = frozenset({"format", "limit", "offset", "page", "per_page"})
#: The pages' language (api/i18n.py), which links carry to every page, an HTML table's included: a
#: query ignores it unless it declares a parameter of that name (grlc's `?_lang` is one), which wins.
PAGE_LANGUAGE = "lang"
MAX_TEXT = 1000


class CannedQueryError(KgError):
    """A query file is broken: `where` names the file and line, so start-up can stop on it."""

    def __init__(self, message: str, *, where: SourceLocation, hint: str | None = None) -> None:
        super().__init__(f"{where}: {message}", hint=hint)
        self.where = where


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


INTEGER_RE = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL_RE = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_LANG_RE = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
#: XSD datatypes a grlc variable suffix may name (`?_when_date`); others are not datatypes.
GRLC_XSD = frozenset({"integer", "decimal", "date", "dateTime", "boolean", "double", "float", "gYear",
                      "gYearMonth", "string", "anyURI", "int", "long", "nonNegativeInteger",
                      "positiveInteger", "time"})
TYPE_OF_XSD = {"integer": ParamType.INTEGER, "decimal": ParamType.DECIMAL, "date": ParamType.DATE,
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
    if not INTEGER_RE.match(value):
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
    if INTEGER_RE.match(value):
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
                labels.setdefault(quad.subject.value, []).append(str(quad.object.value))
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
