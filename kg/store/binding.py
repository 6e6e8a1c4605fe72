"""Bound values for a remote store: pyoxigraph's `substitutions`, as a VALUES block.

A remote SPARQL endpoint takes query text, not bound terms. The values are therefore written
into the query's patterns in place of the variable (`inline`) and as a `VALUES` block at the start
of the query's WHERE group (so that a projected variable stays bound), each term written by
pyoxigraph in N-Triples syntax (`str(term)`: IRIs checked, literals escaped), so a value can never
end the block or add a pattern: it is still a term, never query text. The variable names come
from our own code (canned-query parameters, describe), checked against SPARQL's variable syntax.

A sub-select that projects a bound variable (the canned queries' `?lang`, which pyoxigraph
substitutes inside the sub-select too) projects its value instead, `("es" AS ?lang)`, so that the
VALUES block outside joins it: Virtuoso joins a column left unbound with no value at all.
Where it still differs from pyoxigraph's substitution: a variable re-bound by BIND is not
constrained the same way (none of Tregua's own queries do that). Blank nodes cannot be written in VALUES: they
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


def inline(query: str, substitutions: Mapping[str, object], *, keep: frozenset[int] = frozenset()) -> str:
    """Each pattern's use of a bound variable replaced by its term, as pyoxigraph substitutes:
    not in a SELECT's projection, GROUP BY or ORDER BY (the VALUES block of `bind` binds it
    there), nor after AS.

    Virtuoso does not join a VALUES block with a group of UNIONs (it answers for every value),
    so the terms are written into the patterns as well.

    >>> inline("SELECT ?e ?l WHERE { ?e <http://l> ?l FILTER(?e != ?l) }", {"e": ox.NamedNode("http://x")})
    'SELECT ?e ?l WHERE { <http://x> <http://l> ?l FILTER(<http://x> != ?l) }'
    >>> inline('SELECT ?n WHERE { { SELECT ?lang ?n WHERE { ?n <http://l> ?l FILTER(LANG(?l) = ?lang) } } }',
    ...        {"lang": ox.Literal("es")})
    'SELECT ?n WHERE { { SELECT ("es" AS ?lang) ?n WHERE { ?n <http://l> ?l FILTER(LANG(?l) = "es") } } }'
    """
    terms = {f"?{n}": term_text(v) for n, v in substitutions.items()}
    terms.update({f"${n}": t for n, t in list(terms.items()) for n in [n[1:]]})
    out: list[str] = []
    last = 0
    in_projection = False
    sub_select = False  # a projection of a sub-select (a SELECT right after `{`)
    parens = 0
    previous: Token | None = None
    for token in tokenize(query):
        if token.upper in ("SELECT", "GROUP", "ORDER"):
            in_projection = True  # also GROUP BY / ORDER BY: a bare constant is not allowed there
            sub_select = (token.upper == "SELECT" and previous is not None and previous.kind == "lbrace"
                          and token.start not in keep)  # `keep`: the sub-selects the VALUES block enters
            parens = 0
        elif token.kind in ("lbrace", "rbrace") or token.upper in ("WHERE", "FROM", "HAVING", "LIMIT", "OFFSET"):
            in_projection = sub_select = False
        parens += {"(": 1, ")": -1}.get(token.text, 0) if in_projection else 0
        after_as = previous is not None and previous.upper == "AS"
        if token.kind == "var" and token.text in terms and not after_as:
            if not in_projection:
                out += [query[last:token.start], terms[token.text]]
                last = token.end
            elif sub_select and parens == 0:
                # a sub-select passes the value on (pyoxigraph substitutes it there too), so that the
                # VALUES block outside joins it: Virtuoso joins an unbound column with no value at all
                out += [query[last:token.start], f"({terms[token.text]} AS {token.text})"]
                last = token.end
        previous = token
    out.append(query[last:])
    return "".join(out)


def _values_group(tokens: list[Token]) -> tuple[int | None, frozenset[int]]:
    """Where the VALUES block goes: the index of the `{` it follows (None: no WHERE group), and the
    offsets of the sub-selects on the way in (a WHERE group that is a sub-select is entered)."""
    form = next((i for i, t in enumerate(tokens) if t.upper in _FORMS), None)
    if form is None:
        raise QuerySyntaxError("no SELECT, CONSTRUCT, ASK or DESCRIBE in the query")
    i = form + 1
    if tokens[form].upper == "CONSTRUCT" and not (i < len(tokens) and tokens[i].upper == "WHERE"):
        i = _group_end(tokens, i) + 1  # skip the template
    where = next((j for j in range(i, len(tokens)) if tokens[j].kind == "lbrace"), None)
    entered: set[int] = set()
    while where is not None and where + 1 < len(tokens) and tokens[where + 1].upper == "SELECT":
        inner = next((j for j in range(where + 2, len(tokens)) if tokens[j].kind == "lbrace"), None)
        if inner is None:
            break
        entered.add(tokens[where + 1].start)
        where = inner
    return where, frozenset(entered)


def bind(query: str, substitutions: Mapping[str, object] | None) -> str:
    """`query` with `substitutions` written into its patterns (`inline`) and as a VALUES block at
    the start of its WHERE group (so a projected variable is still bound)."""
    if not substitutions:
        return query
    query = inline(query, substitutions, keep=_values_group(tokenize(query))[1])
    tokens = tokenize(query)
    form = next((i for i, t in enumerate(tokens) if t.upper in _FORMS), None)
    if form is None:
        raise QuerySyntaxError("no SELECT, CONSTRUCT, ASK or DESCRIBE in the query")
    block = values_block(substitutions)
    i = form + 1
    if tokens[form].upper == "CONSTRUCT" and i < len(tokens) and tokens[i].upper == "WHERE":
        # the short form: the template is the pattern
        open_ = i + 1
        close = _group_end(tokens, open_)
        pattern = query[tokens[open_].end:tokens[close].start]
        return (query[:tokens[i].start] + "{" + pattern + "} WHERE { " + block + pattern
                + query[tokens[close].start:])
    where = _values_group(tokens)[0]
    if where is None:  # DESCRIBE <iri> with no WHERE
        return query + " WHERE { " + block + "}"
    at = tokens[where].end
    return query[:at] + " " + block + query[at:]
