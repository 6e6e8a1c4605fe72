"""Views that tell the story, and embeds: `/timeline`, `/network`, `/embed/NAME`, `/oembed`.

Each picture is a canned query's answer (`timeline-items`, `stance-network`, or any query at
`/embed/NAME?view=...`), shaped by `kg.pages.views` and drawn in the browser by the bundles built
from web/src (vis-timeline, Cytoscape.js, ECharts); the rows travel in a
`<script type="application/json">` block, which the CSP allows since it never runs. The embed
pages are framable anywhere (`security.EMBEDDABLE`); `/timeline` and `/network` keep the site's
policy and point to their embeds. The snippet and the oEmbed answer come from `kg.pages.embeds`.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from api import errors, i18n, negotiation
from api.deps import EngineDep, SettingsDep
from api.errors import ApiError, ErrorBody
from api.security import EMBEDDABLE
from api.templating import local_href, render
from kg import canned, paths
from kg.config import Settings
from kg.errors import KgError, NotFound, ParameterError
from kg.pages import embeds, views
from kg.store.engine import Engine

router = APIRouter(tags=["pages"])
CATALOG = canned.load_queries(paths.QUERIES_DIR)
CACHE = canned.ResultCache()
#: The canned queries behind the two pages.
TIMELINE, NETWORK = "timeline-items", "stance-network"
DEFAULT_ISSUE = "https://w3id.org/tregua/id/issue/negotiating-with-gangs"


def _lang(request: Request) -> tuple[str, bool]:
    return i18n.choose(request.query_params.get("lang"), request.headers.get("accept-language"))


def _href(request: Request, settings: Settings) -> Callable[[str], str]:
    """IRI -> the link a reader follows: this server's page for our IRIs, keeping `?lang=`."""
    lang, by_url = _lang(request)
    return lambda iri: i18n.link(local_href(iri, settings.base_iri), lang, chosen_by_url=by_url)


def _run(engine: Engine, settings: Settings, name: str, params: list[tuple[str, str]]) -> canned.CannedResult:
    query = CATALOG.get(name)
    known = {p.name for p in query.params}
    pairs = [(k, v) for k, v in params if k in known]
    return canned.run(engine, query, pairs, timeout=settings.query_timeout, max_rows=settings.max_result_rows,
                      cache=CACHE)


def _json(data: Any) -> str:
    """JSON for a `<script type="application/json">` block: `</` cannot close the element."""
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def _embed_context(request: Request, embed: embeds.Embed, title: str, rows: int) -> dict[str, Any]:
    """What every view's page shows about embedding it: the snippet, its URL, the oEmbed link.
    The embed speaks the page's language however it was chosen (URL or Accept-Language): a
    newsroom copying the snippet from a Spanish page wants the Spanish view."""
    base = str(request.base_url).rstrip("/")
    frame = embeds.height(embed.view, rows)
    lang, by_url = _lang(request)
    this = embeds.Embed(embed.name, embed.view, embed.params, lang)
    return {
        "embed_url": base + this.path,
        "embed_snippet": embeds.snippet(base, this, title, frame),
        "oembed_url": f"{base}/oembed?" + urlencode({"url": base + this.path, "format": "json"}),
        "data_url": i18n.link(embed.data_path, lang, chosen_by_url=by_url),
    }


def _filters(request: Request, query: canned.CannedQuery | None = None) -> list[tuple[str, str]]:
    """The timeline's filters in the URL (`actor`, `stance`, `events`), in their order; a canned
    query's own parameter of the same name (positions-over-time's `actor`) stays the query's."""
    own = {p.name for p in query.params} if query else set()
    return [(k, v) for k, v in request.query_params.multi_items()
            if k in views.TIMELINE_FILTERS and k not in own and v]


def _timeline_model(request: Request, engine: Engine, settings: Settings) -> dict[str, Any]:
    """The timeline is about negotiating with the gangs: stances colour and filter items by that
    issue; a stance on another issue is named with its issue."""
    lang, _ = _lang(request)
    network = _run(engine, settings, NETWORK, [("lang", lang)]).rows
    labels = views.stance_labels(network)
    result = _run(engine, settings, TIMELINE, [("lang", lang)])
    items = views.timeline_items(result.variables, result.rows, _href(request, settings), DEFAULT_ISSUE, labels)
    issue_name = next((i["name"] for i in views.issues_of(network) if i["iri"] == DEFAULT_ISSUE), DEFAULT_ISSUE)
    return {"items": items, "filters": views.timeline_filters(items, labels), "rows": result.total,
            "issue": DEFAULT_ISSUE, "issue_name": issue_name}


def _network_model(request: Request, engine: Engine, settings: Settings, issue: str) -> dict[str, Any]:
    lang, _ = _lang(request)
    result = _run(engine, settings, NETWORK, [("lang", lang)])
    issues = views.issues_of(result.rows)
    if issues and issue not in {i["iri"] for i in issues}:
        raise ParameterError("issue", f"no stance on the issue {issue!r}",
                             expected="one of " + ", ".join(i["iri"] for i in issues), example=DEFAULT_ISSUE)
    groups = views.camps(result.rows, _href(request, settings), issue)
    translations = i18n.translations(lang)
    for camp in groups:  # "exigidas al público", composed once here rather than in the template
        for actor in camp["actors"]:
            for c in actor["conditions"]:
                phrase = translations.gettext("required of") + " " + c["required_of"]
                c["required_of_phrase"] = views.contract(phrase) if lang == "es" else phrase
    elements = views.camp_elements(groups, translations.gettext("reported by"))
    name = next((i["name"] for i in issues if i["iri"] == issue), issue)
    return {"camps": groups, "elements": elements, "issues": issues, "issue": issue, "issue_name": name,
            "rows": result.total}


def _strings(request: Request) -> dict[str, str]:
    """The words the bundles show, in the page's language (the scripts hold no English)."""
    lang, _ = _lang(request)
    t = i18n.translations(lang).gettext
    return {"event": t("event"), "statement": t("statement"), "shown": t("items shown")}


def _choices(expected: str) -> list[str]:
    """The values an `expected="one of a, b"` names (for links that fix the parameter)."""
    return [v.strip() for v in expected.removeprefix("one of ").split(",")] if expected.startswith("one of ") else []


def _error_page(request: Request, exc: KgError, embeddable: bool = False) -> Response:
    """A browser's answer to bad input: an HTML page saying what is wrong, how to fix it, and the
    closest names (an unknown query's neighbours, the issues or stances to choose from), with the
    status the API gives; any other client gets the JSON error as everywhere else."""
    if not negotiation.html_over_json(request.headers.get("accept")):
        raise exc
    t = i18n.translations(_lang(request)[0]).gettext
    suggestions: list[dict[str, str]] = []
    lang, by_url = _lang(request)
    if isinstance(exc, NotFound):
        view = request.query_params.get("view", "table")
        suggestions = [{"label": n, "href": i18n.link(embeds.Embed(n, view).path, lang, chosen_by_url=by_url)}
                       for n in exc.suggestions]
    elif isinstance(exc, ParameterError):
        suggestions = [{"label": f"{exc.name}={v}", "href": i18n.link(
            request.url.path + "?" + urlencode([*((k, x) for k, x in request.query_params.multi_items()
                                                  if k != exc.name), (exc.name, v)]), lang, chosen_by_url=by_url)}
                       for v in _choices(exc.expected)]
    heading = t("Nothing here by that name") if isinstance(exc, NotFound) else t("This view cannot be drawn")
    response = render(request, "view_error.html", {"heading": heading, "message": exc.message, "hint": exc.hint,
                                                   "suggestions": suggestions},
                      status_code=errors.status_of(exc), headers={"Vary": "Accept"})
    return _embeddable(response) if embeddable else response


def _embeddable(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = EMBEDDABLE  # made to be framed on other sites
    return response


@router.get("/timeline", summary="Events and statements on one time axis (a page; embeddable)",
            response_model=None)
def timeline(request: Request, engine: EngineDep, settings: SettingsDep) -> Response:
    try:
        return _timeline_page(request, engine, settings)
    except KgError as exc:
        return _error_page(request, exc)


def _timeline_page(request: Request, engine: Engine, settings: Settings) -> Response:
    model = _timeline_model(request, engine, settings)
    filters = _filters(request)
    views.filter_timeline(model["items"], model["filters"], filters)  # a 400 naming the choices
    t = i18n.translations(_lang(request)[0]).gettext
    embed = embeds.Embed(TIMELINE, "timeline", tuple(filters))
    context = {"active": "/timeline", "model": model, "data": _json(model), "strings": _json(_strings(request)),
               **_embed_context(request, embed, t("Timeline of the debate"), model["rows"])}
    return render(request, "timeline.html", context)


@router.get("/network", summary="Actors in camps by stance, with their conditions and who reported them "
                                "(a page; embeddable)", response_model=None)
def network(
    request: Request, engine: EngineDep, settings: SettingsDep,
    issue: Annotated[str, Query(description="the issue (an IRI, id:issue/...)")] = DEFAULT_ISSUE,
) -> Response:
    try:
        return _network_page(request, engine, settings, issue)
    except KgError as exc:
        return _error_page(request, exc)


def _network_page(request: Request, engine: Engine, settings: Settings, issue: str) -> Response:
    model = _network_model(request, engine, settings, issue)
    t = i18n.translations(_lang(request)[0]).gettext
    params = (("issue", issue),) if issue != DEFAULT_ISSUE else ()
    embed = embeds.Embed(NETWORK, "network", params)
    context = {"active": "/network", "model": model, "data": _json(model), "strings": _json(_strings(request)),
               **_embed_context(request, embed, t("Who stands where"), model["rows"])}
    return render(request, "network.html", context)


@router.get("/embed/{name}", summary="One view of a canned query, alone, for an iframe on another site",
            response_model=None)
def embed(
    request: Request, engine: EngineDep, settings: SettingsDep, name: str,
    view: Annotated[str, Query(description="table, timeline, network or chart")] = "table",
) -> Response:
    try:
        return _embed_page(request, engine, settings, name, view)
    except NotFound as exc:
        if not exc.suggestions:  # the closest names, however far: an embed URL is typed or pasted
            exc.suggestions = difflib.get_close_matches(name, [q.name for q in CATALOG], n=5, cutoff=0)
        return _error_page(request, exc, embeddable=True)
    except KgError as exc:
        return _error_page(request, exc, embeddable=True)


def _embed_page(request: Request, engine: Engine, settings: Settings, name: str, view: str) -> Response:
    query = CATALOG.get(name)  # NotFound with the closest names
    if view not in views.VIEWS:
        raise ParameterError("view", f"unknown view {view!r}", expected="one of " + ", ".join(views.VIEWS),
                             example="view=table")
    filters = _filters(request, query) if view == "timeline" else []
    own = ("view", "lang", "format", *(k for k, _ in filters))
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in own]
    href = _href(request, settings)
    lang, _ = _lang(request)
    if any(p.name == "lang" for p in query.params) and "lang" not in dict(params):
        params.append(("lang", lang))
    if view == "network" and name == NETWORK:
        query.bind(params, timeout=settings.query_timeout)  # an unknown or malformed parameter is a 400 here too
        issue = dict(params).get("issue", DEFAULT_ISSUE)
        model: dict[str, Any] = _network_model(request, engine, settings, issue)
        rows = model["rows"]
    else:
        result = canned.run(engine, query, params, timeout=settings.query_timeout,
                            max_rows=settings.max_result_rows, cache=CACHE)
        possible = views.views_of(result.variables, result.rows)
        if view not in possible:
            raise ParameterError("view", f"the query {name!r} cannot be drawn as a {view}",
                                 expected="one of " + ", ".join(possible), example=f"view={possible[-1]}")
        rows = result.total
        model = {"columns": result.variables, "rows": rows}
        if view == "table":
            model["table"] = views.table(result.variables, result.rows, href)
        elif view == "timeline":
            if name == TIMELINE:  # the /timeline page's own query: the same items as that page
                model = _timeline_model(request, engine, settings)
                items, choices = model["items"], model["filters"]
            else:
                items = views.timeline_items(result.variables, result.rows, href)
                choices = views.timeline_filters(items, {})
            kept = views.filter_timeline(items, choices, filters)
            model = {**model, "items": kept, "filters": choices, "rows": len(kept)}
        elif view == "network":
            model["elements"] = views.edge_elements(result.variables, result.rows, href)
        else:
            model["chart"] = views.chart_series(result.variables, result.rows)
    shown = tuple((k, v) for k, v in params if k != "lang") + tuple(filters)
    this = embeds.Embed(name, view, shown)
    context = {"query": query, "view": view, "model": model, "data": _json(model if view != "table" else {}),
               "strings": _json(_strings(request)), "views": views.VIEWS, "title": embeds.title(query.summary),
               **_embed_context(request, this, embeds.title(query.summary), rows)}
    return _embeddable(render(request, "embed.html", context))


@router.get("/oembed", summary="oEmbed (https://oembed.com): the embed snippet of a view's URL",
            response_model=None,
            responses={404: {"model": ErrorBody, "description": "the URL is no embeddable page of this server"},
                       501: {"model": ErrorBody, "description": "a format other than json (the oEmbed spec's "
                                                                "answer for a format the provider does not serve)"}})
def oembed(
    request: Request, engine: EngineDep, settings: SettingsDep,
    url: Annotated[str, Query(description="an embeddable page: /embed/NAME?view=..., /queries/NAME, "
                                          "/timeline or /network on this server")],
    format: Annotated[str, Query(description="json (the only format served)")] = "json",
    maxwidth: Annotated[int | None, Query(ge=1)] = None,
    maxheight: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    if format != "json":
        raise ApiError(501, f"oEmbed format {format!r} is not served", hint="ask for format=json")
    try:
        target = embeds.parse(url, request.url.netloc, [q.name for q in CATALOG])
    except embeds.NotEmbeddable as exc:
        raise NotFound(str(exc)) from None
    query = CATALOG.get(target.name)
    rows = 0
    if target.view == "table":
        rows = _run(engine, settings, target.name, list(target.params)).total
    base = str(request.base_url).rstrip("/")
    body = embeds.oembed(base, target, embeds.title(query.summary), embeds.height(target.view, rows),
                         maxwidth, maxheight)
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=3600"})
