"""The SERVICE guard: no query or update reaches another endpoint unless the operator allowed it.

A SPARQL `SERVICE <iri> { ... }` makes the engine itself open a connection to `<iri>`:
anyone able to send a query could reach internal hosts and hold a worker for as long as the
remote end likes. pyoxigraph 0.5 has no option to turn SERVICE off or to intercept it
(`Store.query` takes no service handler), so the text is checked *before* it runs.

Why a scanner and not a regular expression on the text: "SERVICE" inside a string, a
comment, an IRI, a variable name or the local part of a prefixed name is not the keyword,
and must not be refused. Why not a strict tokenizer: Oxigraph's parser needs no word
boundary before a keyword (`?s ?p true.SERVICE <x> {}`, `1SERVICE<x>{}` and
`SERVICESILENT<x>{}` all call out), so the guard is deliberately wide: once strings, IRIs and
comments are blanked, *every* "service" (any case) is the keyword unless it is provably part of
a variable name (`?service`), the local part of a prefixed name or blank node label (`ex:Service`,
`ex:a.SERVICE`) or a language tag. The price is that a prefix whose *name* contains "service"
(`PREFIX services: <...>`) is refused too; the message says to rename it.

The endpoint of each SERVICE is read after it: an IRI (resolved against the base), a prefixed
name (expanded with the text's own PREFIX declarations), or a variable, which is always refused:
what it will hold cannot be checked before the query runs. An endpoint is allowed only if it is
exactly one of the IRIs the operator listed in `KG_SERVICE_ALLOW` (empty by default).

>>> check("SELECT * { ?s ?p 'SERVICE' } # SERVICE <http://x>")
>>> check("PREFIX ex: <http://e/> SELECT * { ?s ex:SERVICE ?service }")
>>> check("SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
kg.errors.ServiceRefused: SERVICE <http://127.0.0.1:9/sparql> at line 1, column 12 is refused: ...
>>> check("SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", allow=["http://127.0.0.1:9/sparql"])
>>> [c.endpoint for c in service_calls("PREFIX e: <http://h/> ASK { ?s ?p true.SERVICE SILENT e:q {} }")]
['http://h/q']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin

from kg.errors import ServiceRefused
from kg.sparql_lexer import TOKEN_RE

#: The keyword in any ASCII case (Oxigraph matches keywords ASCII-case-insensitively; an
#: IGNORECASE search would also be ~10x slower, and fold non-ASCII letters Oxigraph does not).
_MAYBE = re.compile("[Ss][Ee][Rr][Vv][Ii][Cc][Ee]")
#: Characters of a prefixed name, blank node label or variable name (SPARQL's PN_CHARS, '.', ':',
#: and the `%XX` / `\\x` escapes of local names).
_PN = ("A-Za-z0-9_\\-\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C\u200D"
       "\u203F\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD")
_RUN_CHAR = re.compile(f"[{_PN}.:%\\\\]")
_VARNAME = re.compile("[" + _PN.replace("\\-", "") + "]*")
_LANG = re.compile(r"[A-Za-z]*(?:-[A-Za-z0-9]*)*")
_GAP = r"(?:\s|#[^\r\n]*)*"
_AFTER = re.compile(
    _GAP + r"(?P<silent>SILENT)?" + _GAP
    + f"(?:<(?P<iri>[^<>\"{{}}|^`\\\\\x00-\x20]*)>|[?$](?P<var>[{_PN}]+)"
    + f"|(?P<pname>(?P<prefix>[{_PN}.]*):(?P<local>(?:[{_PN}.:%]|\\\\.)*))?)",
    re.IGNORECASE)
_PREFIX_DECL = re.compile(f"PREFIX{_GAP}(?P<name>[{_PN}.]*):{_GAP}<(?P<iri>[^<>\"{{}}|^`\\\\\x00-\x20]*)>",
                          re.IGNORECASE)
_BASE_DECL = re.compile(f"BASE{_GAP}<(?P<iri>[^<>\"{{}}|^`\\\\\x00-\x20]*)>", re.IGNORECASE)


@dataclass(frozen=True)
class ServiceCall:
    """One SERVICE keyword found in a query: where, and which endpoint it names (None if unknown)."""

    line: int
    column: int
    endpoint: str | None
    variable: str | None = None
    silent: bool = False

    def shown(self) -> str:
        if self.variable is not None:
            return f"SERVICE ?{self.variable}"
        return f"SERVICE <{self.endpoint}>" if self.endpoint is not None else "SERVICE"


def _blanked(text: str) -> str:
    """The text with strings, IRIs and comments replaced by spaces (positions kept)."""
    parts = []
    last = 0
    for m in TOKEN_RE.finditer(text):
        if m.lastgroup in ("string", "iri", "comment"):
            parts.append(text[last:m.start()])
            parts.append(" " * (m.end() - m.start()))
            last = m.end()
    parts.append(text[last:])
    return "".join(parts)


def _is_keyword(blank: str, start: int) -> bool:
    """Whether the "service" at `start` could be the keyword (see the module docstring)."""
    first = start
    while first > 0 and _RUN_CHAR.match(blank, first - 1):
        first -= 1
    run_text = blank[first:start]
    before = blank[start - len(run_text) - 1] if start - len(run_text) > 0 else ""
    if before in "?$" and _VARNAME.fullmatch(run_text):
        return False  # ?service, ?my_service
    if ":" in run_text and not run_text.endswith("."):
        return False  # ex:Service, ex:a-SERVICE, _:service (but ex:a.SERVICE counts: better safe)
    # "x"@service is a language tag
    return not (before == "@" and _LANG.fullmatch(run_text))


def service_calls(text: str, *, base_iri: str | None = None) -> list[ServiceCall]:
    """Every SERVICE keyword in a query or update, with its endpoint where it can be told.

    >>> [c.shown() for c in service_calls('SELECT * { SERVICE ?where { ?s ?p "SERVICE" } }')]
    ['SERVICE ?where']
    """
    if "service" not in text.lower():  # the common case, in about a microsecond
        return []
    blank = _blanked(text)
    prefixes = {m.group("name"): m.group("iri") for m in _PREFIX_DECL.finditer(text) if _is_decl(blank, m.start())}
    base = base_iri
    for m in _BASE_DECL.finditer(text):
        if _is_decl(blank, m.start()):
            base = urljoin(base, m.group("iri")) if base else m.group("iri")
    calls = []
    for m in _MAYBE.finditer(blank):
        if not _is_keyword(blank, m.start()):
            continue
        line = text.count("\n", 0, m.start()) + 1
        column = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
        after = _AFTER.match(text, m.end())
        endpoint = variable = None
        silent = False
        if after is not None:
            silent = bool(after.group("silent"))
            if after.group("iri") is not None:
                iri = after.group("iri")
                endpoint = urljoin(base, iri) if base and not re.match(r"[A-Za-z][\w+.-]*:", iri) else iri
            elif after.group("var") is not None:
                variable = after.group("var")
            elif after.group("pname") is not None and after.group("prefix") in prefixes:
                local = re.sub(r"\\(.)", r"\1", after.group("local"))
                endpoint = prefixes[after.group("prefix")] + local
        calls.append(ServiceCall(line, column, endpoint, variable, silent))
    return calls


def _is_decl(blank: str, start: int) -> bool:
    """A PREFIX/BASE match counts only outside strings, IRIs and comments, at a word start."""
    return blank[start:start + 1] not in ("", " ") and (start == 0 or not re.match(f"[{_PN}:]", blank[start - 1]))


def parse_allow(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """`KG_SERVICE_ALLOW` as a tuple of IRIs: comma- or space-separated, `<>` optional.

    >>> parse_allow("http://a/sparql, <http://b/q>  http://c/")
    ('http://a/sparql', 'http://b/q', 'http://c/')
    """
    if value is None:
        return ()
    items = re.split(r"[\s,]+", value) if isinstance(value, str) else list(value)
    return tuple(i.strip().strip("<>") for i in items if i and i.strip().strip("<>"))


def check(text: str, allow: Iterable[str] = (), *, base_iri: str | None = None, where: str | None = None,
          never: str | None = None) -> None:
    """Raise `ServiceRefused` unless every SERVICE in `text` names an endpoint in `allow`.

    `where` (e.g. a file name) prefixes the position in the message; `never` is the reason
    SERVICE is refused outright in this context (updates, canned queries), whatever `allow` says.
    """
    calls = service_calls(text, base_iri=base_iri)
    if not calls:
        return
    allowed = set(allow)
    for call in calls:
        if never is None and call.endpoint is not None and call.endpoint in allowed:
            continue
        place = f"{where}:{call.line}:{call.column}" if where else f"line {call.line}, column {call.column}"
        if where:
            at = f"{place}: "
            head = f"{at}{call.shown()} is refused"
        else:
            head = f"{call.shown()} at {place} is refused"
        if call.variable is not None:
            reason = "a variable endpoint cannot be checked before the query runs"
            hint = "name the endpoint as an IRI; the operator may allow endpoints with KG_SERVICE_ALLOW"
        elif call.endpoint is None:
            reason = "the word SERVICE is read as the keyword here and its endpoint cannot be told"
            hint = ("if this is a prefix whose name contains 'service', rename the prefix (e.g. svc:); "
                    "the operator may allow endpoints with KG_SERVICE_ALLOW")
        elif allowed:
            reason = "this endpoint is not in the operator's allow-list (KG_SERVICE_ALLOW)"
            hint = "allowed endpoints: " + ", ".join(sorted(allowed))
        else:
            reason = "this server calls no other endpoint unless the operator allows it"
            hint = ("remove SERVICE and run the query where both datasets are; the operator may "
                    "allow endpoints with KG_SERVICE_ALLOW (comma-separated IRIs)")
        if never is not None:
            reason, hint = never, "remove SERVICE; SELECT queries with SERVICE to allowed endpoints go to /sparql"
        raise ServiceRefused(f"{head}: {reason}", hint=hint, line=call.line, column=call.column)


def mentions_service(text: str) -> bool:
    """Whether `text` holds a SERVICE keyword (used to keep remote text out of error messages)."""
    return bool(service_calls(text))
