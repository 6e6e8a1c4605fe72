"""Embeds for newsrooms: the embed URL of a view, its copy-paste snippet, its height, and oEmbed.

Every view of a canned query (table, timeline, network, chart) renders alone at
`/embed/NAME?view=VIEW&PARAMS` (the `/timeline` and `/network` pages are the embeds of
`timeline-items` and `stance-network`). The snippet is an iframe plus a tiny script the app
serves (`/static/dist/embed-resize.js`): the embedded page posts its height with `postMessage`
(`{"tregua-embed": {"height": N}}`) and the script sets it on the iframe that sent it, as other
embed providers do. The iframe's own `height` attribute is the estimate below, so a page that
strips scripts still shows a sensibly sized frame. The oEmbed answer (https://oembed.com, type
`rich`) carries the same snippet.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from kg.pages.views import VIEWS

#: The path of the resizer script the snippet loads from the app.
RESIZER = "/static/dist/embed-resize.js"
#: The pages that are themselves a view of a canned query.
PAGES: Mapping[str, tuple[str, str]] = {"/timeline": ("timeline-items", "timeline"),
                                        "/network": ("stance-network", "network")}
PROVIDER = "Tregua"
_HEIGHTS = {"timeline": 520, "network": 640, "chart": 420}
#: Parameters that belong to the embed page, not to the canned query.
_OWN = ("view", "lang")


@dataclass(frozen=True)
class Embed:
    """One embeddable view: which canned query, which view, with which parameters."""

    name: str
    view: str
    params: tuple[tuple[str, str], ...] = ()
    #: The interface's language when it is not English: the embed speaks the page's language.
    lang: str = ""

    @property
    def path(self) -> str:
        """`/embed/NAME?view=VIEW&...`, the iframe's address on this server.

        >>> Embed("stance-counts", "chart", (("issue", "https://w3id.org/tregua/id/issue/x"),)).path
        '/embed/stance-counts?view=chart&issue=https%3A%2F%2Fw3id.org%2Ftregua%2Fid%2Fissue%2Fx'
        """
        return f"/embed/{self.name}?" + urlencode([("view", self.view), *self.params, *self._lang])

    @property
    def _lang(self) -> tuple[tuple[str, str], ...]:
        return (("lang", self.lang),) if self.lang and self.lang != "en" else ()

    @property
    def data_path(self) -> str:
        """The source data: the canned query's own page, with the same parameters.

        >>> Embed("timeline-items", "timeline").data_path
        '/queries/timeline-items?format=html'
        """
        own = ("actor", "stance", "events") if self.view == "timeline" else ()  # the view's filters
        return f"/queries/{self.name}?" + urlencode([*((k, v) for k, v in self.params if k not in own),
                                                     *self._lang, ("format", "html")])


_INTERNAL = re.compile(r"\s*\((?:feeds /[^)]*|chart-ready|a grlc-style query)\)")


def title(summary: str) -> str:
    """A canned query's summary as a reader sees it: without the notes meant for developers
    (which page it feeds, that it suits a chart), which have no place in a newsroom's frame.

    >>> title("Events and dated statements on one time axis (feeds /timeline)")
    'Events and dated statements on one time axis'
    >>> title("How many actors hold each position on an issue (chart-ready)")
    'How many actors hold each position on an issue'
    >>> title("Positions on an issue (by default, negotiating with the gangs)")
    'Positions on an issue (by default, negotiating with the gangs)'
    """
    return _INTERNAL.sub("", summary).strip()


def height(view: str, rows: int) -> int:
    """A frame height that fits the view: a table grows with its rows (up to a limit, then it
    scrolls), a timeline with its items (they stack, one line each, and the panel shows them all);
    the other pictures have a fixed height. The embed then posts its real height.

    >>> height("table", 4), height("table", 500), height("timeline", 23), height("chart", 30)
    (260, 900, 1028, 420)
    """
    if view == "table":
        return min(900, 140 + 30 * rows)
    if view == "timeline":
        return min(1600, 200 + 36 * rows)
    return _HEIGHTS.get(view, 480)


def snippet(base_url: str, embed: Embed, title: str, frame_height: int) -> str:
    """The HTML a newsroom pastes: the iframe, and the script that keeps its height right.

    >>> frame, script = snippet("http://h", Embed("stance-counts", "chart"), "Positions & counts", 420).splitlines()
    >>> frame.split(" style=")[0]
    '<iframe src="http://h/embed/stance-counts?view=chart" title="Positions &amp; counts" width="100%" height="420"'
    >>> frame.split(" style=")[1]
    '"border:0;max-width:100%" loading="lazy" data-tregua-embed></iframe>'
    >>> script
    '<script async src="http://h/static/dist/embed-resize.js"></script>'
    """
    base = base_url.rstrip("/")
    return (f'<iframe src="{escape(base + embed.path)}" title="{escape(title)}" width="100%" '
            f'height="{frame_height}" style="border:0;max-width:100%" loading="lazy" data-tregua-embed></iframe>\n'
            f'<script async src="{escape(base + RESIZER)}"></script>')


class NotEmbeddable(ValueError):
    """The URL is not one of this server's embeddable views (oEmbed's 404)."""


def parse(url: str, host: str, names: Sequence[str]) -> Embed:
    """The embed a URL shows, for oEmbed: `/embed/NAME?view=...`, a canned query's page
    `/queries/NAME` (its table), `/timeline` or `/network`, on this server (`host`).

    >>> parse("http://h:1/embed/stance-counts?view=chart&lang=es", "h:1", ["stance-counts"])
    Embed(name='stance-counts', view='chart', params=(), lang='es')
    >>> parse("http://h:1/network?issue=i", "h:1", ["stance-network"])
    Embed(name='stance-network', view='network', params=(('issue', 'i'),), lang='')
    >>> parse("http://elsewhere/timeline", "h:1", ["timeline-items"])
    Traceback (most recent call last):
    ...
    kg.pages.embeds.NotEmbeddable: http://elsewhere/timeline is not on this server (h:1)
    >>> parse("http://[::1/embed/x", "h:1", [])
    Traceback (most recent call last):
    ...
    kg.pages.embeds.NotEmbeddable: 'http://[::1/embed/x' is not a URL
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise NotEmbeddable(f"{url!r} is not a URL") from None
    if parts.scheme not in ("http", "https") or parts.netloc != host:
        raise NotEmbeddable(f"{url} is not on this server ({host})")
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    params = tuple((k, v) for k, v in pairs if k not in (*_OWN, "format"))
    view = dict(pairs).get("view", "")
    lang = dict(pairs).get("lang", "")
    if parts.path in PAGES:
        name, view = PAGES[parts.path]
    elif parts.path.startswith("/embed/"):
        name = parts.path.removeprefix("/embed/")
        view = view or "table"
    elif parts.path.startswith("/queries/"):
        name, view = parts.path.removeprefix("/queries/"), "table"
    else:
        raise NotEmbeddable(f"{parts.path} is not an embeddable page (try /embed/NAME, /queries/NAME, "
                            "/timeline or /network)")
    if name not in names:
        raise NotEmbeddable(f"no canned query named {name!r}")
    if view not in VIEWS:
        raise NotEmbeddable(f"no view {view!r} (views: {', '.join(VIEWS)})")
    return Embed(name, view, params, lang if lang in ("en", "es") and lang != "en" else "")


def oembed(base_url: str, embed: Embed, title: str, frame_height: int,
           maxwidth: int | None = None, maxheight: int | None = None) -> dict[str, Any]:
    """The oEmbed 1.0 answer (type `rich`) for one embed, within the consumer's max sizes.

    >>> answer = oembed("http://h", Embed("stance-counts", "chart"), "Counts", 420, maxwidth=300, maxheight=200)
    >>> answer["type"], answer["version"], answer["width"], answer["height"], answer["provider_name"]
    ('rich', '1.0', 300, 200, 'Tregua')
    """
    width = min(maxwidth, 800) if maxwidth else 800
    frame_height = min(frame_height, maxheight) if maxheight else frame_height
    html = snippet(base_url, embed, title, frame_height).replace('width="100%"', f'width="{width}"', 1)
    return {"version": "1.0", "type": "rich", "title": title, "provider_name": PROVIDER,
            "provider_url": base_url.rstrip("/") + "/", "html": html, "width": width, "height": frame_height,
            "cache_age": 3600}
