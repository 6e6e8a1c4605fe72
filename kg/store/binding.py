"""Bound values for a remote store: pyoxigraph's `substitutions`, as a VALUES block.

A remote SPARQL endpoint takes query text, not bound terms. The values are therefore written
into the query's patterns in place of the variable (`inline`) and as a `VALUES` block at the start
of the query's WHERE group (so that a projected variable stays bound), each term written by
pyoxigraph in N-Triples syntax (`str(term)`: IRIs checked, literals escaped), so a value can never
end the block or add a pattern: it is still a term, never query text. The variable names come
from our own code (canned-query parameters, describe), checked against SPARQL's variable syntax.

Where it differs from pyoxigraph's substitution: the VALUES block is joined with the WHERE group,
so a variable that is only bound inside a sub-select or re-bound by BIND is not constrained the
same way (none of Tregua's own queries do that). Blank nodes cannot be written in VALUES: they
are refused (a remote store's blank-node labels are not addressable anyway).

>>> bind("SELECT ?l WHERE { ?e <http://l> ?l }", {"e": ox.NamedNode("http://x/a")})
'SELECT ?l WHERE { VALUES (?e) { (<http://x/a>) }  <http://x/a> <http://l> ?l }'
>>> bind("CONSTRUCT WHERE { ?e ?p ?o }", {"e": ox.NamedNode("http://x/a")})
'CONSTRUCT { <http://x/a> ?p ?o } WHERE { VALUES (?e) { (<http://x/a>) }  <http://x/a> ?p ?o }'
>>> bind("CONSTRUCT { ?s ?p ?o } WHERE { SELECT ?s ?p ?o WHERE { ?s ?p ?o } }", {"s": ox.NamedNode("http://a")})
'CONSTRUCT { <http://a> ?p ?o } WHERE { SELECT ?s ?p ?o WHERE { VALUES (?s) { (<http://a>) }  <http://a> ?p ?o } }'
>>> bind('ASK { ?s ?p ?o }', {"o": ox.Literal('x" } ; DROP ALL #')})
'ASK { VALUES (?o) { ("x\\\\" } ; DROP ALL #") }  ?s ?p "x\\\\" } ; DROP ALL #" }'
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pyoxigraph as ox

from kg.errors import BadRequest, QuerySyntaxError
from kg.sparql_lexer import Token, tokenize

_VAR_RE = re.compile(r"^[A-Za-z0-9_]+$")
_FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")


def term_text(term: object) -> str:
    """A term in N-Triples syntax, written by pyoxigraph; blank nodes refused."""
    if isinstance(term, ox.BlankNode):
        raise BadRequest("a blank node cannot be sent to a remote store as a value",
                         hint="name the node with an IRI")
    if not isinstance(term, ox.NamedNode | ox.Literal):
        raise BadRequest(f"cannot send {type(term).__name__} values to a remote store")
    return str(term)


def values_block(substitutions: Mapping[str, object]) -> str:
    names = list(substitutions)
    for name in names:
        if not _VAR_RE.match(name):
            raise BadRequest(f"{name!r} is not a variable name")
    head = " ".join(f"?{n}" for n in names)
    row = " ".join(term_text(substitutions[n]) for n in names)
    return f"VALUES ({head}) {{ ({row}) }} "


def _group_end(tokens: list[Token], start: int) -> int:
    """Index of the `}` closing the `{` at `start`."""
    depth = 0
    for i in range(start, len(tokens)):
        if tokens[i].kind == "lbrace":
            depth += 1
        elif tokens[i].kind == "rbrace":
            depth -= 1
            if depth == 0:
                return i
    raise QuerySyntaxError("unbalanced braces in the query")


def inline(query: str, substitutions: Mapping[str, object]) -> str:
    """Each pattern's use of a bound variable replaced by its term, as pyoxigraph substitutes:
    not in a SELECT's projection, GROUP BY or ORDER BY (the VALUES block of `bind` binds it
    there), nor after AS.

    Virtuoso does not join a VALUES block with a group of UNIONs (it answers for every value),
    so the terms are written into the patterns as well.

    >>> inline("SELECT ?e ?l WHERE { ?e <http://l> ?l FILTER(?e != ?l) }", {"e": ox.NamedNode("http://x")})
    'SELECT ?e ?l WHERE { <http://x> <http://l> ?l FILTER(<http://x> != ?l) }'
    """
    terms = {f"?{n}": term_text(v) for n, v in substitutions.items()}
    terms.update({f"${n}": t for n, t in list(terms.items()) for n in [n[1:]]})
    out: list[str] = []
    last = 0
    in_projection = False
    previous: Token | None = None
    for token in tokenize(query):
        if token.upper in ("SELECT", "GROUP", "ORDER"):
            in_projection = True  # also GROUP BY / ORDER BY: a bare constant is not allowed there
        elif token.kind in ("lbrace", "rbrace") or token.upper in ("WHERE", "FROM", "HAVING", "LIMIT", "OFFSET"):
            in_projection = False
        if (token.kind == "var" and token.text in terms and not in_projection
                and not (previous is not None and previous.upper == "AS")):
            out.append(query[last:token.start])
            out.append(terms[token.text])
            last = token.end
        previous = token
    out.append(query[last:])
    return "".join(out)


def bind(query: str, substitutions: Mapping[str, object] | None) -> str:
    """`query` with `substitutions` written into its patterns (`inline`) and as a VALUES block at
    the start of its WHERE group (so a projected variable is still bound)."""
    if not substitutions:
        return query
    query = inline(query, substitutions)
    tokens = tokenize(query)
    form = next((i for i, t in enumerate(tokens) if t.upper in _FORMS), None)
    if form is None:
        raise QuerySyntaxError("no SELECT, CONSTRUCT, ASK or DESCRIBE in the query")
    block = values_block(substitutions)
    i = form + 1
    if tokens[form].upper == "CONSTRUCT":
        if i < len(tokens) and tokens[i].upper == "WHERE":  # the short form: the template is the pattern
            open_ = i + 1
            close = _group_end(tokens, open_)
            pattern = query[tokens[open_].end:tokens[close].start]
            return (query[:tokens[i].start] + "{" + pattern + "} WHERE { " + block + pattern
                    + query[tokens[close].start:])
        i = _group_end(tokens, i) + 1  # skip the template
    where = next((j for j in range(i, len(tokens)) if tokens[j].kind == "lbrace"), None)
    if where is None:  # DESCRIBE <iri> with no WHERE
        return query + " WHERE { " + block + "}"
    while where + 1 < len(tokens) and tokens[where + 1].upper == "SELECT":
        # a group that is a sub-select: the block goes into the sub-select's own WHERE group
        inner = next((j for j in range(where + 2, len(tokens)) if tokens[j].kind == "lbrace"), None)
        if inner is None:
            break
        where = inner
    at = tokens[where].end
    return query[:at] + " " + block + query[at:]
