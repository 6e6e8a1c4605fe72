"""`kg link` and `kg export-links`: reviewed Wikidata links in through the gate, and out again."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from kg.cli.options import EXIT_OK, add_store, store_path
from kg.linking import review
from kg.linking.candidates import print_plan
from kg.linking.export_links import EXPORT_FORMATS, export_links
from kg.linking.wikidata import WIKIDATA_API

LINK_HELP = "add reviewed Wikidata links (CSV: iri,qid,reviewer,note) through the SHACL gate"
EXPORT_HELP = "write the Wikidata links for contributing them back (QuickStatements v1 or CSV)"


def configure_link(p: argparse.ArgumentParser) -> None:
    p.add_argument("candidates", type=Path, help="reviewed CSV with columns iri,qid,reviewer,note")
    add_store(p)
    p.add_argument("--date", type=date.fromisoformat, default=None,
                   help="day of the review, YYYY-MM-DD (default: today, UTC)")
    p.add_argument("--check-wikidata", nargs="?", const=WIKIDATA_API, default=None, metavar="API_URL",
                   help="also look every QID up on Wikidata (needs the network; default API "
                        f"{WIKIDATA_API}): refuse missing or redirected items, warn on unlike labels")
    p.add_argument("--reviewed-links", type=Path, default=None, metavar="CSV",
                   help="file where accepted rows are recorded for `kg build` (iri,qid,reviewer,date,note; "
                        "default: sources/reviewed-links.csv)")


def run_link(args: argparse.Namespace) -> int:
    from kg.store.serving import not_served

    with not_served(store_path(args), "link"):
        plan = review.link(args.candidates, store_path(args), reviewed_on=args.date,
                           wikidata_api=args.check_wikidata, reviewed_links=args.reviewed_links)
    print_plan(plan)
    return EXIT_OK


def configure_export_links(p: argparse.ArgumentParser) -> None:
    add_store(p)
    p.add_argument("--format", choices=sorted(EXPORT_FORMATS), default="csv",
                   help="quickstatements (v1 commands: Q… P973 \"our page\") or csv (default)")
    p.add_argument("--output", "-o", type=Path, default=None, help="file to write (default: standard output)")
    p.add_argument("--url-base", default=None,
                   help="public address of this server (e.g. https://tregua.example.org); pages are "
                        "exported as URL-BASE/id/... instead of the entity IRIs")


def run_export_links(args: argparse.Namespace) -> int:
    from kg.store import open_store

    store = open_store(store_path(args), read_only=True)
    if args.output is None:
        n = export_links(store, args.format, sys.stdout, url_base=args.url_base)
    else:
        partial = args.output.with_name(args.output.name + ".part")
        try:
            with partial.open("w", encoding="utf-8", newline="") as out:
                n = export_links(store, args.format, out, url_base=args.url_base)
            partial.replace(args.output)
        finally:
            partial.unlink(missing_ok=True)
    print(f"exported {n} link(s)" + (f" to {args.output}" if args.output else ""), file=sys.stderr)
    return EXIT_OK
