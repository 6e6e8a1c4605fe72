"""A small SPARQL lexer: the tokens that matter for finding a query's or update's parts.

Strings, IRIs and comments are single tokens, so words inside them are never mistaken for
keywords; whitespace and comments are dropped. Used by the update gate (`kg.gate`) to split an
update into operations and by the SERVICE guard (`kg.service`) to find SERVICE keywords.

>>> [t.text for t in tokenize('SELECT ?s # SERVICE\\n{ ?s <http://x/SERVICE> "SERVICE" }')]
['SELECT', '?s', '{', '?s', '<http://x/SERVICE>', '"SERVICE"', '}']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TOKEN_RE = re.compile(r"""
  (?P<ws>\s+)
| (?P<comment>\#[^\r\n]*)
| (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
| (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
             |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
| (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
| (?P<lbrace>\{) | (?P<rbrace>\}) | (?P<semi>;)
| (?P<word>[A-Za-z_\u00C0-\uFFFF][\w\-.\u00B7-\uFFFF]*(?::(?:[\w\-.:%\u00B7-\uFFFF]|\\.)*)?
           |:(?:[\w\-.:%\u00B7-\uFFFF]|\\.)*)
| (?P<other>.)
""", re.X | re.S)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def tokenize(text: str) -> list[Token]:
    """Tokens that matter for finding an update's parts: no whitespace, no comments."""
    out = []
    for m in TOKEN_RE.finditer(text):
        kind = m.lastgroup or "other"
        if kind in ("ws", "comment"):
            continue
        out.append(Token(kind, m.group(), m.start(), m.end()))
    return out


