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
