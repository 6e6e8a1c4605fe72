"""/timeline, /network, /embed/NAME and /oembed over HTTP, against a real server: the pages carry
their data, their snippet and their oEmbed link; embeds are framable anywhere; oEmbed answers per
the spec (https://oembed.com) and refuses what it cannot embed."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html import unescape
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.conftest import Server

BROWSER = {"Accept": "text/html"}
ISSUE = "https://w3id.org/tregua/id/issue/negotiating-with-gangs"


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


def _data(html: str) -> Any:
    found = re.search(r'<script type="application/json" id="view-data">(.*?)</script>', html, re.S)
    assert found, "the page carries its model"
    return json.loads(found.group(1))


def _oembed_link(html: str) -> str:
    found = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"', html)
    assert found, "oEmbed discovery link"
    return unescape(found.group(1))


def test_the_timeline_page_carries_its_items_snippet_and_oembed_link(client: httpx.Client,
                                                                     server: Server) -> None:
    response = client.get("/timeline", headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["content-security-policy"].endswith("frame-ancestors 'self'")  # its embed is framed
    items = {i["href"]: i for i in _data(response.text)["items"]}
    assert items["/id/event/gang-truce-2012"]["start"] == "2012-03-09"
    assert items["/id/event/ms13-dialogue-proposal-2017"]["start"] == "2017-01-09"
    assert f'src="{server.url}/embed/timeline-items?view=timeline"' in unescape(response.text)
    assert f'{server.url}/static/dist/embed-resize.js' in unescape(response.text)
    assert client.get(_oembed_link(response.text)).json()["type"] == "rich"


def test_the_timeline_in_spanish_links_keep_the_language(client: httpx.Client) -> None:
    page = client.get("/timeline?lang=es", headers=BROWSER).text
    assert "Cronología del debate" in page
    items = {i["href"]: i for i in _data(page)["items"]}
    assert items["/id/event/gang-truce-2012?lang=es"]["label"] == "tregua entre pandillas de 2012"


def test_the_network_page_draws_camps_and_refuses_an_unknown_issue(client: httpx.Client) -> None:
    page = client.get("/network", headers=BROWSER).text
    model = _data(page)
    assert model["issue"] == ISSUE
    conditional = next(c for c in model["camps"] if c["value"] == "conditional")
    gallegos = next(a for a in conditional["actors"] if a["name"] == "Guillermo Gallegos")
    assert len(gallegos["conditions"]) == 3 and gallegos["href"] == "/id/person/guillermo-gallegos"
    other = client.get("/network", params={"issue": "https://w3id.org/tregua/id/issue/repression-of-gangs"},
                       headers=BROWSER)
    assert other.status_code == 200 and [c["value"] for c in _data(other.text)["camps"]] == [
        "favourable", "sceptical"]
    bad = client.get("/network", params={"issue": "https://w3id.org/tregua/id/issue/nothing"})
    assert bad.status_code == 400 and bad.json()["parameter"] == "issue"
    assert ISSUE in bad.json()["expected"]


@pytest.mark.parametrize(("path", "marker"), [
    ("/embed/stance-counts?view=table", '<table id="results">'),
    ("/embed/timeline?view=timeline", 'data-view="timeline"'),
    ("/embed/responses-network?view=network", 'data-view="network"'),
    ("/embed/stance-network?view=network", 'data-view="network"'),
    ("/embed/stance-counts?view=chart", 'data-view="chart"'),
])
def test_every_view_has_an_embed_page_framable_anywhere(client: httpx.Client, path: str, marker: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert marker in response.text
    assert "frame-ancestors *" in response.headers["content-security-policy"]
    assert 'target="_top">Source data</a>' in response.text
    assert "/static/dist/embed.js" in response.text  # posts the height


def test_embed_parameters_are_the_canned_querys(client: httpx.Client) -> None:
    page = client.get("/embed/timeline", params={"view": "timeline", "from_year": "2016", "to_year": "2016"})
    dates = [i["start"][:4] for i in _data(page.text)["items"]]
    assert dates and set(dates) == {"2016"}
    assert "/queries/timeline?from_year=2016&amp;to_year=2016&amp;format=html" in page.text
    bad = client.get("/embed/timeline", params={"view": "timeline", "from_year": "soon"})
    assert bad.status_code == 400 and bad.json()["parameter"] == "from_year"


def test_embed_refuses_unknown_queries_and_views_it_cannot_draw(client: httpx.Client) -> None:
    unknown = client.get("/embed/stance-count")
    assert unknown.status_code == 404 and "stance-counts" in unknown.json()["suggestions"]
    wrong = client.get("/embed/stance-counts", params={"view": "timeline"})
    assert wrong.status_code == 400 and wrong.json()["expected"] == "one of table, chart"
    unknown_param = client.get("/embed/stance-network", params={"view": "network", "isue": "x"})
    assert unknown_param.status_code == 400 and unknown_param.json()["parameter"] == "isue"
    nonsense = client.get("/embed/stance-counts", params={"view": "pie"})
    assert nonsense.status_code == 400 and "table, timeline, network, chart" in nonsense.json()["expected"]


@pytest.mark.parametrize(("target", "src"), [
    ("/embed/stance-counts?view=chart", "/embed/stance-counts?view=chart"),
    ("/queries/stance-counts?format=html", "/embed/stance-counts?view=table"),
    ("/timeline", "/embed/timeline-items?view=timeline"),
    ("/network", "/embed/stance-network?view=network"),
    (f"/network?issue={quote(ISSUE, safe='')}", f"/embed/stance-network?view=network&issue={quote(ISSUE, safe='')}"),
])
def test_oembed_answers_rich_json_for_each_embed_kind(client: httpx.Client, server: Server, target: str,
                                                      src: str) -> None:
    response = client.get("/oembed", params={"url": server.url + target, "format": "json", "maxwidth": "600"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert {"version": "1.0", "type": "rich", "provider_name": "Tregua", "width": 600}.items() <= body.items()
    assert isinstance(body["height"], int) and body["height"] > 0 and body["title"]
    assert f'<iframe src="{server.url}{src}"'.replace("&", "&amp;") in body["html"]
    assert f'height="{body["height"]}"' in body["html"]


def test_oembed_refuses_other_urls_with_404_and_other_formats_with_501(client: httpx.Client,
                                                                       server: Server) -> None:
    for url in (server.url + "/ontology", "https://example.org/timeline", server.url + "/embed/no-such-query",
                server.url + "/embed/stance-counts?view=pie"):
        assert client.get("/oembed", params={"url": url}).status_code == 404, url
    xml = client.get("/oembed", params={"url": server.url + "/timeline", "format": "xml"})
    assert xml.status_code == 501
    assert client.get("/oembed").status_code in (400, 422)


def test_the_canned_table_page_offers_its_snippet_and_oembed_link(client: httpx.Client, server: Server) -> None:
    page = client.get("/queries/stance-counts?format=html").text
    assert f'src="{server.url}/embed/stance-counts?view=table"' in unescape(page)
    body = client.get(_oembed_link(page)).json()
    assert "/embed/stance-counts?view=table" in body["html"]


GALLEGOS = "https://w3id.org/tregua/id/person/guillermo-gallegos"


def test_a_filtered_timeline_embeds_with_its_filter(client: httpx.Client, server: Server) -> None:
    page = client.get("/timeline", params={"actor": GALLEGOS, "stance": "notRuledOut"}, headers=BROWSER)
    assert page.status_code == 200
    src = re.search(r'<iframe src="([^"]+)"', unescape(page.text))
    assert src and "actor=" + quote(GALLEGOS, safe="") in src.group(1) and "stance=notRuledOut" in src.group(1)
    oembed = client.get("/oembed", params={"url": f"{server.url}/timeline?actor={quote(GALLEGOS, safe='')}"
                                                  "&stance=notRuledOut"}).json()
    frame = unescape(re.search(r'<iframe src="([^"]+)"', oembed["html"]).group(1))  # type: ignore[union-attr]  # the snippet holds one iframe
    embed = client.get(frame)
    assert embed.status_code == 200, embed.text
    items = _data(embed.text)["items"]
    assert items and all(i["kind"] == "statement" and GALLEGOS in i["actors"] and "notRuledOut" in i["stances"]
                         for i in items)
    everything = _data(client.get("/embed/timeline-items", params={"view": "timeline"}).text)["items"]
    assert len(items) < len(everything)


def test_the_timeline_refuses_an_unknown_stance_naming_the_stances(client: httpx.Client) -> None:
    for path, view in (("/timeline", {}), ("/embed/timeline-items", {"view": "timeline"})):
        bad = client.get(path, params={**view, "stance": "bogus"})
        assert bad.status_code == 400 and bad.json()["parameter"] == "stance"
        assert "reject" in bad.json()["expected"] and "notRuledOut" in bad.json()["expected"]


def test_snippet_and_oembed_keep_the_language(client: httpx.Client, server: Server) -> None:
    page = client.get("/timeline?lang=es", headers=BROWSER).text
    # the textarea holds the snippet's HTML (its & written &amp;), itself escaped in the page
    assert f'src="{server.url}/embed/timeline-items?view=timeline&lang=es"' in unescape(unescape(page))
    by_header = client.get("/network", headers={**BROWSER, "Accept-Language": "es"}).text
    assert "view=network&lang=es" in unescape(unescape(by_header))
    body = client.get("/oembed", params={"url": server.url + "/network?lang=es"}).json()
    assert "/embed/stance-network?view=network&amp;lang=es" in body["html"]
    frame = client.get("/embed/stance-network?view=network&lang=es").text
    assert '<html lang="es">' in frame


def test_embeds_carry_reader_facing_titles(client: httpx.Client, server: Server) -> None:
    for target in ("/timeline", "/network", "/embed/stance-counts?view=chart"):
        body = client.get("/oembed", params={"url": server.url + target}).json()
        assert "feeds" not in body["title"] and "chart-ready" not in body["title"], body["title"]
    for path in ("/embed/timeline-items?view=timeline", "/embed/stance-counts?view=chart"):
        html = client.get(path).text
        assert "(feeds" not in html and "(chart-ready)" not in html


def test_timeline_stances_are_on_the_issue_of_negotiation(client: httpx.Client) -> None:
    page = client.get("/timeline", headers=BROWSER).text
    items = {i["href"]: i for i in _data(page)["items"]}
    attacking = items["/id/statement/oscar-ortiz-keep-attacking"]
    assert "favourable" not in attacking["stances"]  # favours repressing the gangs, not negotiating
    assert any(n["value"] == "favourable" and not n["on_issue"] and "repress" in n["text"].lower()
               for n in attacking["stance_notes"])
    assert "reject" in items["/id/statement/oscar-ortiz-cannot-negotiate"]["stances"]
    assert 'id="timeline-legend"' in page and 'class="badge stance-reject"' in page
    filtered = client.get("/embed/timeline-items", params={"view": "timeline", "stance": "favourable"}).text
    assert "/id/statement/oscar-ortiz-keep-attacking" not in {i["href"] for i in _data(filtered)["items"]}


def test_the_network_in_spanish_contracts_a_el(client: httpx.Client) -> None:
    page = client.get("/network", params={"lang": "es"}, headers=BROWSER).text
    assert "a el " not in page and "de el " not in page
    assert "exigida al público salvadoreño" in page


def test_the_entity_page_in_spanish_contracts_a_el_across_the_link(client: httpx.Client) -> None:
    """The condition's "required of" phrase ends in "a" and the actor's name, inside a link, starts
    with "el": the page reads "exigida al [público salvadoreño]", in English "required of [the ...]"."""
    page = client.get("/id/stance/eugenio-chicas-negotiation-conditional", params={"lang": "es"}, headers=BROWSER).text
    assert re.search(r'exigida al <a href="[^"]*/id/organization/salvadoran-public[^"]*">público salvadoreño</a>',
                     page), "the contraction joins the preposition, outside the link"
    assert " a el " not in page and ">el público" not in page
    english = client.get("/id/stance/eugenio-chicas-negotiation-conditional", headers=BROWSER).text
    assert re.search(r'required of <a href="[^"]*salvadoran-public[^"]*">the Salvadoran public</a>', english)


def test_browsers_get_an_html_error_page_with_the_closest_names(client: httpx.Client) -> None:
    nope = client.get("/embed/nope", params={"view": "chart"}, headers=BROWSER)
    assert nope.status_code == 404 and nope.headers["content-type"].startswith("text/html")
    assert "frame-ancestors *" in nope.headers["content-security-policy"]  # it is shown in the frame
    assert "Did you mean" in nope.text and "/embed/" in nope.text and "view=chart" in nope.text
    assert client.get("/embed/nope").json()["suggestions"], "the API names the closest queries too"
    issue = client.get("/network", params={"issue": "bad"}, headers=BROWSER)
    assert issue.status_code == 400 and issue.headers["content-type"].startswith("text/html")
    assert quote(ISSUE, safe="") in issue.text  # a link to a known issue
    stance = client.get("/timeline", params={"stance": "bogus", "lang": "es"}, headers=BROWSER)
    assert stance.status_code == 400 and "stance=reject" in stance.text
    assert "Esta vista no se puede dibujar" in stance.text
    assert client.get("/timeline", params={"stance": "bogus"}).headers["content-type"].startswith("application/json")


def test_the_canned_table_page_offers_a_snippet_for_each_view(client: httpx.Client, server: Server) -> None:
    page = unescape(unescape(client.get("/queries/stance-counts?format=html").text))
    assert f'src="{server.url}/embed/stance-counts?view=table"' in page
    assert f'src="{server.url}/embed/stance-counts?view=chart"' in page  # counts: a chart too
    assert "view=timeline" not in page  # no dates, no timeline
    chart = client.get("/embed/stance-counts", params={"view": "chart"})
    assert chart.status_code == 200


def test_an_embedded_table_shows_the_labels_in_the_embeds_language(client: httpx.Client, engine: Any,
                                                                   catalog: Any) -> None:
    """Every canned query takes `lang`: an embed passes its own language, from the URL or the browser."""
    from kg import canned

    spanish = canned.run(engine, catalog.get("positions"), {"lang": "es"})
    english = canned.run(engine, catalog.get("positions"), {})
    es_names = {canned.plain_value(row["stance"]) for row in spanish.rows}
    en_names = {canned.plain_value(row["stance"]) for row in english.rows}
    assert es_names and not es_names & en_names  # the data has Spanish labels for every stance value
    for headers, params in (({}, {"view": "table", "lang": "es"}), ({"Accept-Language": "es"}, {"view": "table"})):
        page = unescape(client.get("/embed/positions", params=params, headers=headers).text)
        assert all(f">{name}</td>" in page for name in es_names), headers
        assert not any(f">{name}</td>" in page for name in en_names), headers
