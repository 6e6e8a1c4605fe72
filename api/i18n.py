"""The interface in English and Spanish: which language a request gets, and its translations.

A Salvadoran reader should not have to read the interface in English when the data already has
`@es` labels for every term. The language is chosen, first match wins, by the URL's `?lang=`
(so a shared link keeps its language: pages carry it in their links with `lang_url()` in templates), then by the
browser's `Accept-Language`, then English. Translations are GNU gettext catalogues
(`api/locale/LANG/LC_MESSAGES/messages.po`), read with Babel and installed in Jinja2's i18n
extension, so templates say `{{ _("Canned queries") }}` and the English text is the message id.
`pybabel extract -F babel.cfg -o api/locale/messages.pot .` lists every message the templates
use; `tests/api/test_i18n.py` fails on one without a Spanish translation.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: The interface's languages, the default first.
LANGUAGES: tuple[str, ...] = ("en", "es")
DEFAULT = LANGUAGES[0]


def from_accept_language(header: str | None) -> str | None:
    """The first of our languages the `Accept-Language` header prefers (by q, then by order).

    >>> from_accept_language("es-SV,es;q=0.9,en;q=0.8")
    'es'
    >>> from_accept_language("fr, en;q=0.5, es;q=0.7")
    'es'
    >>> from_accept_language("de") is None
    True
    """
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and q > 0:
            ranked.append((-q, position, primary))
    return min(ranked)[2] if ranked else None


def choose(query_lang: str | None, accept_language: str | None) -> tuple[str, bool]:
    """The request's language, and whether the URL chose it (then links must carry it).

    >>> choose("es", "en")
    ('es', True)
    >>> choose(None, "es-SV")
    ('es', False)
    >>> choose("xx", None)
    ('en', False)
    """
    if query_lang and query_lang.lower() in LANGUAGES:
        return query_lang.lower(), True
    return from_accept_language(accept_language) or DEFAULT, False


def link(path: str, lang: str, *, chosen_by_url: bool) -> str:
    """`path` with `lang=` added when the URL chose the language, so that it is remembered.

    >>> link("/queries?format=html", "es", chosen_by_url=True)
    '/queries?format=html&lang=es'
    >>> link("/id/person/oscar-ortiz#quotes", "es", chosen_by_url=True)
    '/id/person/oscar-ortiz?lang=es#quotes'
    >>> link("/queries", "en", chosen_by_url=False)
    '/queries'
    """
    if not chosen_by_url or not path.startswith("/"):
        return path
    base, hash_, fragment = path.partition("#")
    base, _, query = base.partition("?")
    params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "lang"] + [("lang", lang)]
    return f"{base}?{urlencode(params)}{hash_}{fragment}"


@cache
def translations(lang: str) -> NullTranslations:
    """The catalogue of `lang` (English, the message ids themselves, needs none)."""
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang == DEFAULT or not po.is_file():
        return NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)
