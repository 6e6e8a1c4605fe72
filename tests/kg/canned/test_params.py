"""Typed parameters: each value is parsed by its declared type into one RDF term, or refused
with a ParameterError naming the parameter, what was expected and an example."""

from __future__ import annotations

import dataclasses

import pyoxigraph as ox
import pytest

from kg import canned
from kg.canned import Page, Parameter, ParamType
from kg.errors import ParameterError

XSD = "http://www.w3.org/2001/XMLSchema#"


def param(ptype: ParamType, **kw: object) -> Parameter:
    return Parameter(name="p", variable="p", type=ptype, example="ex", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("p", "raw", "term"), [
    (param(ParamType.IRI), "https://w3id.org/tregua/id/person/oscar-ortiz",
     ox.NamedNode("https://w3id.org/tregua/id/person/oscar-ortiz")),
    (param(ParamType.IRI), "id:person/oscar-ortiz", ox.NamedNode("https://w3id.org/tregua/id/person/oscar-ortiz")),
    (param(ParamType.IRI), "tg:reject", ox.NamedNode("https://w3id.org/tregua/ontology#reject")),
    (param(ParamType.IRI), "urn:isbn:0451450523", ox.NamedNode("urn:isbn:0451450523")),
    (param(ParamType.STRING), "  Sánchez \"Cerén\"  ", ox.Literal("  Sánchez \"Cerén\"  ")),
    (param(ParamType.LANGSTRING, lang="es"), "tregua", ox.Literal("tregua", language="es")),
    (param(ParamType.LANGSTRING), "truce@EN", ox.Literal("truce", language="en")),
    (param(ParamType.INTEGER), " +2016 ", ox.Literal("2016", datatype=ox.NamedNode(XSD + "integer"))),
    (param(ParamType.DECIMAL), "1.50", ox.Literal("1.50", datatype=ox.NamedNode(XSD + "decimal"))),
    (param(ParamType.NUMBER), "7", ox.Literal("7", datatype=ox.NamedNode(XSD + "integer"))),
    (param(ParamType.NUMBER), "7.5", ox.Literal("7.5", datatype=ox.NamedNode(XSD + "decimal"))),
    (param(ParamType.DATE), "2017-01-09", ox.Literal("2017-01-09", datatype=ox.NamedNode(XSD + "date"))),
    (param(ParamType.ENUM, values=("reject", "favourable"), iri_base="https://w3id.org/tregua/ontology#"),
     "reject", ox.NamedNode("https://w3id.org/tregua/ontology#reject")),
    (param(ParamType.ENUM, values=("person", "place")), "place", ox.Literal("place")),
])
def test_a_good_value_becomes_one_term(p: Parameter, raw: str, term: ox.NamedNode | ox.Literal) -> None:
    assert p.parse(raw) == term


@pytest.mark.parametrize(("p", "raw", "expected"), [
    (param(ParamType.IRI), "oscar-ortiz", "absolute IRI"),
    (param(ParamType.IRI), "https://example.org/a b", "valid IRI"),
    (param(ParamType.IRI), "https://example.org/a>", "valid IRI"),
    (param(ParamType.IRI), "id", "absolute IRI"),
    (param(ParamType.LANGSTRING), "no tag", "text@lang"),
    (param(ParamType.INTEGER), "2016.0", "an integer"),
    (param(ParamType.INTEGER), "twenty", "an integer"),
    (param(ParamType.INTEGER, minimum=1900, maximum=2100), "3000", "from 1900 to 2100"),
    (param(ParamType.DECIMAL), "1e3", "decimal"),
    (param(ParamType.DATE), "2017-02-30", "YYYY-MM-DD"),
    (param(ParamType.DATE), "09/01/2017", "YYYY-MM-DD"),
    (param(ParamType.ENUM, values=("reject", "favourable")), "Rejected", "one of reject, favourable"),
    (param(ParamType.STRING), "x" * 1001, "at most 1000"),
])
def test_a_bad_value_is_refused_saying_what_was_expected(p: Parameter, raw: str, expected: str) -> None:
    with pytest.raises(ParameterError) as caught:
        p.parse(raw)
    assert caught.value.name == "p"
    assert expected in caught.value.expected + str(caught.value)
    assert caught.value.example == "ex"


def test_binding_checks_names_requirement_and_repetition(catalog: canned.QueryCatalog) -> None:
    q = catalog.get("quotes-by-speaker")
    with pytest.raises(ParameterError) as missing:
        q.bind({})
    assert missing.value.name == "speaker" and "needs parameter 'speaker'" in missing.value.message
    assert missing.value.example == "https://w3id.org/tregua/id/person/oscar-ortiz"
    with pytest.raises(ParameterError) as unknown:
        q.bind({"speaker": "id:person/oscar-ortiz", "speakr": "x"})
    assert unknown.value.name == "speakr" and "did you mean 'speaker'" in unknown.value.message
    with pytest.raises(ParameterError, match="more than once"):
        q.bind([("speaker", "id:person/oscar-ortiz"), ("speaker", "id:person/howard-cotto")])
    bound = q.bind([("speaker", "id:person/oscar-ortiz"), ("format", "csv"), ("limit", "2")])
    assert bound.request.substitutions == {"speaker": ox.NamedNode("https://w3id.org/tregua/id/person/oscar-ortiz"),
                                           "lang": ox.Literal("en")}  # the default language of the labels
    assert bound.values == {"speaker": "<https://w3id.org/tregua/id/person/oscar-ortiz>", "lang": '"en"'}


def test_the_page_language_is_ignored_unless_the_query_declares_it(catalog: canned.QueryCatalog) -> None:
    """Links keep `?lang=es`; a canned query without a `lang` parameter must still answer them."""
    declared = catalog.get("quotes-by-speaker")
    q = dataclasses.replace(declared, params=[p for p in declared.params if p.name != "lang"])  # a query without it
    bound = q.bind([("speaker", "id:person/oscar-ortiz"), ("lang", "es")])
    assert bound.request.substitutions == {"speaker": ox.NamedNode("https://w3id.org/tregua/id/person/oscar-ortiz")}
    assert declared.bind([("speaker", "id:person/oscar-ortiz"), ("lang", "es")]).request.substitutions == {
        "speaker": ox.NamedNode("https://w3id.org/tregua/id/person/oscar-ortiz"), "lang": ox.Literal("es")}


def test_defaults_apply_and_optional_parameters_left_out_stay_unbound(catalog: canned.QueryCatalog) -> None:
    q = catalog.get("positions")
    bound = q.bind({})
    assert bound.request.substitutions == {
        "issue": ox.NamedNode("https://w3id.org/tregua/id/issue/negotiating-with-gangs"), "lang": ox.Literal("en")}
    assert "position" not in (bound.request.substitutions or {})
    assert catalog.get("timeline").bind({"from_year": ""}).request.substitutions == {"lang": ox.Literal("en")}


def test_the_query_text_never_holds_a_value(catalog: canned.QueryCatalog) -> None:
    q = catalog.get("entity-lookup")
    bound = q.bind({"name": "Zzyzx-unique-value"})
    assert bound.request.query == q.text
    assert "Zzyzx" not in bound.request.query


@pytest.mark.parametrize(("params", "page"), [
    ({}, Page(0, None)),
    ({"limit": "5"}, Page(0, 5)),
    ({"limit": "5", "offset": "10"}, Page(10, 5)),
    ({"page": "3", "per_page": "4"}, Page(8, 4)),
    ({"page": "2"}, Page(100, 100)),
])
def test_pages_from_limit_offset_or_page_per_page(params: dict[str, str], page: Page) -> None:
    assert Page.from_params(params, default_size=None, max_size=1000) == page


def test_a_query_with_pagination_pages_by_default() -> None:
    assert Page.from_params({}, default_size=20, max_size=1000) == Page(0, 20)
    assert Page.from_params({"page": "2"}, default_size=20, max_size=1000) == Page(20, 20)


@pytest.mark.parametrize(("params", "name"), [
    ({"limit": "0"}, "limit"), ({"offset": "-1"}, "offset"), ({"limit": "x"}, "limit"),
    ({"limit": "5000"}, "limit"), ({"page": "0"}, "page"), ({"page": "1", "limit": "3"}, "page"),
])
def test_bad_paging_is_refused(params: dict[str, str], name: str) -> None:
    with pytest.raises(ParameterError) as caught:
        Page.from_params(params, default_size=None, max_size=1000)
    assert caught.value.name == name
