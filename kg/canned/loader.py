"""Reading ``.rq`` files into canned queries, checked once at start-up.

The header (grlc's ``#+ `` YAML decorators plus our typed ``params``) and the query text (parsed
by Oxigraph) are checked, and each parameter is bound once, so that a broken file stops start-up
with its file and line named rather than failing a request later.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
import yaml

from kg import iris, service
from kg.canned.params import (
    GRLC_XSD,
    PARAM_NAME_RE,
    RESERVED,
    TYPE_OF_XSD,
    CannedQueryError,
    Parameter,
    ParamType,
    with_labels,
)
from kg.canned.query import CannedQuery
from kg.errors import NotFound, ParameterError, ServiceRefused, SourceLocation
from kg.vocab import XSD


def mask_sparql(text: str) -> str:
    """The text with comments, strings and IRIs blanked (same length, same lines), so that
    keywords and variables can be found without matching inside them."""
    out = list(text)
    i, n = 0, len(text)

    def blank(a: int, b: int) -> None:
        for k in range(a, min(b, n)):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if c == "#":
            end = text.find("\n", i)
            end = n if end < 0 else end
            blank(i, end)
            i = end
        elif c in "'\"":
            quote = c * 3 if text.startswith(c * 3, i) else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            blank(i, j + len(quote))
            i = j + len(quote)
        elif c == "<":
            m = re.compile(r"<[^<>\"{}|^`\\\s]*>").match(text, i)
            if m:
                blank(i, m.end())
                i = m.end()
            else:
                i += 1
        else:
            i += 1
    return "".join(out)


_VAR_RE = re.compile(r"[?$]([A-Za-z_][A-Za-z0-9_]*)")
_GRLC_VAR_RE = re.compile(r"^(?P<required>_{1,2})(?P<name>[^_]+)(?:_(?P<type>[A-Za-z0-9]+))?"
                          r"(?:_(?P<userdefined>[A-Za-z0-9]+))?$")
_SELECT_RE = re.compile(r"\bSELECT\b(\s+(?:DISTINCT|REDUCED)\b)?", re.IGNORECASE)
_BOUND_RE = re.compile(r"\bBOUND\s*\(\s*[?$]([A-Za-z_][A-Za-z0-9_]*)\s*\)", re.IGNORECASE)


def line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


@dataclass
class Header:
    """The `#+ ` lines: the YAML they hold and, for error messages, the file line of each."""

    data: dict[str, Any]
    lines: list[int]

    def line(self, key: str | None = None) -> int | None:
        """The file line where `key` is declared (or the header's first line)."""
        if not self.lines:
            return None
        return self.lines[self._index.get(key, 0)] if key else self.lines[0]

    _index: dict[str, int] = field(default_factory=dict)


def read_header(text: str, file: str) -> Header:
    """Parse the `#+ ` decorator lines as YAML, as grlc does; raise naming the file and line."""
    file_lines: list[int] = []
    yaml_lines: list[str] = []
    for number, text_line in enumerate(text.splitlines(), start=1):
        if text_line.startswith("#+"):
            file_lines.append(number)
            yaml_lines.append(text_line[3:] if text_line.startswith("#+ ") else text_line[2:])
    if not yaml_lines:
        return Header({}, [])
    try:
        data = yaml.safe_load("\n".join(yaml_lines))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line: int = file_lines[min(mark.line, len(file_lines) - 1)] if mark is not None else file_lines[0]
        problem = getattr(exc, "problem", None) or str(exc)
        raise CannedQueryError(f"the #+ header is not valid YAML: {problem}",
                               where=SourceLocation(file, line),
                               hint="each header line starts with '#+ ' and the lines together form YAML, "
                                    "e.g. '#+ summary: Quotes by speaker'") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise CannedQueryError("the #+ header must be a YAML mapping of decorators",
                               where=SourceLocation(file, file_lines[0]), hint="e.g. '#+ summary: ...'")
    index: dict[str, int] = {}
    for i, yaml_line in enumerate(yaml_lines):
        m = re.match(r"^([A-Za-z_]+)\s*:", yaml_line)
        if m and m.group(1) not in index:
            index[m.group(1)] = i
    return Header(data, file_lines, index)


_KNOWN_KEYS = {"summary", "description", "tags", "method", "pagination", "enumerate", "defaults",
               "endpoint", "endpoint_in_url", "params", "example"}
_PARAM_KEYS = {"name", "type", "required", "default", "example", "description", "values", "iri_base",
               "lang", "variable", "min", "max"}


class _Loader:
    """Turns one file into a `CannedQuery`, or a `CannedQueryError` at the right line."""

    _probe = ox.Store()

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = str(path)
        self.text = path.read_text(encoding="utf-8")
        self.masked = mask_sparql(self.text)
        self.header = read_header(self.text, self.file)

    def fail(self, message: str, *, key: str | None = None, line: int | None = None,
             hint: str | None = None) -> CannedQueryError:
        return CannedQueryError(message, where=SourceLocation(self.file, line or self.header.line(key)),
                                hint=hint)

    def load(self) -> CannedQuery:
        name = self.path.stem
        if not iris.SLUG_RE.match(name):
            raise self.fail(f"file name {name!r} is not a lower-case slug", line=1,
                            hint="name it like quotes-by-speaker.rq")
        data = self.header.data
        unknown = sorted(set(data) - _KNOWN_KEYS)
        if unknown:
            raise self.fail(f"unknown decorator {unknown[0]!r}", key=unknown[0],
                            hint="known decorators: " + ", ".join(sorted(_KNOWN_KEYS)))
        summary = data.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            raise self.fail("the header needs '#+ summary: <one line>'", key="summary")
        method = str(data.get("method", "GET")).upper()
        if method != "GET":
            raise self.fail(f"method {method} is not supported; canned queries are read-only GETs",
                            key="method")
        tags = data.get("tags", [])
        if isinstance(tags, str):
            tags = [tags]
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise self.fail("tags must be a list of words", key="tags", hint="#+ tags:\n#+   - quotes")
        page_size = data.get("pagination")
        if page_size is not None and (not isinstance(page_size, int) or page_size < 1):
            raise self.fail("pagination must be a positive integer (rows per page)", key="pagination")
        params = self.declared_params() + self.grlc_params()
        self.apply_grlc_decorators(params)
        params = [with_labels(p) for p in params]
        seen: set[str] = set()
        for p in params:
            if p.name in seen:
                raise self.fail(f"parameter {p.name!r} is declared twice", key="params")
            seen.add(p.name)
            if p.name in RESERVED:
                raise self.fail(f"parameter name {p.name!r} is reserved for the service", key="params",
                                hint="reserved: " + ", ".join(sorted(RESERVED)))
        try:  # before the probe below runs the query: SERVICE would call out at load time
            service.check(self.text, never="canned queries never call other endpoints")
        except ServiceRefused as exc:
            raise self.fail(exc.message, line=exc.line, hint="remove SERVICE from the file") from None
        text = self.project(params)
        variables = self.check_query(text, params)
        hidden = frozenset(p.variable for p in params)
        example = data.get("example") or self.default_example(name, params)
        if not isinstance(example, str):
            raise self.fail("example must be a URL path with its query string", key="example")
        if example.startswith("?"):
            example = f"/queries/{name}{example}"
        query = CannedQuery(
            name=name, path=self.path, text=text, summary=summary.strip(),
            description=str(data.get("description") or "").strip(), tags=tags, params=params,
            example=example, variables=[v for v in variables if v not in hidden], hidden=hidden,
            page_size=page_size)
        try:
            query.bind(query.example_params())
        except ParameterError as exc:
            raise self.fail(f"the example call does not bind: {exc}", key="example") from None
        return query

    # -- parameters --

    def declared_params(self) -> list[Parameter]:
        raw = self.header.data.get("params") or []
        if not isinstance(raw, list):
            raise self.fail("params must be a list of mappings", key="params",
                            hint="#+ params:\n#+   - name: speaker\n#+     type: iri")
        out = []
        for item in raw:
            if not isinstance(item, dict) or "name" not in item:
                raise self.fail("each entry of params needs at least name and type", key="params")
            extra = sorted(set(item) - _PARAM_KEYS)
            if extra:
                raise self.fail(f"parameter {item['name']!r}: unknown key {extra[0]!r}", key="params",
                                hint="keys: " + ", ".join(sorted(_PARAM_KEYS)))
            name = str(item["name"])
            if not PARAM_NAME_RE.match(name):
                raise self.fail(f"parameter name {name!r} must be letters, digits and _", key="params")
            try:
                ptype = ParamType(str(item.get("type", "string")))
            except ValueError:
                raise self.fail(f"parameter {name!r}: unknown type {item.get('type')!r}", key="params",
                                hint="types: " + ", ".join(t.value for t in ParamType)) from None
            values = tuple(str(v) for v in item.get("values") or ())
            if ptype is ParamType.ENUM and not values:
                raise self.fail(f"parameter {name!r}: an enum needs its values", key="params")
            default = item.get("default")
            p = Parameter(
                name=name, variable=str(item.get("variable", name)), type=ptype,
                required=bool(item.get("required", False)),
                default=None if default is None else str(default),
                example=str(item.get("example", default if default is not None else "")),
                description=str(item.get("description", "")).strip(), values=values,
                iri_base=item.get("iri_base"), lang=item.get("lang"),
                minimum=item.get("min"), maximum=item.get("max"))
            if p.required and p.default is not None:
                raise self.fail(f"parameter {name!r} is required and has a default: choose one", key="params")
            if not p.example:
                raise self.fail(f"parameter {name!r} needs an example", key="params")
            try:
                p.parse(p.example)
                if p.default is not None:
                    p.parse(p.default)
            except ParameterError as exc:
                raise self.fail(f"parameter {name!r}: its example or default is invalid: {exc}",
                                key="params") from None
            out.append(p)
        return out

    def grlc_params(self) -> list[Parameter]:
        """Parameters from grlc's variable names: `?_name_type` required, `?__name_type` optional."""
        out: dict[str, Parameter] = {}
        for m in _VAR_RE.finditer(self.masked):
            var = m.group(1)
            g = _GRLC_VAR_RE.match(var)
            if not var.startswith("_") or g is None or var in {p.variable for p in out.values()}:
                continue
            name, mtype, user = g.group("name"), g.group("type"), g.group("userdefined")
            ptype, lang, datatype = ParamType.STRING, None, None
            if mtype in ("iri", "number", "string", "literal"):
                ptype = {"iri": ParamType.IRI, "number": ParamType.NUMBER}.get(mtype, ParamType.STRING)
            elif mtype in GRLC_XSD:
                ptype = TYPE_OF_XSD.get(mtype, ParamType.TYPED)
                datatype = XSD + mtype
            elif mtype and len(mtype) == 2:
                ptype, lang = ParamType.LANGSTRING, mtype
            elif mtype and user:
                raise self.fail(f"variable ?{var}: datatype {mtype}:{user} is not supported",
                                line=line_of(self.text, m.start()), hint="use an XSD type, e.g. ?_when_date")
            example = {ParamType.IRI: iris.entity_iri("person", "oscar-ortiz"), ParamType.NUMBER: "1",
                       ParamType.INTEGER: "1", ParamType.DECIMAL: "1.0", ParamType.DATE: "2017-01-09",
                       ParamType.LANGSTRING: "text"}.get(ptype, "text")
            out[name] = Parameter(name=name, variable=var, type=ptype, required=g.group("required") == "_",
                                  lang=lang, datatype=datatype, example=example,
                                  description=f"grlc parameter ?{var}")
        return list(out.values())

    def apply_grlc_decorators(self, params: list[Parameter]) -> None:
        """grlc's `defaults` and `enumerate` refine the parameters they name."""
        data = self.header.data
        for key in ("defaults", "enumerate"):
            entries = data.get(key) or []
            if not isinstance(entries, list):
                raise self.fail(f"{key} must be a list", key=key)
            for entry in entries:
                if not isinstance(entry, dict):
                    raise self.fail(f"{key}: '{entry}' needs its values here (fetching them from an "
                                    "endpoint at start-up is not supported)", key=key,
                                    hint=f"#+ {key}:\n#+   - name: value")
                for pname, value in entry.items():
                    idx = next((i for i, p in enumerate(params) if p.name == pname), None)
                    if idx is None:
                        raise self.fail(f"{key} names {pname!r}, which is no parameter of this query",
                                        key=key)
                    p = params[idx]
                    if key == "defaults":
                        params[idx] = _replace(p, default=str(value), required=False, example=p.example
                                               if p.example not in ("text", "1") else str(value))
                    else:
                        vals = tuple(str(v) for v in (value or ()))
                        params[idx] = _replace(p, type=ParamType.ENUM, values=vals,
                                               iri_base=None, example=vals[0] if vals else p.example)
                        if p.type is ParamType.IRI:
                            raise self.fail(f"enumerate on IRI parameter {pname!r} is not supported; "
                                            "declare it in params with type enum and iri_base", key=key)

    # -- the query text --

    def project(self, params: Sequence[Parameter]) -> str:
        """Add each parameter variable to the top-level projection (substitution needs it there)."""
        m = _SELECT_RE.search(self.masked)
        if m is None:
            first = self.header.lines[-1] + 1 if self.header.lines else 1
            raise self.fail("only SELECT queries can be canned queries (CSV and tables need rows)",
                            line=first)
        after = self.masked[m.end():].lstrip()
        if after.startswith("*") or not params:
            return self.text
        added = "".join(f" ?{p.variable}" for p in params)
        return self.text[: m.end()] + added + self.text[m.end():]

    def check_query(self, text: str, params: Sequence[Parameter]) -> list[str]:
        """Parse the query with Oxigraph itself and try binding every parameter; returns its columns."""
        for m in _BOUND_RE.finditer(self.masked):
            if m.group(1) in {p.variable for p in params}:
                raise self.fail(f"BOUND(?{m.group(1)}) is always false once ?{m.group(1)} is bound "
                                "by substitution (Oxigraph)", line=line_of(self.text, m.start()),
                                hint=f"write FILTER(COALESCE(<test on ?{m.group(1)}>, true)) instead")
        try:
            result = self._probe.query(self.text, use_default_graph_as_union=True)
        except SyntaxError as exc:
            line, col = _position(str(exc))
            where = f"line {line}, column {col}" if col else "the position given"
            raise self.fail(f"the query does not parse: {exc}", line=line,
                            hint=f"fix the SPARQL at {where}; check it at /sparql or with `kg query @FILE`"
                            ) from None
        if text != self.text:
            try:
                self._probe.query(text, use_default_graph_as_union=True)
            except SyntaxError as exc:
                raise self.fail(f"its parameters cannot be bound: {exc}", key="params",
                                hint="Oxigraph binds only projected variables, so the loader adds each "
                                     "parameter to SELECT; with GROUP BY, add the parameter variables to "
                                     "GROUP BY too") from None
        if not isinstance(result, ox.QuerySolutions):
            raise self.fail("only SELECT queries can be canned queries (CSV and tables need rows)", line=1)
        variables = [v.value for v in result.variables]
        if params:
            subs = {ox.Variable(p.variable): p.parse(p.example) for p in params}
            try:
                probe = self._probe.query(text, use_default_graph_as_union=True, substitutions=subs)
                if isinstance(probe, ox.QuerySolutions):  # (it is: a SELECT, checked above)
                    list(probe)  # the rows are computed: a binding that fails, fails here
            except (SyntaxError, RuntimeError, ValueError) as exc:
                raise self.fail(f"its parameters cannot be bound: {exc}", key="params",
                                hint="with SELECT * every parameter variable must occur in the pattern; "
                                     "with GROUP BY, add the parameter variables to GROUP BY") from None
        return variables

    def default_example(self, name: str, params: Sequence[Parameter]) -> str:
        query = urlencode({p.name: p.example for p in params if p.required})
        return f"/queries/{name}" + (f"?{query}" if query else "")


def _replace(p: Parameter, **changes: Any) -> Parameter:
    return replace(p, **changes)


def _position(message: str) -> tuple[int | None, int | None]:
    m = re.search(r"(\d+):(\d+)", message)
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)


class QueryCatalog:
    """Every canned query, by name, loaded once at start-up."""

    def __init__(self, queries: Iterable[CannedQuery]) -> None:
        self.queries: dict[str, CannedQuery] = {q.name: q for q in queries}

    def __iter__(self) -> Any:
        return iter(self.queries.values())

    def __len__(self) -> int:
        return len(self.queries)

    def get(self, name: str) -> CannedQuery:
        """The query of that name; raises `NotFound` with the closest names."""
        try:
            return self.queries[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self.queries), n=3, cutoff=0.5)
            raise NotFound(f"no canned query named {name!r}", suggestions=close) from None


def load_queries(directory: Path) -> QueryCatalog:
    """Load every `*.rq` in `directory`, in name order.

    Raises `CannedQueryError` (file and line) for the first broken file, so that the server
    never starts with a query that would fail its callers.
    """
    return QueryCatalog(_Loader(path).load() for path in sorted(Path(directory).glob("*.rq")))


def load_query(path: Path) -> CannedQuery:
    return _Loader(Path(path)).load()
