"""Pages for people: the home page (`/`), the ontology (`/ontology`) and the shapes (`/shapes`).

`/ontology` and `/shapes` are also the documents themselves: an RDF client asking for Turtle
(or JSON-LD, N-Triples, RDF/XML) gets the files, a browser gets documentation generated from
them, so that `https://w3id.org/tregua/ontology#Person` resolves to the section `#Person`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response

from api.deps import SettingsDep
from api.negotiation import accepts_gzip, etag_matches
from api.representation import alternates, choose_representation, link_header
from api.templating import STATIC_DIR, local_href, render
from kg import paths
from kg.canned import CannedQueryError, load_queries
from kg.errors import NotFound
from kg.pages.diagram import model_svg
from kg.pages.examples import load_examples
from kg.pages.ontology_docs import document_stamp, ontology_doc, rdf_document, shapes_doc

router = APIRouter(tags=["pages"])

_STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}
#: The browser bundles `make install` builds from web/ (web/build.mjs), which git does not keep.
DIST_DIR = STATIC_DIR / "dist"


@router.get("/", summary="Home: search, SPARQL query editor, canned queries", response_model=None)
def home(
    request: Request,
    query: Annotated[str | None, Query(description="prefill the editor")] = None,
) -> Response:
    return render(
        request,
        "home.html",
        {"active": "/", "examples": EXAMPLES, "canned": _canned(), "prefill": query or EXAMPLES[0]["query"]},
    )


def _document(
    kind: str, request: Request, format_param: str | None, extension: str | None
) -> Response | None:
    """The RDF document when the client asked for RDF; None when it wants the HTML page."""
    media = choose_representation(request.headers.get("accept"), extension, format_param)
    if media is None:
        return None
    data = rdf_document(kind, media.media_type, document_stamp(kind))
    return Response(
        data,
        media_type=media.content_type,
        headers={"Vary": "Accept", "Link": link_header("/" + kind)},
    )


@router.api_route(
    "/ontology",
    methods=["GET"],
    response_model=None,
    summary="The ontology: HTML documentation or the OWL file by Accept",
)
@router.api_route("/ontology.{ext}", methods=["GET"], response_model=None, include_in_schema=False)
def ontology(
    request: Request,
    settings: SettingsDep,
    ext: str | None = None,
    format: Annotated[str | None, Query(description="ttl, jsonld, nt, rdf or html")] = None,
) -> Response:
    rdf = _document("ontology", request, format, _extension(ext))
    if isinstance(rdf, Response):
        return rdf
    doc = ontology_doc()
    shapes = shapes_doc().iris()
    base = settings.base_iri
    ours = doc.iri + "#"
    shape_anchors = sorted(
        ({"anchor": iri[len(ours) :]} for iri in shapes if iri.startswith(ours)),
        key=lambda a: a["anchor"].lower(),
    )
    context: dict[str, Any] = {
        "active": "/ontology",
        "doc": doc,
        "diagram": _diagram(),
        "shape_anchors": shape_anchors,
        "formats": alternates("/ontology"),
        "term_href": lambda iri: _term_href(iri, base, shapes),
    }
    return render(
        request, "ontology.html", context, headers={"Vary": "Accept", "Link": link_header("/ontology")}
    )


@router.api_route(
    "/shapes",
    methods=["GET"],
    response_model=None,
    summary="The SHACL shapes: HTML documentation or the Turtle by Accept",
)
@router.api_route("/shapes.{ext}", methods=["GET"], response_model=None, include_in_schema=False)
def shapes(
    request: Request,
    settings: SettingsDep,
    ext: str | None = None,
    format: Annotated[str | None, Query(description="ttl, jsonld, nt, rdf or html")] = None,
) -> Response:
    rdf = _document("shapes", request, format, _extension(ext))
    if isinstance(rdf, Response):
        return rdf
    doc = shapes_doc()
    shape_iris = doc.iris()
    base = settings.base_iri
    context: dict[str, Any] = {
        "active": "/shapes",
        "doc": doc,
        "formats": alternates("/shapes"),
        "term_href": lambda iri: _term_href(iri, base, shape_iris),
    }
    return render(request, "shapes.html", context, headers={"Vary": "Accept", "Link": link_header("/shapes")})


@router.get("/static/{name}", include_in_schema=False)
def static(name: str) -> FileResponse:
    """The stylesheet and the editor's script; only files that exist in api/static/, by plain name."""
    path = (STATIC_DIR / name).resolve()
    if path.parent != STATIC_DIR.resolve() or not path.is_file() or path.suffix not in _STATIC_TYPES:
        raise NotFound(f"no static file {name!r}")
    return FileResponse(path, media_type=_STATIC_TYPES[path.suffix], headers={"Cache-Control": "max-age=300"})


@router.get("/static/dist/{name}", include_in_schema=False)
def bundle(name: str, request: Request) -> Response:
    """A page's bundled components (CodeMirror, vis-timeline, Cytoscape, ECharts), served by the
    app so that no page loads anything from a CDN; a checkout that never ran `make install` is
    told how to build them. A browser that accepts gzip gets the copy web/build.mjs compressed
    (a third of the size for the query page), so no request pays for compressing."""
    path = (DIST_DIR / name).resolve()
    if path.parent != DIST_DIR.resolve() or not path.is_file() or path.suffix not in _STATIC_TYPES:
        hint = "" if DIST_DIR.is_dir() else " (the bundles are not built: run `make install`, or `make web`)"
        raise NotFound(f"no bundled file {name!r}{hint}")
    headers = {"Cache-Control": "max-age=300", "Vary": "Accept-Encoding"}
    packed = path.with_name(path.name + ".gz")
    served = packed if accepts_gzip(request.headers.get("accept-encoding")) and packed.is_file() else path
    if served is packed:
        headers["Content-Encoding"] = "gzip"
    # a browser revalidating after max-age gets a 304, not the 2 MB again (a rebuild changes the tag)
    stat = served.stat()
    headers["ETag"] = f'"{stat.st_size:x}-{stat.st_mtime_ns:x}{"-gz" if served is packed else ""}"'
    if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return FileResponse(served, media_type=_STATIC_TYPES[path.suffix], headers=headers)


def _extension(ext: str | None) -> str | None:
    if ext is None:
        return None
    if ext.lower() not in ("ttl", "jsonld", "nt", "rdf", "html"):
        raise NotFound(
            f"no document with the extension .{ext}",
            suggestions=[f".{e}" for e in ("ttl", "jsonld", "nt", "rdf", "html")],
        )
    return ext.lower()


def _term_href(iri: str, base_iri: str, shape_iris: set[str]) -> str:
    """Shapes link to /shapes#X even when they share the ontology's namespace; our terms to /ontology#X."""
    if iri in shape_iris:
        return "/shapes#" + iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return local_href(iri, base_iri)


def _diagram() -> str | None:
    """The SVG of the main classes, drawn by kg.pages.diagram (Graphviz), ready to inline in HTML.

    None when Graphviz is missing: the page then simply has no picture, rather than failing.
    """
    try:
        svg = model_svg()
    except (OSError, RuntimeError):
        return None
    svg = svg[svg.find("<svg") :]  # drop the XML prolog and DOCTYPE, which HTML does not take inline
    # Each class box links to its section: the picture doubles as a map of the page.
    # No aria-label: the link's name is the box's visible text, as WCAG's "label in name" asks.
    return _NODE.sub(lambda m: f'<a href="#{m.group(2)}">{m.group(1)}</a>', svg)


_NODE = re.compile(r'(<g id="node\d+" class="node">\s*<title>([A-Za-z][A-Za-z0-9_]*)</title>.*?</g>)', re.S)


@lru_cache(maxsize=1)
def _canned_cached(stamp: tuple[tuple[str, float], ...]) -> list[dict[str, Any]]:
    return [q.describe() for q in load_queries(paths.QUERIES_DIR)]


def _canned() -> list[dict[str, Any]]:
    """The canned queries' summaries (the same data as GET /queries), or [] if they cannot load."""
    files = sorted(paths.QUERIES_DIR.glob("*.rq"))
    try:
        return _canned_cached(tuple((str(f), f.stat().st_mtime) for f in files))
    except (CannedQueryError, OSError):  # the queries router reports a broken file; the home page stays up
        return []


#: Example queries for the editor (queries/examples/*.rq): each runs on the real graph and shows
#: one kind of question. A broken file stops start-up, as a broken canned query does.
EXAMPLES = load_examples()
