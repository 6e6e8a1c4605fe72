"""The interface in English and Spanish (api/i18n.py), against a real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from api import i18n
from tests.conftest import Server

ROOT = Path(__file__).resolve().parents[2]
BROWSER = "text/html,application/xhtml+xml"


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


def test_every_template_message_has_a_spanish_translation() -> None:
    method_map = [("api/templates/**.html", "jinja2")]
    options = {"api/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    used = {msg if isinstance(msg, str) else msg[0]
            for _file, _line, msg, _comments, _context in extract_from_dir(str(ROOT), method_map, options)}
    assert "Canned queries" in used
    with (i18n.LOCALE_DIR / "es" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    missing = sorted(m for m in used if m and not (catalogue.get(m) and catalogue.get(m).string))
    assert not missing, f"add these to api/locale/es/LC_MESSAGES/messages.po: {missing}"


def test_accept_language_chooses_spanish_and_the_url_wins(client: httpx.Client) -> None:
    es = client.get("/", headers={"Accept": BROWSER, "Accept-Language": "es-SV,es;q=0.9"})
    assert '<html lang="es"' in es.text and "Consultas predefinidas" in es.text
    assert "Accept-Language" in es.headers["vary"]
    en = client.get("/?lang=en", headers={"Accept": BROWSER, "Accept-Language": "es"})
    assert '<html lang="en"' in en.text and ">Canned queries<" in en.text


def test_a_language_chosen_in_the_url_is_kept_in_the_links(client: httpx.Client) -> None:
    page = client.get("/ontology?lang=es", headers={"Accept": BROWSER}).text
    assert 'href="/queries?lang=es"' in page
    assert 'href="/ontology?lang=en" hreflang="en"' in page


GALLEGOS = "/id/person/guillermo-gallegos"


@pytest.mark.parametrize(("params", "headers"), [
    ({"lang": "es"}, {}),
    ({}, {"Accept-Language": "es-SV,es;q=0.9,en;q=0.5"}),
])
def test_an_entity_page_in_spanish_uses_the_data_s_spanish_labels(
        client: httpx.Client, params: dict[str, str], headers: dict[str, str]) -> None:
    page = client.get(GALLEGOS, params=params, headers={"Accept": BROWSER, **headers})
    html = page.text
    assert '<html lang="es"' in html
    for label in ("no descarta", "escéptica", "condicionada"):  # stance values, from the ontology's @es labels
        assert f">{label}</" in html
    assert 'href="/ontology#Person">persona</a>' in html or ">persona</a>" in html  # the type, in Spanish
    assert ">negociar con las pandillas</a>" in html  # the issue's @es label, from the data
    assert ">Posturas</h2>" in html and ">Declaraciones</h2>" in html  # the interface
    assert ">sceptical<" not in html and ">Stances<" not in html
    if params:  # chosen in the URL: the page's links keep it
        assert 'href="/id/issue/negotiating-with-gangs?lang=es"' in html
        assert f'href="{GALLEGOS}?lang=en" hreflang="en"' in html  # the switch: the same page in English
    else:
        assert 'href="/id/issue/negotiating-with-gangs"' in html


def test_english_and_spanish_pages_have_their_own_etags(client: httpx.Client) -> None:
    en = client.get(GALLEGOS, headers={"Accept": BROWSER, "Accept-Language": "en"})
    es = client.get(GALLEGOS, headers={"Accept": BROWSER, "Accept-Language": "es"})
    assert en.headers["etag"] != es.headers["etag"]
    again = client.get(GALLEGOS, headers={"Accept": BROWSER, "Accept-Language": "es",
                                          "If-None-Match": en.headers["etag"]})
    assert again.status_code == 200 and '<html lang="es"' in again.text


def test_the_ontology_page_names_its_terms_in_spanish(client: httpx.Client) -> None:
    html = client.get("/ontology?lang=es", headers={"Accept": BROWSER}).text
    assert "<h1>Ontología Tregua</h1>" in html
    assert "<h3>persona <code>tg:Person</code>" in html and ">clase</span>" in html
    assert ">Clases</h2>" in html


def test_the_kinds_index_names_kinds_in_spanish(client: httpx.Client) -> None:
    html = client.get("/id/person", headers={"Accept": BROWSER, "Accept-Language": "es"}).text
    assert "Cada persona del grafo" in html and ">organización</a>" in html


@pytest.mark.parametrize("path", ["/queries?format=html", "/queries/stance-counts?format=html",
                                  "/queries/stance-counts?format=csv", "/id/person", "/history?format=html"])
def test_pages_reached_by_a_link_that_carries_the_language_answer(client: httpx.Client, path: str) -> None:
    """Links keep `?lang=` (lang_url): every page they reach must take it, canned queries included."""
    r = client.get(path + "&lang=es" if "?" in path else path + "?lang=es", headers={"Accept": BROWSER})
    assert r.status_code == 200, r.text[:300]
