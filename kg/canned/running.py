"""Running a canned query: pages cut from the answer, the answer cache keyed by store version."""

from __future__ import annotations

import difflib
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from kg import iris
from kg.canned.formats import SERIALIZERS
from kg.canned.params import INTEGER_RE, ParamType
from kg.canned.query import BoundQuery, CannedQuery
from kg.errors import NotFound, ParameterError
from kg.store.engine import Engine, QueryRequest, Rows, Term, lexical


@dataclass(frozen=True)
class Page:
    """Which rows to return: `limit`/`offset`, or grlc's `page`/`per_page` (pages start at 1)."""

    offset: int = 0
    limit: int | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, str], *, default_size: int | None, max_size: int) -> Page:
        def integer(name: str, low: int) -> int | None:
            raw = params.get(name)
            if raw is None or raw == "":
                return None
            if not INTEGER_RE.match(raw.strip()) or int(raw) < low or int(raw) > 10**9:
                raise ParameterError(name, f"{name} must be an integer of at least {low}",
                                     expected=f"an integer >= {low}", example=f"{name}={max(low, 10)}")
            return int(raw)

        limit, offset = integer("limit", 1), integer("offset", 0)
        page, per_page = integer("page", 1), integer("per_page", 1)
        if (page is not None or per_page is not None) and (limit is not None or offset is not None):
            raise ParameterError("page", "use either limit/offset or page/per_page, not both",
                                 expected="one way of paging", example="page=2&per_page=10")
        if page is not None or per_page is not None:
            size = per_page or default_size or 100
            limit, offset = size, (page or 1) - 1
            offset *= size
        elif limit is None and default_size is not None:
            limit = default_size
        if limit is not None and limit > max_size:
            raise ParameterError("limit", f"at most {max_size} rows per page",
                                 expected=f"an integer from 1 to {max_size}", example="limit=100")
        return cls(offset or 0, limit)

    def next_offset(self, total: int) -> int | None:
        if self.limit is None or self.offset + self.limit >= total:
            return None
        return self.offset + self.limit

    def prev_offset(self) -> int | None:
        if self.limit is None or self.offset == 0:
            return None
        return max(0, self.offset - self.limit)

    def last_offset(self, total: int) -> int | None:
        if self.limit is None:
            return None
        return max(0, (total - 1) // self.limit * self.limit)

    def cut(self, rows: Rows, hidden: frozenset[str]) -> tuple[list[str], list[dict[str, Term]]]:
        """This page's rows and visible columns (the parameter columns the loader added are hidden)."""
        end = None if self.limit is None else self.offset + self.limit
        visible = [v for v in rows.variables if v not in hidden]
        return visible, [{k: v for k, v in row.items() if k not in hidden} for row in rows.rows[self.offset:end]]


@dataclass
class CannedResult:
    """One page of a canned query's answer, with what is needed for Link headers."""

    query: CannedQuery
    variables: list[str]
    rows: list[dict[str, Term]]
    total: int
    page: Page
    values: dict[str, str]
    shown: dict[str, str] = field(default_factory=dict)

    @property
    def next_offset(self) -> int | None:
        return self.page.next_offset(self.total)

    @property
    def prev_offset(self) -> int | None:
        return self.page.prev_offset()

    @property
    def last_offset(self) -> int | None:
        return self.page.last_offset(self.total)


@dataclass(frozen=True)
class RenderedPage:
    """One page already in its wire format, and the size of the whole answer (for Link headers)."""

    body: bytes
    total: int


class ResultCache:
    """The last answers (whole row sets, or rendered pages), keyed by store version, query text,
    bound values and, for pages, the page and format.

    Newsroom widgets ask the same few URLs over and over; the store's version is in the key, so
    a build or a committed write makes every old entry unreachable (and LRU evicts it).
    """

    def __init__(self, size: int = 256, *, max_rows: int = 10_000, max_bytes: int = 1 << 20) -> None:
        self.size = size
        # bigger answers are not kept: a few of them would fill the memory
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple[Any, ...], entry: Rows | RenderedPage) -> None:
        too_big = (len(entry.rows) > self.max_rows if isinstance(entry, Rows)
                   else len(entry.body) > self.max_bytes)
        if self.size <= 0 or too_big:
            return
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def cache_key(engine: Engine, query: CannedQuery, bound: BoundQuery) -> tuple[Any, ...]:
    """The answer cache's key: store version, query text and bound values."""
    return (engine.version, query.name, query.digest, tuple(sorted(bound.values.items())))


def page_key(engine: Engine, query: CannedQuery, bound: BoundQuery, page: Page, fmt: str) -> tuple[Any, ...]:
    """The answer cache's key for one rendered page."""
    return (*cache_key(engine, query, bound), page.offset, page.limit, fmt)


def execute(engine: Engine, query: CannedQuery, bound: BoundQuery, page: Page, *, max_rows: int = 100_000,
            cache: ResultCache | None = None) -> CannedResult:
    """Run a bound query (or take its rows from `cache`) and cut out the page."""
    key = cache_key(engine, query, bound)
    rows = cache.get(key) if cache is not None else None
    if rows is None:
        rows = engine.select(bound.request, max_rows=max_rows)
        if cache is not None:
            cache.put(key, rows)
    return shape(query, rows, page, bound.values, bound.shown)


def render_rows(rows: Rows, hidden: frozenset[str], page: Page, fmt: str) -> RenderedPage:
    """The page in `fmt`. Runs inside the query worker (`Engine.select_with`), so the rows
    never cross a process boundary."""
    variables, page_rows = page.cut(rows, hidden)
    return RenderedPage(SERIALIZERS[fmt](variables, page_rows), len(rows.rows))


def render(engine: Engine, query: CannedQuery, bound: BoundQuery, page: Page, fmt: str, *,
           max_rows: int = 100_000, cache: ResultCache | None = None) -> RenderedPage:
    """One page in one of `SERIALIZERS`' formats, from `cache` or rendered where the query runs."""
    key = page_key(engine, query, bound, page, fmt)
    rendered: RenderedPage | None = cache.get(key) if cache is not None else None
    if rendered is None:
        rendered = engine.select_with(bound.request, render_rows, query.hidden, page, fmt, max_rows=max_rows)
        if cache is not None:
            cache.put(key, rendered)
    return rendered


def existence_request(query: CannedQuery, bound: BoundQuery) -> QueryRequest | None:
    """One SELECT saying, for every IRI parameter bound, whether the store mentions that IRI at all
    (as subject or object). Asked only when a query found no rows, so that an IRI naming nothing
    gets 404 with the closest names instead of an empty table; None when no IRI was bound.

    The IRIs are bound with substitutions like the query's own parameters, never pasted in.
    """
    terms = bound.request.substitutions or {}
    named = [p for p in query.params if p.type is ParamType.IRI and isinstance(terms.get(p.variable), ox.NamedNode)]
    if not named:
        return None
    projection = " ".join(f"?x{i} ?e{i}" for i in range(len(named)))
    binds = " ".join(f"BIND(EXISTS {{ {{ ?x{i} ?p{i} ?o{i} }} UNION {{ ?s{i} ?q{i} ?x{i} }} }} AS ?e{i})"
                     for i in range(len(named)))
    return QueryRequest(f"SELECT {projection} WHERE {{ {binds} }}",
                        substitutions={f"x{i}": terms[p.variable] for i, p in enumerate(named)},
                        timeout=bound.request.timeout)


def missing_iris(query: CannedQuery, bound: BoundQuery, rows: Rows) -> list[tuple[str, str]]:
    """(parameter, IRI) for each IRI the `existence_request` found nowhere in the store."""
    terms = bound.request.substitutions or {}
    named = [(p.name, node) for p in query.params
             if p.type is ParamType.IRI and isinstance(node := terms.get(p.variable), ox.NamedNode)]
    row = rows.rows[0] if rows.rows else {}
    return [(name, node.value) for i, (name, node) in enumerate(named)
            if getattr(row.get(f"e{i}"), "value", "true") != "true"]


#: IRIs under a prefix, for the closest names (substitution variables must be projected).
_UNDER_PREFIX = ("SELECT DISTINCT ?e ?prefix WHERE { ?e ?p ?o FILTER(isIRI(?e) && STRSTARTS(STR(?e), ?prefix)) } "
                 "LIMIT 20000")


def closest_iris(engine: Engine, iri: str, *, n: int = 5) -> list[str]:
    """The store's IRIs nearest to `iri`, among those that share its path up to the last `/`
    (same kind of entity), or else under the entity base.

    >>> from kg.store.engine import InProcessEngine
    >>> store = ox.Store()
    >>> store.add(ox.Quad(ox.NamedNode(iris.entity_iri("person", "oscar-ortiz")), ox.NamedNode(iris.TG + "x"),
    ...                   ox.Literal("y")))
    >>> closest_iris(InProcessEngine(store), iris.entity_iri("person", "oscar-ortis"))
    ['https://w3id.org/tregua/id/person/oscar-ortiz']
    """
    for prefix in (iri.rsplit("/", 1)[0] + "/", iris.BASE + "id/"):
        rows = engine.select(QueryRequest(_UNDER_PREFIX, substitutions={"prefix": ox.Literal(prefix)}))
        candidates = [lexical(r["e"]) for r in rows.rows if "e" in r]
        if candidates:
            return difflib.get_close_matches(iri, candidates, n=n, cutoff=0.6)
    return []


def unknown_iri_error(engine: Engine, query: CannedQuery, missing: list[tuple[str, str]]) -> NotFound:
    """404 naming the parameter, the IRI and the closest IRIs the store does hold."""
    name, iri = missing[0]
    return NotFound(f"parameter {name!r} of query {query.name!r}: nothing in the store is named <{iri}>",
                    suggestions=closest_iris(engine, iri))


def check_iris(engine: Engine, query: CannedQuery, bound: BoundQuery, total: int) -> None:
    """After a run: when no row came back, raise NotFound if an IRI parameter names nothing."""
    if total:
        return
    request = existence_request(query, bound)
    if request is None:
        return
    missing = missing_iris(query, bound, engine.select(request))
    if missing:
        raise unknown_iri_error(engine, query, missing)


def run(engine: Engine, query: CannedQuery, params: Mapping[str, str] | Iterable[tuple[str, str]], *,
        timeout: float | None = None, max_rows: int = 100_000, cache: ResultCache | None = None,
        ) -> CannedResult:
    """Bind, run and page one canned query.

    Raises `ParameterError` for bad input before anything runs, `NotFound` when no row came back
    because an IRI parameter names nothing in the store; `QueryTimeout` and `ResultTooLarge`
    come from the engine.
    """
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    bound = query.bind(pairs, timeout=timeout)
    page = Page.from_params(dict(pairs), default_size=query.page_size, max_size=max_rows)
    result = execute(engine, query, bound, page, max_rows=max_rows, cache=cache)
    check_iris(engine, query, bound, result.total)
    return result


def shape(query: CannedQuery, rows: Rows, page: Page, values: dict[str, str],
          shown: dict[str, str] | None = None) -> CannedResult:
    visible, sliced = page.cut(rows, query.hidden)
    return CannedResult(query, visible, sliced, len(rows.rows), page, values, shown or {})


def etag(version: str, query: CannedQuery, values: Mapping[str, str], page: Page, fmt: str) -> str:
    """A strong ETag: same store version, query text, bound values, page and format, same bytes."""
    key = json.dumps([version, query.name, query.digest, sorted(values.items()),
                      page.offset, page.limit, fmt])
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def serialize(result: CannedResult, fmt: str) -> bytes:
    """The page in one of `SERIALIZERS`' formats (HTML is the API's template, not the core's)."""
    return SERIALIZERS[fmt](result.variables, result.rows)
