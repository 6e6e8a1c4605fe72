"""`GET /history`: the change journal, newest first, as JSON or as an HTML page (by Accept or
`?format=json|html`), paged (`offset`, `limit`; the total in `X-Total-Count`), with the filters
of `kg history` as query parameters (`graph`, `since`, `who`). Reads the journal file of the
served store (`kg.journal`); the store itself is not touched.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import settings_of
from api.negotiation import html_over_json
from api.templating import render
from kg.errors import ParameterError
from kg.journal import Journal
from kg.journal.history import Page, page

router = APIRouter(tags=["history"])
MAX_LIMIT = 500


def journal_of(request: Request) -> Journal:
    """The served store's journal: the writer's own, else the one `KG_JOURNAL`/STORE.journal names."""
    journal = getattr(getattr(request.app.state, "engine", None), "journal", None)
    if isinstance(journal, Journal):
        return journal
    settings = settings_of(request)
    return Journal.for_store(settings.store, settings)


def _wants_html(format: str | None, accept: str | None) -> bool:
    if format is not None:
        if format not in ("json", "html"):
            raise ParameterError("format", f"unknown format {format!r}", expected="json or html",
                                 example="format=html")
        return format == "html"
    return html_over_json(accept)


@router.get("/history", summary="The change journal: who wrote what, when (JSON or HTML; paged)",
            response_model=None)
async def history(
    request: Request,
    graph: Annotated[str | None, Query(description="only entries touching this graph (IRI)")] = None,
    since: Annotated[str | None, Query(description="ISO date or date-time, or an entry id")] = None,
    who: Annotated[str | None, Query(description="only entries by this writer")] = None,
    offset: Annotated[int, Query(ge=0, description="entries to skip (newest first)")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="entries per page")] = 50,
    format: Annotated[str | None, Query(description="json or html (default: by Accept)")] = None,
) -> Response:
    html = _wants_html(format, request.headers.get("accept"))
    found = await run_in_threadpool(page, journal_of(request), since=since, graph=graph or None,
                                    who=who or None, offset=offset, limit=limit)
    headers = {"Vary": "Accept", "X-Total-Count": str(found.total), "Cache-Control": "no-cache"}
    filters = {k: v for k, v in (("graph", graph), ("since", since), ("who", who)) if v}
    links = _pages(found, filters)
    if not html:
        return JSONResponse({**found.as_dict(), "filters": filters, "links": links}, headers=headers)
    context: dict[str, Any] = {"active": "/history", "page": found.as_dict(), "filters": filters, "links": links}
    return render(request, "history.html", context, headers=headers)


def _pages(found: Page, filters: dict[str, str]) -> dict[str, str]:
    """Relative links to the previous and next pages, filters kept."""
    out: dict[str, str] = {}
    if found.offset > 0:
        out["prev"] = "/history?" + urlencode({**filters, "offset": max(0, found.offset - found.limit),
                                                "limit": found.limit})
    if found.offset + found.limit < found.total:
        out["next"] = "/history?" + urlencode({**filters, "offset": found.offset + found.limit,
                                                "limit": found.limit})
    return out
