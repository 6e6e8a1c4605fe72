"""`kg export`: the store (or one graph) as RDF, to a file written whole or to standard output."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kg import media
from kg.cli.options import EXIT_OK, add_store, store_path
from kg.errors import BadRequest


def configure_export(p: argparse.ArgumentParser) -> None:
    add_store(p)
    p.add_argument("--format", default="nquads", choices=sorted(media.GRAPHS.names()),
                   help="serialisation (default: nquads)")
    p.add_argument("--graph", default=None, help="only this named graph (IRI)")
    p.add_argument("--output", "-o", type=Path, default=None, help="file to write (default: standard output)")


def run_export(args: argparse.Namespace) -> int:
    from kg.store import open_store
    from kg.store.export import export

    store = open_store(store_path(args), read_only=True)
    if args.output is None:
        export(store, args.format, args.graph, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return EXIT_OK
    if not args.output.parent.is_dir():
        raise BadRequest(f"cannot write {args.output}: the folder {args.output.parent} does not exist",
                         hint="create the folder first, or give another --output path")
    partial = args.output.with_name(args.output.name + ".part")
    try:
        with partial.open("wb") as out:
            export(store, args.format, args.graph, out)
        partial.replace(args.output)
    finally:
        partial.unlink(missing_ok=True)
    print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK
