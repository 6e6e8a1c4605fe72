"""`/query`: the SPARQL query page, where a browser visiting `/sparql` lands.

`/sparql` answers machines (results, or the service description); a person who opens it in a
browser is sent here (303) instead of being shown raw Turtle. The page's editor is CodeMirror 6
(bundled from web/src/query.js); everything it needs from the server (the ontology's terms for
completion, the canned queries and examples for its menu, its strings in the reader's language)
is rendered into the page as JSON by kg.pages.query_editor, and it runs queries against `/sparql`
(a canned query left unedited runs at `/queries/NAME`, which binds its parameters). A share link
is this URL with `query=` (or `canned=` and `p.PARAM=`) and `view=`.

CodeMirror injects its own `<style>` elements: this page alone allows them, by a nonce made per
response (`api.security.with_style_nonce`); every other page keeps `style-src 'self'`.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api import i18n
from api.security import with_style_nonce
from api.templating import render
from kg.pages.examples import load_examples
from kg.pages.query_editor import PREFIXES, VIEWS, canned_entry, canned_menu, check_view, editor_terms

router = APIRouter(tags=["pages"])
#: The editor's examples (queries/examples/*.rq), as on the home page.
EXAMPLES = load_examples()


@router.get("/query", summary="The SPARQL query page (for people; /sparql is the endpoint)",
            response_model=None)
def query_page(
    request: Request,
    query: Annotated[str | None, Query(description="prefill the editor")] = None,
    canned: Annotated[str | None, Query(description="start from this canned query (its name)")] = None,
    view: Annotated[str | None, Query(description="result view: " + ", ".join(VIEWS))] = None,
) -> Response:
    chosen_view = check_view(view)
    entry = canned_entry(canned) if canned else None
    prefill = query if query is not None else entry["query"] if entry else EXAMPLES[0]["query"]
    nonce = secrets.token_urlsafe(16)
    lang, _ = i18n.choose(request.query_params.get("lang"), request.headers.get("accept-language"))
    context = {
        "active": "/query",
        "examples": EXAMPLES,
        "canned": canned_menu(),
        "prefill": prefill,
        "editor": {
            "nonce": nonce,
            "view": chosen_view,
            "views": list(VIEWS),
            "canned": entry["name"] if entry and query is None else None,
            "run": query is not None or entry is not None or view is not None,
            "prefixes": PREFIXES,
            "terms": editor_terms(lang),
        },
    }
    response = render(request, "query.html", context)
    response.headers["Content-Security-Policy"] = with_style_nonce(nonce)
    return response
