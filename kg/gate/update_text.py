"""The update's text: cut into operations (`split_update`), their quad blocks parsed (`parse_quads`).

pyoxigraph checks the whole update's syntax first; this only finds each operation's parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

import pyoxigraph as ox

from kg.errors import QuerySyntaxError
from kg.sparql_lexer import TOKEN_RE, Token, tokenize

Graph = ox.NamedNode | ox.BlankNode | ox.DefaultGraph
VAR_IRI = "urn:x-tregua-var:"


@dataclass
class Operation:
    """One operation of an update, located in the update's text."""

    kind: str
    prologue: str = ""
    silent: bool = False
    target: Graph | str | None = None  # a graph, or "DEFAULT" / "NAMED" / "ALL"
    source: Graph | None = None
    with_graph: ox.NamedNode | None = None
    using: list[ox.NamedNode] = field(default_factory=list)
    using_named: list[ox.NamedNode] = field(default_factory=list)
    delete_template: str | None = None
    insert_template: str | None = None
    where: str | None = None
    data: str | None = None


class _Reader:
    """Walks one operation's tokens; resolves IRIs with the prologue seen so far."""

    def __init__(self, text: str, tokens: list[Token], prefixes: dict[str, str], base: str | None) -> None:
        self.text = text
        self.tokens = tokens
        self.i = 0
        self.prefixes = prefixes
        self.base = base

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise QuerySyntaxError("the update ends too early")
        self.i += 1
        return token

    def keyword(self, *words: str) -> str | None:
        token = self.peek()
        if token is not None and token.upper in words:
            self.i += 1
            return token.upper
        return None

    def iri(self) -> ox.NamedNode:
        token = self.take()
        if token.kind == "iri":
            value = token.text[1:-1]
            return ox.NamedNode(urljoin(self.base, value) if self.base else value)
        if token.kind == "word" and ":" in token.text:
            prefix, _, local = token.text.partition(":")
            if prefix in self.prefixes:
                return ox.NamedNode(self.prefixes[prefix] + re.sub(r"\\(.)", r"\1", local))
        raise QuerySyntaxError(f"expected an IRI, found {token.text!r}")

    def group(self) -> str:
        """The text of the `{ ... }` group that starts here, braces included."""
        open_token = self.take()
        if open_token.kind != "lbrace":
            raise QuerySyntaxError(f"expected '{{', found {open_token.text!r}")
        depth = 1
        while depth:
            token = self.take()
            depth += {"lbrace": 1, "rbrace": -1}.get(token.kind, 0)
        return self.text[open_token.start:self.tokens[self.i - 1].end]

    def graph_ref(self) -> Graph:
        """`DEFAULT` or `GRAPH? iri` (ADD/MOVE/COPY)."""
        if self.keyword("DEFAULT"):
            return ox.DefaultGraph()
        self.keyword("GRAPH")
        return self.iri()


def split_update(text: str) -> list[Operation]:
    """The operations of an update, each with the prologue in force where it stands."""
    tokens = tokenize(text)
    prefixes: dict[str, str] = {}
    base: str | None = None
    prologue: list[str] = []
    ops: list[Operation] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.upper == "PREFIX" and i + 2 < len(tokens):
            name, iri = tokens[i + 1].text, tokens[i + 2].text[1:-1]
            prefixes[name.rstrip(":")] = urljoin(base, iri) if base else iri
            prologue.append(text[token.start:tokens[i + 2].end])
            i += 3
            continue
        if token.upper == "BASE" and i + 1 < len(tokens):
            iri = tokens[i + 1].text[1:-1]
            base = urljoin(base, iri) if base else iri
            prologue.append(text[token.start:tokens[i + 1].end])
            i += 2
            continue
        if token.kind == "semi":
            i += 1
            continue
        depth, j = 0, i
        while j < len(tokens) and not (depth == 0 and tokens[j].kind == "semi"):
            depth += {"lbrace": 1, "rbrace": -1}.get(tokens[j].kind, 0)
            j += 1
        ops.append(_operation(text, tokens[i:j], dict(prefixes), base, "\n".join(prologue)))
        i = j
    return ops


def _operation(text: str, tokens: list[Token], prefixes: dict[str, str], base: str | None,
               prologue: str) -> Operation:
    r = _Reader(text, tokens, prefixes, base)
    word = r.take().upper
    op = Operation(word.lower(), prologue=prologue)
    if word == "LOAD":  # refused in update_delta, after the policy has looked at its target
        op.silent = bool(r.keyword("SILENT"))
        op.source = r.iri()
        if r.keyword("INTO"):
            r.keyword("GRAPH")
            op.target = r.iri()
        return op
    if word in ("CLEAR", "DROP", "CREATE"):
        op.silent = bool(r.keyword("SILENT"))
        which = r.keyword("GRAPH", "DEFAULT", "NAMED", "ALL")
        op.target = r.iri() if which == "GRAPH" else which
        if word == "CREATE" and which != "GRAPH":
            raise QuerySyntaxError("CREATE needs GRAPH <iri>")
        return op
    if word in ("ADD", "MOVE", "COPY"):
        op.silent = bool(r.keyword("SILENT"))
        op.source = r.graph_ref()
        if not r.keyword("TO"):
            raise QuerySyntaxError(f"{word} needs TO")
        op.target = r.graph_ref()
        return op
    if word == "WITH":
        op.with_graph = r.iri()
        word = r.take().upper
    if word in ("INSERT", "DELETE") and r.keyword("DATA"):
        op.kind = f"{word.lower()}_data"
        op.data = r.group()
        return op
    if word == "DELETE" and r.keyword("WHERE"):
        op.kind = "delete_where"
        op.delete_template = op.where = r.group()
        return op
    op.kind = "modify"
    if word == "DELETE":
        op.delete_template = r.group()
        if r.keyword("INSERT"):
            op.insert_template = r.group()
    elif word == "INSERT":
        op.insert_template = r.group()
    else:
        raise QuerySyntaxError(f"unexpected {word!r} at the start of an update operation")
    while r.keyword("USING"):
        (op.using_named if r.keyword("NAMED") else op.using).append(r.iri())
    if not r.keyword("WHERE"):
        raise QuerySyntaxError("expected WHERE")
    op.where = r.group()
    return op


DEFAULT_PLACEHOLDER = "urn:x-tregua-default-graph"


def _to_trig(body: str) -> str:
    """A SPARQL quad block as TriG: bare triples go into a placeholder graph block, because TriG
    needs a final '.' after top-level triples where SPARQL does not."""
    tokens = _spaced(body)
    out: list[str] = []
    segment: list[str] = []

    def flush() -> None:
        text = "".join(segment).strip().strip(".").strip()
        if text:
            out.append(f"GRAPH <{DEFAULT_PLACEHOLDER}> {{ {text} }}")
        segment.clear()

    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.kind == "word" and token.text.upper() == "GRAPH":
            flush()
            depth, j = 0, i
            while j < len(tokens):
                depth += {"lbrace": 1, "rbrace": -1}.get(tokens[j].kind, 0)
                j += 1
                if depth == 0 and tokens[j - 1].kind == "rbrace":
                    break
            out.append("".join(t.text for t in tokens[i:j]))
            i = j
            continue
        segment.append(token.text)
        i += 1
    flush()
    return "\n".join(out)


def parse_quads(prologue: str, group: str, base_iri: str | None, *, variables: bool) -> list[ox.Quad]:
    """A `{ ... }` block of quads via pyoxigraph's TriG parser; variables become placeholder IRIs."""
    body = group[1:-1]
    if variables:
        body = "".join(f"<{VAR_IRI}{t.text[1:]}>" if t.kind == "var" else t.text for t in _spaced(body))
    document = f"{prologue}\n{_to_trig(body)}\n".encode()
    try:
        quads = list(ox.parse(document, format=ox.RdfFormat.TRIG, base_iri=base_iri))
    except SyntaxError as exc:
        raise QuerySyntaxError(f"in the data block of the update: {exc}") from exc
    placeholder = ox.NamedNode(DEFAULT_PLACEHOLDER)
    return [ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) if q.graph_name == placeholder else q
            for q in quads]


def _spaced(text: str) -> list[Token]:
    """Tokens with the whitespace between them kept as `ws` tokens (to rebuild the text)."""
    out: list[Token] = []
    for m in TOKEN_RE.finditer(text):
        out.append(Token(m.lastgroup or "other", m.group(), m.start(), m.end()))
    return out
