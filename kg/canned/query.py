"""A loaded canned query and its binding: parameters parsed into terms, bound with `substitutions`."""

from __future__ import annotations

import difflib
import functools
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from kg.canned.formats import plain_value
from kg.canned.params import PAGE_LANGUAGE, RESERVED, Parameter
from kg.errors import ParameterError
from kg.store.engine import QueryRequest, Term


@dataclass(frozen=True)
class BoundQuery:
    """A query ready to run: the request (values bound as terms) and the canonical values."""

    request: QueryRequest
    values: dict[str, str]

    @property
    def shown(self) -> dict[str, str]:
        """The bound values as people read them (no N-Triples syntax)."""
        return {k: plain_value((self.request.substitutions or {})[self.param_variables[k]])
                for k in self.values}

    param_variables: dict[str, str] = field(default_factory=dict)


@dataclass
class CannedQuery:
    """One published query. Its `name` and `params` are a public contract: never change them."""

    name: str
    path: Path
    text: str  # as run: the file text with parameter variables added to the projection
    summary: str
    description: str
    tags: list[str]
    params: list[Parameter]
    example: str
    variables: list[str]  # the visible result columns, in order
    hidden: frozenset[str]
    page_size: int | None = None

    @functools.cached_property
    def digest(self) -> str:
        """Identifies this exact query text: part of every ETag, so editing a file busts caches."""
        return hashlib.sha256(self.text.encode()).hexdigest()[:16]

    def param(self, name: str) -> Parameter | None:
        return next((p for p in self.params if p.name == name), None)

    def bind(self, raw: Mapping[str, str] | Iterable[tuple[str, str]], *, timeout: float | None = None,
             ) -> BoundQuery:
        """Check every value against its declared type and bind it as an RDF term.

        Raises `ParameterError` for an unknown, repeated, missing or badly typed parameter;
        an empty value counts as left out. Parameters left out (and without default) stay unbound.
        """
        pairs = list(raw.items()) if isinstance(raw, Mapping) else list(raw)
        given: dict[str, str] = {}
        for key, value in pairs:
            p = self.param(key)
            if key in RESERVED or (key == PAGE_LANGUAGE and p is None):
                continue
            if p is None:
                known = ", ".join(x.name for x in self.params) or "none"
                close = difflib.get_close_matches(key, [x.name for x in self.params], n=1)
                raise ParameterError(
                    key, f"query {self.name!r} has no parameter {key!r}"
                         + (f"; did you mean {close[0]!r}?" if close else ""),
                    expected=f"one of its parameters ({known}) or format/limit/offset/page/per_page",
                    example=self.example)
            if key in given:
                raise p.error(f"parameter {key!r} was given more than once; give it once")
            given[key] = value
        substitutions: dict[str, Term] = {}
        values: dict[str, str] = {}
        for p in self.params:
            value = given.get(p.name, "")
            if value == "" and p.default is not None:
                value = p.default
            if value == "":
                if p.required:
                    raise p.error(f"query {self.name!r} needs parameter {p.name!r}")
                continue
            term = p.parse(value)
            substitutions[p.variable] = term
            values[p.name] = str(term)
        return BoundQuery(QueryRequest(self.text, substitutions=substitutions, timeout=timeout), values,
                          {p.name: p.variable for p in self.params})

    def example_params(self) -> dict[str, str]:
        """The parameters of the example call."""
        query = self.example.partition("?")[2]
        return dict(parse_qsl(query, keep_blank_values=True))

    def describe(self, base_url: str = "") -> dict[str, Any]:
        """The JSON description of the query for the list and for tools."""
        return {
            "name": self.name,
            "summary": self.summary,
            "description": self.description,
            "tags": self.tags,
            "url": f"{base_url}/queries/{self.name}",
            "example": f"{base_url}{self.example}",
            "columns": self.variables,
            "pagination": self.page_size,
            "parameters": [param_json(p) for p in self.params],
        }


def param_json(p: Parameter) -> dict[str, Any]:
    out: dict[str, Any] = {"name": p.name, "type": p.type.value, "required": p.required,
                           "description": p.description, "example": p.example, "expected": p.expected}
    if p.default is not None:
        out["default"] = p.default
    if p.values:
        out["values"] = list(p.values)
    if p.lang:
        out["lang"] = p.lang
    return out
