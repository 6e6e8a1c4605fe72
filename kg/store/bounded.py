"""Queries whose work is bounded before they run: the ones the server may answer in its own process.

A query runs in a killable worker process (`kg.store.workers`) because pyoxigraph cannot stop a
running query: only killing the process enforces a timeout. The hop to a worker and back costs two
process wake-ups, which on a busy machine is most of the time of a small lookup. Some queries,
though, cannot run away: a basic graph pattern in which every triple pattern names its subject or
its object does no more work than the number of quads those patterns match, and that number can be
read from the store's indexes before the query runs. Such a query is answered in the server's own
process (`kg.store.local_lane`); every other query still goes to a worker, under its deadline.

`plan(query)` reads the query with a small tokenizer of a deliberately narrow subset of SPARQL:

- `SELECT [DISTINCT|REDUCED] (?vars | *) [WHERE] { BGP } [LIMIT n] [OFFSET n]`, `ASK [WHERE] { BGP }`,
  `CONSTRUCT { template } WHERE { BGP } [LIMIT n]`, `CONSTRUCT WHERE { BGP }`, and `DESCRIBE <iri>…`;
- `PREFIX` declarations, comments, IRIs, prefixed names, variables, literals (with a language tag
  or a datatype), numbers, booleans and `a`, with the `;` and `,` abbreviations.

Anything else (FILTER, OPTIONAL, UNION, GRAPH, property paths, blank nodes, subqueries, BASE,
SERVICE, aggregates, ORDER BY, relative IRIs, a pattern with neither subject nor object given...)
gives None: not provably bounded, so a worker answers. The plan only decides where the query runs;
pyoxigraph still parses and runs the original text.

`within(store, plan, cap)` then counts, per triple pattern, the quads its IRIs match (over every
graph: an upper bound for any dataset the request names; a literal counts as a variable, so that
no question of literal equality can make the count too low), and accepts the plan only when the
product of the counts stays within `cap`: the join can produce no more than that product, whatever
order Oxigraph joins in. `DESCRIBE` also follows blank-node objects (a concise bounded
description), so it is accepted only when the resource's own quads hold no blank node.

    >>> plan("SELECT ?l WHERE { <http://e/x> <http://www.w3.org/2000/01/rdf-schema#label> ?l }").patterns
    ((<NamedNode value=http://e/x>, <NamedNode value=http://www.w3.org/2000/01/rdf-schema#label>, None),)
    >>> plan("SELECT ?s WHERE { ?s ?p ?o }") is None   # nothing given: could be the whole store
    True
    >>> plan("SELECT ?s WHERE { <http://e/x> ?p ?o FILTER(?o > 1) }") is None   # outside the subset
    True
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from itertools import islice

import pyoxigraph as ox

#: The product of per-pattern quad counts under which a query runs in the server's process.
#: A single entity's description is tens of quads; a product of 2,000 is well under a millisecond.
DEFAULT_CAP = 2_000

Constant = ox.NamedNode | ox.Literal
#: A triple pattern: the constants it gives, None for a variable.
Pattern = tuple[Constant | None, Constant | None, Constant | None]

_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_XSD = "http://www.w3.org/2001/XMLSchema#"

_TOKEN = re.compile(r"""
    (?P<ws>\s+|\#[^\n]*)
  | (?P<iri><[^<>"{}|^`\\\s]*>)
  | (?P<var>[?$][A-Za-z_][A-Za-z0-9_]*)
  | (?P<string>"(?:[^"\\\n\r]|\\["\\nrtbf'])*"|'(?:[^'\\\n\r]|\\["\\nrtbf'])*')
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<dt>\^\^)
  | (?P<number>[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)
  | (?P<pname>(?:[A-Za-z][A-Za-z0-9_.-]*)?:(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?)?)
  | (?P<word>[A-Za-z]+)
  | (?P<punct>[{}.;,*])
""", re.VERBOSE)

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


@dataclass(frozen=True)
class Plan:
    """What a bounded query reads: its triple patterns, or the resources a DESCRIBE names."""

    patterns: tuple[Pattern, ...] = ()
    described: tuple[ox.NamedNode, ...] = ()


class _Refused(Exception):
    """The query is outside the subset: a worker answers it."""


class _Reader:
    def __init__(self, query: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(query):
            m = _TOKEN.match(query, pos)
            if m is None:
                raise _Refused
            pos = m.end()
            if m.lastgroup != "ws":
                self.tokens.append((str(m.lastgroup), m.group()))
        self.i = 0
        self.prefixes: dict[str, str] = {}

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token[0] == "end":
            raise _Refused
        self.i += 1
        return token

    def word(self, *words: str) -> str | None:
        """The next token if it is one of `words` (keywords, any case), consumed; else None."""
        kind, text = self.peek()
        if kind == "word" and text.upper() in words:
            self.i += 1
            return text.upper()
        return None

    def punct(self, char: str) -> bool:
        if self.peek() == ("punct", char):
            self.i += 1
            return True
        return False

    def expect(self, char: str) -> None:
        if not self.punct(char):
            raise _Refused

    def iri(self, kind: str, text: str) -> ox.NamedNode:
        if kind == "iri":
            value = text[1:-1]
        elif kind == "pname":
            prefix, _, local = text.partition(":")
            if prefix not in self.prefixes:
                raise _Refused
            value = self.prefixes[prefix] + local
        else:
            raise _Refused
        try:
            node = ox.NamedNode(value)
        except ValueError:  # relative (no BASE here) or invalid: left to the worker's parser
            raise _Refused from None
        return node

    def term(self) -> Constant | None:
        """A subject, predicate or object: a constant, or None for a variable."""
        kind, text = self.take()
        if kind == "var":
            return None
        if kind in ("iri", "pname"):
            return self.iri(kind, text)
        if kind == "word" and text == "a":
            return _RDF_TYPE
        if kind == "word" and text.lower() in ("true", "false"):
            return ox.Literal(text.lower(), datatype=ox.NamedNode(_XSD + "boolean"))
        if kind == "number":
            dt = "double" if "e" in text.lower() else "decimal" if "." in text else "integer"
            return ox.Literal(text, datatype=ox.NamedNode(_XSD + dt))
        if kind == "string":
            value = re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], text[1:-1])
            tag_kind, tag = self.peek()
            if tag_kind == "lang":
                self.i += 1
                try:
                    return ox.Literal(value, language=tag[1:])
                except ValueError:
                    raise _Refused from None
            if tag_kind == "dt":
                self.i += 1
                return ox.Literal(value, datatype=self.iri(*self.take()))
            return ox.Literal(value)
        raise _Refused

    def triples(self, *, template: bool = False) -> list[Pattern]:
        """`{ s p o ; p o , o . … }` up to and including its closing brace."""
        self.expect("{")
        out: list[Pattern] = []
        while not self.punct("}"):
            subject = self.term()
            if isinstance(subject, ox.Literal):
                raise _Refused
            while True:
                predicate = self.term()
                if isinstance(predicate, ox.Literal):
                    raise _Refused
                while True:
                    out.append((subject, predicate, self.term()))
                    if not self.punct(","):
                        break
                if not self.punct(";"):
                    break
                if self.peek() in (("punct", "."), ("punct", "}")):
                    break  # a trailing `;` is allowed
            if not self.punct("."):
                self.expect("}")
                break
        if not out and not template:
            raise _Refused
        return out

    def modifiers(self) -> None:
        """Trailing `LIMIT n` / `OFFSET n`, in either order, then the end of the text."""
        while self.word("LIMIT", "OFFSET"):
            if self.take()[0] != "number" or not self.tokens[self.i - 1][1].isdigit():
                raise _Refused
        if self.peek()[0] != "end":
            raise _Refused


@functools.lru_cache(maxsize=1024)
def plan(query: str) -> Plan | None:
    """The patterns of a query in the bounded subset (see the module), or None."""
    try:
        return _plan(query)
    except (_Refused, KeyError, ValueError):
        return None


def _plan(query: str) -> Plan:
    r = _Reader(query)
    while r.word("PREFIX"):
        kind, name = r.take()
        if kind != "pname" or not name.endswith(":"):
            raise _Refused
        r.prefixes[name[:-1]] = r.iri(*r.take()).value
    form = r.word("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
    if form == "DESCRIBE":
        described = []
        while r.peek()[0] in ("iri", "pname"):
            described.append(r.iri(*r.take()))
        if not described or r.peek()[0] != "end":
            raise _Refused
        return Plan(described=tuple(described))
    if form == "SELECT":
        r.word("DISTINCT", "REDUCED")
        if not r.punct("*"):
            if r.peek()[0] != "var":
                raise _Refused
            while r.peek()[0] == "var":
                r.take()
        r.word("WHERE")
    elif form == "ASK":
        r.word("WHERE")
    elif form == "CONSTRUCT":
        if not r.word("WHERE"):
            r.triples(template=True)
            if not r.word("WHERE"):
                raise _Refused
    else:
        raise _Refused
    patterns = r.triples()
    r.modifiers()
    for subject, _, obj in patterns:
        if subject is None and not isinstance(obj, ox.NamedNode):
            raise _Refused  # counted with its literal as a variable, it gives neither end
    return Plan(patterns=tuple(patterns))


def _count(store: ox.Store, pattern: Pattern, limit: int) -> int:
    """Quads matching the pattern's IRIs, up to `limit` + 1: never fewer than the pattern matches."""
    s, p, o = pattern
    if isinstance(s, ox.Literal) or isinstance(p, ox.Literal):
        raise ValueError("a literal subject or predicate is refused by plan()")
    if isinstance(o, ox.Literal):
        o = None
    return sum(1 for _ in islice(store.quads_for_pattern(s, p, o, None), limit + 1))


def within(store: ox.Store, bounded: Plan, cap: int = DEFAULT_CAP) -> bool:
    """Whether the query's work, counted from the store's indexes now, stays within `cap` quads."""
    if bounded.described:
        total = 0
        for node in bounded.described:
            for quad in islice(store.quads_for_pattern(node, None, None, None), cap + 1):
                total += 1
                if total > cap or isinstance(quad.object, ox.BlankNode):
                    return False
        return True
    product = 1
    for pattern in bounded.patterns:
        n = _count(store, pattern, cap)
        if n == 0:
            return True  # no quad has these IRIs there: the join is empty
        product *= n
        if product > cap:
            return False
    return True
