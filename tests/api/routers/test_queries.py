"""Canned queries over HTTP, against a real server on loopback (the `server` fixture)."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from urllib.parse import parse_qsl

import markupsafe
import pyoxigraph as ox
import pytest

from kg import canned
from kg.store.engine import InProcessEngine
from tests.kg.canned.conftest import plain_rows

ID = "https://w3id.org/tregua/id/"
OSCAR = ID + "person/oscar-ortiz"


@pytest.fixture(scope="module")
def client(server):  # type: ignore[no-untyped-def]
    with server.client() as c:
        yield c


def expected(engine: InProcessEngine, catalog: canned.QueryCatalog, name: str,
             params: dict[str, str]) -> canned.CannedResult:
    return canned.run(engine, catalog.get(name), params)


def test_the_list_as_json_describes_every_query(client, catalog: canned.QueryCatalog) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/queries", headers={"accept": "application/json"})
    assert r.status_code == 200
    listed = {q["name"]: q for q in r.json()["queries"]}
    assert set(listed) == set(catalog.queries)
    speaker = listed["quotes-by-speaker"]
    assert speaker["parameters"][0] | {"description": ""} == {
        "name": "speaker", "type": "iri", "required": True, "description": "", "example": OSCAR,
        "expected": "an absolute IRI (or one with a known prefix such as id: or tg:)"}
    assert speaker["example"] == f"{client.base_url}/queries/quotes-by-speaker?speaker=" + \
        "https%3A%2F%2Fw3id.org%2Ftregua%2Fid%2Fperson%2Foscar-ortiz"


def test_the_list_as_html_shows_summaries_parameters_and_example_links(client, catalog) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/queries", headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    for q in catalog:
        assert f'id="{q.name}"' in r.text
        assert str(markupsafe.escape(q.summary)) in r.text
    assert 'href="/queries/timeline?from_year=2014&amp;to_year=2016&amp;format=csv"' in r.text


def test_the_list_offers_each_query_s_embed_in_the_page_s_language(client, catalog) -> None:  # type: ignore[no-untyped-def]
    """The snippet a newsroom copies from /queries is the one the query's own page gives
    (kg.pages.embeds.snippet): the example's parameters, the page's language, a reader's title.
    The page shows the snippet's HTML as text, hence one unescaping to read it."""
    page = html.unescape(client.get("/queries", params={"lang": "es"},
                                    headers={"accept": "text/html,*/*;q=0.8"}).text)
    for q in catalog:
        frame = re.search(rf'<iframe src="[^"]*/embed/{re.escape(q.name)}\?([^"]*)" title="([^"]*)"', page)
        assert frame, f"no embed snippet for {q.name}"
        params = dict(parse_qsl(html.unescape(frame.group(1))))  # the snippet's own HTML escaping
        assert params["view"] == "table" and params["lang"] == "es", q.name
        assert "(feeds /" not in frame.group(2) and "(chart-ready)" not in frame.group(2), frame.group(2)
    english = html.unescape(html.unescape(client.get("/queries", headers={"accept": "text/html"}).text))
    assert '/embed/timeline?view=table&from_year=2014&to_year=2016"' in english  # no lang: English


@pytest.mark.parametrize(("fmt", "media"), [
    ("csv", "text/csv; charset=utf-8"), ("tsv", "text/tab-separated-values; charset=utf-8"),
    ("sparql-tsv", 'text/tab-separated-values; charset=utf-8; profile="http://www.w3.org/ns/formats/SPARQL_Results_TSV"'),
    ("sparql-json", "application/sparql-results+json"), ("json", "application/json"),
    ("xml", "application/sparql-results+xml"), ("html", "text/html; charset=utf-8"),
])
def test_every_format_carries_the_same_rows(client, engine, catalog, fmt: str, media: str) -> None:  # type: ignore[no-untyped-def]
    want = expected(engine, catalog, "quotes-by-speaker", {"speaker": OSCAR})
    r = client.get("/queries/quotes-by-speaker", params={"speaker": OSCAR, "format": fmt})
    assert r.status_code == 200
    assert r.headers["content-type"] == media
    rows = plain_rows(want)
    if fmt in ("csv", "tsv"):
        assert r.headers["content-disposition"] == f'inline; filename="quotes-by-speaker.{fmt}"'
        table = list(csv.reader(io.StringIO(r.text), delimiter="," if fmt == "csv" else "\t", quoting=(
            csv.QUOTE_MINIMAL if fmt == "csv" else csv.QUOTE_NONE)))
        assert table[0] == want.variables
        assert [tuple(row) for row in table[1:]] == rows
    elif fmt == "json":
        assert [tuple("" if o[v] is None else str(o[v]) for v in want.variables) for o in r.json()] == rows
        assert isinstance(r.json()[0]["start"], int)
    elif fmt in ("sparql-json", "xml", "sparql-tsv"):
        oxf = {"sparql-json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
               "sparql-tsv": ox.QueryResultsFormat.TSV}[fmt]
        parsed = ox.parse_query_results(r.content, format=oxf)
        assert [v.value for v in parsed.variables] == want.variables
        got = [tuple(canned.plain_value(s[v]) for v in want.variables) for s in parsed]
        assert got == rows
        if fmt == "sparql-json":
            assert json.loads(r.content)["results"]["bindings"][0]["text"]["xml:lang"] == "en"
    else:
        for row in rows:
            assert row[0].removeprefix("https://w3id.org/tregua") in r.text


@pytest.mark.parametrize(("accept", "media"), [
    ("text/csv", "text/csv"), ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("application/json", "application/json"), ("*/*", "application/json"), ("", "application/json"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
    ("text/csv;q=0.4, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
])
def test_accept_chooses_the_format_when_format_is_absent(client, accept: str, media: str) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/queries/stance-counts", headers={"accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    assert "Accept" in r.headers["vary"]


def test_an_unservable_accept_gets_406_listing_what_is_offered(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/queries/stance-counts", headers={"accept": "image/png"})
    assert r.status_code == 406
    assert "text/csv" in r.json()["offered"]


def test_format_beats_accept_and_a_bad_format_is_a_400(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/queries/stance-counts?format=csv", headers={"accept": "text/html"})
    assert r.headers["content-type"].startswith("text/csv")
    bad = client.get("/queries/stance-counts?format=pdf")
    assert bad.status_code == 400
    assert bad.json()["parameter"] == "format"
    assert "csv" in bad.json()["expected"]


@pytest.mark.parametrize(("url", "parameter", "words"), [
    ("/queries/quotes-by-speaker", "speaker", "needs parameter 'speaker'"),
    ("/queries/quotes-by-speaker?speaker=oscar", "speaker", "not an absolute IRI"),
    ("/queries/timeline?from_year=twenty", "from_year", "not an integer"),
    ("/queries/timeline?form_year=2014", "form_year", "did you mean 'from_year'"),
    ("/queries/positions?position=supports", "position", "not one of reject"),
    ("/queries/timeline?limit=0", "limit", "at least 1"),
    ("/queries/timeline?speaker=x&speaker=y", "speaker", "no parameter"),
])
def test_a_bad_parameter_gets_400_naming_it_with_what_was_expected(client, url: str, parameter: str,  # type: ignore[no-untyped-def]
                                                                   words: str) -> None:
    r = client.get(url)
    assert r.status_code == 400
    body = r.json()
    assert body["parameter"] == parameter
    assert words in body["message"]
    assert body["expected"] and body["example"]


def test_an_unknown_query_gets_404_with_the_closest_names(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/queries/quotes-by-speakr")
    assert r.status_code == 404
    assert r.json()["suggestions"][0] == "quotes-by-speaker"


def test_etag_and_if_none_match(client) -> None:  # type: ignore[no-untyped-def]
    url = "/queries/quotes-by-speaker?speaker=id:person/oscar-ortiz&format=csv"
    first = client.get(url)
    tag = first.headers["etag"]
    assert tag.startswith('"') and first.headers["cache-control"] == "public, max-age=60"
    assert client.get(url).headers["etag"] == tag
    same_value_spelt_out = client.get(f"/queries/quotes-by-speaker?speaker={OSCAR}&format=csv")
    assert same_value_spelt_out.headers["etag"] == tag
    again = client.get(url, headers={"if-none-match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    assert client.get(url, headers={"if-none-match": f'"other", W/{tag}'}).status_code == 304
    assert client.get(url, headers={"if-none-match": '"other"'}).status_code == 200
    variants = (url.replace("format=csv", "format=json"), url.replace("oscar-ortiz", "howard-cotto"),
                url + "&limit=1")
    others = {client.get(u).headers["etag"] for u in variants}
    assert tag not in others and len(others) == 3


def test_cors_lets_any_page_read_the_rows(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/queries/stance-counts", headers={"origin": "https://newsroom.example"})
    assert r.headers.get("access-control-allow-origin") in ("*", "https://newsroom.example")
    # a widget paging through the rows can read the count and the next page's URL
    exposed = {h.strip().lower() for h in r.headers["access-control-expose-headers"].split(",")}
    assert {"x-total-count", "link", "etag"} <= exposed


def test_pages_with_link_headers(client, engine, catalog) -> None:  # type: ignore[no-untyped-def]
    everything = plain_rows(expected(engine, catalog, "timeline", {}))
    r = client.get("/queries/timeline?format=csv&limit=3&offset=3")
    base = f"{client.base_url}/queries/timeline?format=csv"
    assert r.headers["link"] == (f'<{base}&limit=3&offset=0>; rel="first", '
                                 f'<{base}&limit=3&offset=0>; rel="prev", '
                                 f'<{base}&limit=3&offset=6>; rel="next", '
                                 f'<{base}&limit=3&offset=6>; rel="last"')
    assert r.headers["x-total-count"] == str(len(everything))
    collected, url = [], f"{base}&limit=3"
    while url:
        page = client.get(url)
        collected += [tuple(row) for row in list(csv.reader(io.StringIO(page.text)))[1:]]
        links = {part.split('rel="')[1].rstrip('"'): part.split(">")[0].lstrip(" <")
                 for part in page.headers["link"].split(", ")}
        url = links.get("next")
    assert collected == everything


def test_grlc_style_page_and_per_page(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/queries/timeline?format=json&page=2&per_page=2")
    assert [row["name"] for row in r.json()] == ["MS13 proposal of dialogue of March 2016",
                                                  "laws outlawing negotiation with the gangs"]
    assert 'page=3&per_page=2>; rel="next"' in r.headers["link"]


def test_the_html_table_is_embeddable(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/queries/stance-counts?format=html")
    assert r.status_code == 200
    assert "x-frame-options" not in r.headers
    directives = [d.strip() for d in r.headers["content-security-policy"].split(";")]
    assert "frame-ancestors *" in directives, directives
    assert '<table id="results">' in r.text and ">actors</button>" in r.text
    assert '<td class="num">4</td>' in r.text


def test_openapi_lists_each_canned_query_with_typed_parameters(client, catalog) -> None:  # type: ignore[no-untyped-def]
    doc = client.get("/openapi.json").json()
    for q in catalog:
        op = doc["paths"][f"/queries/{q.name}"]["get"]
        assert op["summary"] == q.summary
        names = [p["name"] for p in op["parameters"]]
        assert names == [p.name for p in q.params] + ["format", "limit", "offset", "page", "per_page"]
    timeline = {p["name"]: p for p in doc["paths"]["/queries/timeline"]["get"]["parameters"]}
    assert timeline["from_year"]["schema"] == {"type": "integer", "minimum": 1900, "maximum": 2100}
    assert timeline["from_year"]["example"] == 2014 and timeline["from_year"]["required"] is False
    positions = {p["name"]: p for p in doc["paths"]["/queries/positions"]["get"]["parameters"]}
    enum = positions["position"]["schema"]["enum"]
    assert enum[:5] == ["reject", "notRuledOut", "conditional", "favourable", "sceptical"]
    assert {"rejects", "does not rule out"} <= set(enum[5:])  # the labels the output shows
    assert doc["paths"]["/queries/quotes-by-speaker"]["get"]["parameters"][0]["required"] is True


def test_cache_max_age_comes_from_settings(make_server) -> None:  # type: ignore[no-untyped-def]
    other = make_server({"KG_CACHE_MAX_AGE": "300"})
    with other.client() as c:
        assert c.get("/queries/stance-counts").headers["cache-control"] == "public, max-age=300"


def test_lang_es_gives_the_spanish_labels_in_the_data_formats(client, engine, catalog) -> None:  # type: ignore[no-untyped-def]
    """`lang=es` in the URL: the Spanish labels (the same rows the core gives); without it, English
    whatever the browser prefers, so a data URL always gives the same bytes."""
    spanish = expected(engine, catalog, "stance-counts", {"lang": "es"})
    r = client.get("/queries/stance-counts?format=sparql-json&lang=es")
    assert r.status_code == 200
    bindings = r.json()["results"]["bindings"]
    assert [b["stance"] for b in bindings] == [canned.sparql_json_term(row["stance"]) for row in spanish.rows]
    assert {b["stance"]["xml:lang"] for b in bindings} == {"es"}
    default = client.get("/queries/stance-counts?format=csv")
    assert default.content == client.get("/queries/stance-counts?format=csv",
                                         headers={"accept-language": "es"}).content
    assert default.content == client.get("/queries/stance-counts?format=csv&lang=en").content
    assert default.content != client.get("/queries/stance-counts?format=csv&lang=es").content
    bad = client.get("/queries/stance-counts?format=json&lang=fr")
    assert bad.status_code == 400 and "lang" in bad.text


def test_the_html_table_shows_labels_in_the_page_language(client, engine, catalog) -> None:  # type: ignore[no-untyped-def]
    spanish = expected(engine, catalog, "stance-counts", {"lang": "es"})
    english = expected(engine, catalog, "stance-counts", {})
    es_label = canned.plain_value(spanish.rows[0]["stance"])
    en_label = canned.plain_value(english.rows[0]["stance"])
    assert es_label != en_label  # "rechaza", not "rejects": the data has the Spanish label
    by_url = client.get("/queries/stance-counts?format=html&lang=es")
    assert by_url.status_code == 200 and '<html lang="es">' in by_url.text
    assert f">{markupsafe.escape(es_label)}</td>" in by_url.text
    assert f">{markupsafe.escape(en_label)}</td>" not in by_url.text
    by_browser = client.get("/queries/stance-counts", headers={"accept": "text/html", "accept-language": "es-SV"})
    assert f">{markupsafe.escape(es_label)}</td>" in by_browser.text
    assert {"Accept", "Accept-Language"} <= {v.strip() for v in by_browser.headers["vary"].split(",")}
    english_page = client.get("/queries/stance-counts?format=html")
    assert f">{markupsafe.escape(en_label)}</td>" in english_page.text
    assert by_url.headers["etag"] != english_page.headers["etag"]
    # an unknown ?lang= falls back to the browser's language, as on every page (no 400 for a reader)
    assert client.get("/queries/stance-counts?format=html&lang=fr").status_code == 200


def test_the_html_table_marks_an_english_stand_in(client, engine, catalog) -> None:  # type: ignore[no-untyped-def]
    """Sources have no Spanish title: on the Spanish page the English title stands in, marked lang="en"."""
    spanish = expected(engine, catalog, "quotes-by-speaker", {"speaker": OSCAR, "lang": "es"})
    title = spanish.rows[0]["source_title"]
    assert isinstance(title, ox.Literal) and title.language == "en"
    page = client.get("/queries/quotes-by-speaker", params={"speaker": OSCAR, "format": "html", "lang": "es"})
    assert f'<td lang="en">{markupsafe.escape(title.value)}</td>' in page.text
    issues = canned.plain_value(spanish.rows[0]["issues"])
    assert issues and f"<td>{markupsafe.escape(issues)}</td>" in page.text
