"""Text as search and reconciliation compare it: folded words, compact keys, name similarity.

*Folding*: NFKD, drop combining marks, casefold, split on anything that is not a letter or digit.
"Óscar  Ortiz" → ("oscar", "ortiz"); its *compact key* "oscarortiz" makes "MS-13", "MS 13" and
"MS13" one name. *Scoring* with rapidfuzz (C code): 100 for the same compact key, otherwise the
better of token-sort and plain similarity, kept below 100. The index (`kg.linking.search`), the
reconciliation service and the Wikidata check all fold and score through here, so a name is
compared the same way wherever it is typed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from rapidfuzz import fuzz

_TOKEN_RE = re.compile(r"[^\W_]+")


def lexical(term: object) -> str:
    """The lexical form of a term read from the store (IRI, literal, blank node id).

    >>> import pyoxigraph as ox
    >>> lexical(ox.Literal("Óscar Ortiz", language="es"))
    'Óscar Ortiz'
    """
    value = getattr(term, "value", None)
    return value if isinstance(value, str) else str(term)


def fold(text: str) -> str:
    """Lower-case text without accents, so that names compare as people read them.

    >>> fold("Óscar ORTIZ")
    'oscar ortiz'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def tokens(text: str) -> list[str]:
    """The folded words of a text; punctuation and spaces only separate them.

    >>> tokens("MS-13 (Mara Salvatrucha)")
    ['ms', '13', 'mara', 'salvatrucha']
    """
    return _TOKEN_RE.findall(fold(text))


def compact(words: Sequence[str]) -> str:
    """The words run together: the key under which "MS13", "MS-13" and "ms 13" are one name.

    >>> compact(tokens("MS-13")) == compact(tokens("ms13"))
    True
    """
    return "".join(words)


def name_score(query_words: Sequence[str], name_words: Sequence[str]) -> float:
    """How alike two names are, 0–100: 100 only when they are the same once folded.

    >>> name_score(tokens("Oscar Ortiz"), tokens("Óscar Ortiz"))
    100.0
    >>> name_score(tokens("Ortiz Oscar"), tokens("Óscar Ortiz")) >= 95
    True
    """
    return folded_score(compact(query_words), " ".join(query_words),
                        compact(name_words), " ".join(name_words))


def folded_score(q: str, spaced_q: str, n: str, spaced_n: str) -> float:
    """`name_score` on names already folded: compact keys and space-joined words."""
    if not q or not n:
        return 0.0
    if q == n:
        return 100.0
    # Word order differs ("Ortiz, Óscar"): token sort; one word misspelt: plain ratio. Both
    # stay below 100 so that only a true equality can be a sure match on its own.
    best = max(fuzz.token_sort_ratio(spaced_q, spaced_n), fuzz.ratio(q, n))
    return min(float(best), 99.0)
