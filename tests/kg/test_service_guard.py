"""The SERVICE guard (kg.service) against Oxigraph itself: every form that makes Oxigraph call
out is refused before it runs, and SERVICE in strings, comments, IRIs and names is not."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import service
from kg.canned import CannedQueryError, load_query
from kg.errors import ServiceRefused
from kg.gate import check_syntax
from kg.store.engine import InProcessEngine, QueryRequest, run_query
from tests.listener import Listener, listening

A, B = ox.NamedNode("http://a/"), ox.NamedNode("http://b/")
OBJECTS = [ox.NamedNode("http://e/a"), ox.Literal(True), ox.Literal("x", language="en"), ox.Literal(1),
           ox.Literal(1500.0)]


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    with listening() as lst:
        yield lst


@pytest.fixture(scope="module")
def store() -> ox.Store:
    s = ox.Store()
    for o in OBJECTS:
        s.add(ox.Quad(A, B, o, ox.NamedNode("http://g/")))
    return s


def forms(url: str) -> dict[str, str]:
    """SERVICE forms that Oxigraph evaluates (checked below: each one calls out when unguarded)."""
    u = f"<{url}>"
    host = url.rsplit("/", 1)[0] + "/"
    return {
        "plain": f"SELECT * {{ ?s ?p ?o SERVICE {u} {{ ?s ?p ?o }} }}",
        "lower case": f"select * {{ ?s ?p ?o service {u} {{ ?s ?p ?o }} }}",
        "silent": f"SELECT * {{ ?s ?p ?o SERVICE SILENT {u} {{ ?s ?p ?o }} }}",
        "pname": f"PREFIX ex: <{host}> SELECT * {{ ?s ?p ?o SERVICE ex:sparql {{ ?s ?p ?o }} }}",
        "relative": f"BASE <{host}> SELECT * {{ ?s ?p ?o SERVICE <sparql> {{ ?s ?p ?o }} }}",
        "subquery": f"SELECT * {{ {{ SELECT * {{ ?s ?p ?o SERVICE {u} {{ ?s ?p ?o }} }} }} }}",
        "optional": f"SELECT * {{ ?s ?p ?o OPTIONAL {{ SERVICE {u} {{ ?s ?p ?x }} }} }}",
        "union": f"SELECT * {{ {{ ?s ?p ?o }} UNION {{ ?s ?p ?o SERVICE {u} {{ ?s ?p ?x }} }} }}",
        "minus": f"SELECT * {{ ?s ?p ?o MINUS {{ ?s ?p ?o SERVICE {u} {{ ?s ?p ?o }} }} }}",
        "filter exists": f"SELECT * {{ ?s ?p ?o FILTER EXISTS {{ SERVICE {u} {{ ?s ?p ?o }} }} }}",
        "ask": f"ASK {{ ?s ?p ?o SERVICE {u} {{ ?s ?p ?o }} }}",
        "construct": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o SERVICE {u} {{ ?s ?p ?o }} }}",
        "no spaces": f"SELECT*{{?s ?p ?o SERVICE{u}{{?s?p?o}}}}",
        "glued to true.": f"SELECT * {{ ?s ?p true.SERVICE {u} {{ ?s ?p ?o }} }}",
        "glued to 1": f"SELECT * {{ ?s ?p 1SERVICE {u} {{ ?s ?p ?o }} }}",
        "glued to a literal": f'SELECT * {{ ?s ?p "x"@en.SERVICE {u} {{ ?s ?p ?o }} }}',
        "glued to an IRI": f"SELECT * {{ ?s ?p <http://e/a>SERVICE {u} {{ ?s ?p ?o }} }}",
        "glued SILENT": f"SELECT * {{ ?s ?p ?o SERVICESILENT{u} {{ ?s ?p ?o }} }}",
        "comment between": f"SELECT * {{ ?s ?p ?o SERVICE # {url}\n {u} {{ ?s ?p ?o }} }}",
        "after an IRI with an escape and a #": (f"SELECT * {{ ?s ?p ?o OPTIONAL {{ ?s ?p <http://e/\\u0041#> }} "
                                                f"SERVICE {u} {{ ?s ?p ?o }} }}"),
        "after a comment ended by CR": f"SELECT * {{ ?s ?p ?o # note\rSERVICE {u} {{ ?s ?p ?o }} }}",
    }


def _connections_during(listener: Listener, action: object) -> int:
    before = listener.connections
    with contextlib.suppress(Exception):  # only the connection count matters here
        action()  # type: ignore[operator]
    time.sleep(0.05)
    return listener.connections - before


def test_every_form_really_calls_out_without_the_guard(listener: Listener, store: ox.Store) -> None:
    """The forms below are real: unguarded, Oxigraph connects for each (so a zero later means something)."""
    for name, query in forms(listener.url).items():
        assert _connections_during(listener, lambda q=query: list(store.query(q, use_default_graph_as_union=True))) \
            >= 1, name


def test_every_form_is_refused_before_it_runs(listener: Listener, store: ox.Store) -> None:
    for name, query in forms(listener.url).items():
        with pytest.raises(ServiceRefused) as caught:
            run_query(store, QueryRequest(query))
        assert "KG_SERVICE_ALLOW" in str(caught.value), name
        assert _connections_during(listener, lambda q=query: run_query(store, QueryRequest(q))) == 0, name


def test_variable_endpoint_is_refused_even_when_allowed(listener: Listener, store: ox.Store) -> None:
    query = f"SELECT * {{ VALUES ?e {{ <{listener.url}> }} SERVICE ?e {{ ?s ?p ?o }} }}"
    with pytest.raises(ServiceRefused, match=r"SERVICE \?e .*variable endpoint cannot be checked"):
        run_query(store, QueryRequest(query, service_allow=(listener.url,)))


def test_allowed_endpoint_passes_and_others_do_not(listener: Listener, store: ox.Store) -> None:
    allowed = forms(listener.url)
    other = listener.url.replace("/sparql", "/other")
    for name in ("plain", "pname", "relative", "silent"):
        assert _connections_during(listener, lambda q=allowed[name]: list(run_query(store, QueryRequest(  # type: ignore[arg-type]
            q, service_allow=(listener.url,))))) == 1, name
    with pytest.raises(ServiceRefused, match="not in the operator's allow-list"):
        run_query(store, QueryRequest(forms(other)["plain"], service_allow=(listener.url,)))


@pytest.mark.parametrize("query", [
    'SELECT * { ?s ?p "SERVICE <http://127.0.0.1:9/> { }" }',
    "SELECT * { ?s ?p '''SERVICE''' }",
    "SELECT * { ?s ?p ?o } # SERVICE <http://127.0.0.1:9/> {}",
    "SELECT * { <http://x/SERVICE> ?p ?service }",
    "PREFIX ex: <http://e/> SELECT * { ?s ex:SERVICE ?o . ?o ex:Service_1 ex:a-SERVICE }",
    "PREFIX schema: <http://schema.org/> SELECT * { ?s a schema:FoodService ; ?p 'x'@service }",
    "SELECT ?SERVICE $service WHERE { ?SERVICE ?p $service }",
])
def test_no_false_alarm(query: str) -> None:
    assert service.service_calls(query) == []
    service.check(query)


def test_position_and_endpoint_are_reported() -> None:
    calls = service.service_calls("PREFIX e: <http://h/>\nSELECT * {\n  SERVICE SILENT e:q { } }")
    assert [(c.line, c.column, c.endpoint, c.silent) for c in calls] == [(3, 3, "http://h/q", True)]


def test_allow_list_parsing() -> None:
    assert service.parse_allow(" http://a/sparql,http://b/ <http://c/> ") == (
        "http://a/sparql", "http://b/", "http://c/")
    assert service.parse_allow("") == ()


def test_update_with_service_is_refused_even_when_allowed(listener: Listener) -> None:
    update = f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"
    assert _connections_during(listener, lambda: check_syntax(update, None)) == 0
    with pytest.raises(ServiceRefused, match="updates never call other endpoints"):
        check_syntax(update, None)


def test_canned_query_with_service_is_refused_at_load(listener: Listener, tmp_path: Path) -> None:
    path = tmp_path / "remote.rq"
    path.write_text("#+ summary: calls out\n"
                    f"SELECT * WHERE {{\n  ?s ?p ?o .\n  SERVICE <{listener.url}> {{ ?s ?p ?o }}\n}}\n")
    before = listener.connections
    with pytest.raises(CannedQueryError) as caught:
        load_query(path)
    time.sleep(0.05)
    assert listener.connections == before
    assert f"{path}:4" in str(caught.value)
    assert "canned queries never call other endpoints" in str(caught.value)


def test_canned_query_with_service_is_refused_at_run(listener: Listener, tmp_path: Path, store: ox.Store) -> None:
    """Were a SERVICE to slip into a loaded canned query, the engine refuses it again at run."""
    from dataclasses import replace

    from kg import canned

    path = tmp_path / "plain.rq"
    path.write_text("#+ summary: plain\nSELECT ?s WHERE { ?s ?p ?o }\n")
    query = replace(load_query(path), text=forms(listener.url)["plain"].replace("SELECT *", "SELECT ?s"))
    engine = InProcessEngine(store)
    assert _connections_during(listener, lambda: canned.run(engine, query, {})) == 0
    with pytest.raises(ServiceRefused):
        canned.run(engine, query, {})
