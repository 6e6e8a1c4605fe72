"""`/query`: the SPARQL editor on a page of its own, where a browser visiting `/sparql` lands.

`/sparql` answers machines (results, or the service description); a person who opens it in a
browser is sent here (303) instead of being shown raw Turtle. The page is the home page's editor
(`_editor.html`, `static/editor.js`), which runs queries against `/sparql`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.templating import render
from kg.pages.examples import load_examples

router = APIRouter(tags=["pages"])
#: The editor's examples (queries/examples/*.rq), as on the home page.
EXAMPLES = load_examples()


@router.get("/query", summary="The SPARQL query editor (a page for people; /sparql is the endpoint)",
            response_model=None)
def query_page(
    request: Request,
    query: Annotated[str | None, Query(description="prefill the editor")] = None,
) -> Response:
    return render(request, "query.html",
                  {"active": "/query", "examples": EXAMPLES, "prefill": query or EXAMPLES[0]["query"]})
