"""Jinja2 for every HTML page, with the helpers all pages need: IRI -> local link, and the
interface's language (`api/i18n.py`: `_()` in templates, `lang`, `lang_url()` keeping `?lang=`).

The data's IRIs never change with the host (they live under `KG_BASE_IRI`), but a reader
following a link must stay on the server in front of them, so `href()` maps entity, ontology
and shapes IRIs onto this server's paths and leaves every other IRI alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api import i18n
from api.deps import settings_of
from kg.pages.views import contract_lead

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_null_translations()  # type: ignore[attr-defined]  # a method jinja2.ext.i18n adds


def local_href(iri: str, base_iri: str) -> str:
    """The path on this server that shows `iri`, or `iri` itself when it is not ours.

    >>> local_href("https://w3id.org/tregua/id/person/oscar-ortiz", "https://w3id.org/tregua/")
    '/id/person/oscar-ortiz'
    >>> local_href("https://w3id.org/tregua/ontology#Person", "https://w3id.org/tregua/")
    '/ontology#Person'
    >>> local_href("http://www.wikidata.org/entity/Q792", "https://w3id.org/tregua/")
    'http://www.wikidata.org/entity/Q792'
    """
    if not iri.startswith(base_iri):
        return iri
    tail = iri[len(base_iri) :]
    if tail.startswith("id/"):
        path, _, fragment = tail.partition("#")
        return "/" + quote(path, safe="/-_.~") + (f"#{fragment}" if fragment else "")
    if tail.startswith(("ontology", "shapes")):
        return "/" + tail
    if tail.startswith("graph/"):
        return "/rdf-graph-store?graph=" + quote(iri, safe="")
    return iri


def page_language(request: Request) -> str:
    """The interface language of this request (`?lang=`, then `Accept-Language`), for page models
    that name things in it (`kg.pages.entity_view.build_view(..., lang=)`)."""
    return i18n.choose(request.query_params.get("lang"), request.headers.get("accept-language"))[0]


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render one template with the helpers every page uses (`href`, `base_iri`, `_`, `lang`,
    `lang_url`, `lang_links`). `href()` keeps a `?lang=` the URL chose, as `lang_url()` does."""
    base_iri = settings_of(request).base_iri
    lang, by_url = i18n.choose(request.query_params.get("lang"), request.headers.get("accept-language"))
    catalogue = i18n.translations(lang)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    full = {
        "href": lambda iri: i18n.link(local_href(iri, base_iri), lang, chosen_by_url=by_url),
        "base_iri": base_iri,
        "lang": lang,
        "page_lang": lang,
        "gettext": catalogue.gettext,
        "ngettext": catalogue.ngettext,
        "lang_url": lambda path: i18n.link(path, lang, chosen_by_url=by_url),
        "lang_in_url": by_url,  # forms carry it as a hidden field, as links carry it in their query
        "lang_links": [(code, i18n.link(here, code, chosen_by_url=True)) for code in i18n.LANGUAGES],
        # Spanish contracts "a el" to "al" even where the article starts a link's text
        "contract_lead": contract_lead if lang == "es" else (lambda phrase, name: (phrase, name)),
        **context,
    }
    headers = dict(headers or {})
    headers["Vary"] = ", ".join(filter(None, [headers.get("Vary"), "Accept-Language"]))
    return templates.TemplateResponse(request, name, full, status_code=status_code, headers=headers)
