"""`kg new-source` and `kg locate`: the command-line side of `kg.authoring`."""

from __future__ import annotations

import argparse
from pathlib import Path

NEW_SOURCE_HELP = "scaffold sources/SLUG.trig (source node, named graph) and copy its text to sources/SLUG.txt"
LOCATE_HELP = "print the offsets of words in a source's text, with a ready TriG snippet"


def _dirs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sources-dir", type=Path, default=None, help="source files (default: sources)")


def configure_new_source(p: argparse.ArgumentParser) -> None:
    p.add_argument("slug", help="the source's slug: lowercase words joined by '-', e.g. elfaro-2017-01-letter")
    p.add_argument("--text", type=Path, default=None,
                   help="the article's plain text (UTF-8), copied to sources/SLUG.txt")
    p.add_argument("--title", default=None, help="the title (rdfs:label)")
    p.add_argument("--publisher", default=None, help="the publishing organization's slug, e.g. insightcrime")
    p.add_argument("--date", default=None, help="publication date: YYYY-MM-DD, YYYY-MM or YYYY")
    p.add_argument("--url", default=None, help="the article's address, https://...")
    p.add_argument("--licence", default=None, help="a note on the licence (why we may keep a copy of the text)")
    _dirs(p)


def run_new_source(args: argparse.Namespace) -> int:
    from kg import paths
    from kg.authoring import new_source, publisher_is_new

    sources_dir = args.sources_dir or paths.SOURCES_DIR
    written = new_source(args.slug, args.text, sources_dir=sources_dir,
                         title=args.title, publisher=args.publisher, date=args.date, url=args.url,
                         licence=args.licence)
    for path in written:
        print(f"wrote {path}")
    if args.publisher and publisher_is_new(args.publisher, sources_dir):
        print(f"note: no source describes organization:{args.publisher}: fill in the commented block in "
              f"{written[0]} (its name in English and Spanish), or give an existing organization's slug")
    print(f'next: `kg locate {args.slug} "exact words"` for each quote, then `kg validate --source {args.slug}` '
          "(docs/adding-a-source.md)")
    return 0


def configure_locate(p: argparse.ArgumentParser) -> None:
    p.add_argument("slug", help="the source whose text to search (sources/SLUG.trig names it)")
    p.add_argument("words", help="the exact words, as in the text (curly quotes and apostrophes included)")
    p.add_argument("--kind", choices=["quote", "claim"], default="quote",
                   help="the snippet to print: a quote (tg:text) or an analysis claim (tg:paraphrase)")
    p.add_argument("--name", default="NAME", help="the quote's or claim's slug in the snippet")
    p.add_argument("--shared-dir", type=Path, default=None,
                   help="folder holding texts kept outside the repository (default: $KG_SHARED_DIR or ../shared)")
    _dirs(p)


def run_locate(args: argparse.Namespace) -> int:
    from kg import paths
    from kg.authoring import locate
    from kg.config import Settings

    shared = args.shared_dir or Settings().shared_dir
    print(locate(args.slug, args.words, sources_dir=args.sources_dir or paths.SOURCES_DIR, shared_dir=Path(shared),
                 kind=args.kind, name=args.name))
    return 0
