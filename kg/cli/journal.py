"""The journal's `kg` subcommands: `kg history`, `kg revert ID`, `kg journal export --graph IRI`.

The journal itself is `kg.journal`; this is only its command line.

Each finds the journal of `--store` as the server does (`KG_JOURNAL`, else STORE.journal).
`kg revert` writes: like `kg link`, it needs the store to itself, and refuses while a server
serves it (`kg.store.serving`).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from kg.cli.options import add_store, store_path
from kg.errors import BadRequest

if TYPE_CHECKING:  # imported when a command runs: `kg --help` stays quick
    from kg.journal import Journal

HISTORY_HELP = "list the journal's entries (who wrote what, when, in which graphs)"
REVERT_HELP = "undo a journal entry with a new, gated and journaled write"
JOURNAL_HELP = "journal tools: `kg journal export --graph IRI` writes a graph's net edits as TriG"


def _store(args: argparse.Namespace) -> Path:
    return store_path(args)


def _journal(args: argparse.Namespace) -> Journal:
    from kg.journal import Journal

    return Journal.for_store(_store(args))


def configure_history(p: argparse.ArgumentParser) -> None:
    add_store(p)
    p.add_argument("--graph", default=None, help="only entries touching this graph (IRI)")
    p.add_argument("--since", default=None,
                   help="only entries at or after this ISO date/date-time, or after this entry id")
    p.add_argument("--who", default=None, help="only entries by this writer (a KG_UPDATE_TOKENS name)")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output (default: text)")
    p.add_argument("--limit", type=int, default=None, help="at most this many entries (newest first)")


def run_history(args: argparse.Namespace) -> int:
    """Newest first: one line per entry, then one indented line per graph with its counts."""
    from kg.journal.history import page, summary

    journal = _journal(args)
    if args.limit is not None and args.limit < 0:
        raise BadRequest("--limit must be 0 or more")
    found = page(journal, since=args.since, graph=args.graph, who=args.who, limit=args.limit)
    if args.format == "json":
        json.dump({**found.as_dict(), "journal": str(journal.path)}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    if not found.entries:
        print(f"no entries in {journal.path}" + (" match the filters" if found.total or journal.exists() else ""),
              file=sys.stderr)
        return 0
    for entry in found.entries:
        s = summary(entry)
        reverts = f"  reverts {s['reverts'][0]}" if s["reverts"] else ""
        print(f"{s['position']:>5}  {s['id']}  {s['time']}  {s['who'] or '-'}  request {s['request_id'] or '-'}"
              f"{reverts}")
        for g in s["graphs"]:
            print(f"         +{g['added']:<5} -{g['removed']:<5} {g['graph'] or '(default graph)'}")
    print(f"{len(found.entries)} of {found.total} entr{'y' if found.total == 1 else 'ies'} ({journal.path})",
          file=sys.stderr)
    return 0


def configure_revert(p: argparse.ArgumentParser) -> None:
    add_store(p)
    p.add_argument("id", help="the entry to undo: its id, or its first characters (see `kg history`)")
    p.add_argument("--who", default=None, help="who is reverting (default: the login name)")


def run_revert(args: argparse.Namespace) -> int:
    from kg.journal.history import revert
    from kg.store.serving import not_served

    who = args.who or getpass.getuser()
    with not_served(_store(args), "revert"):
        entry, report = revert(_store(args), args.id, who=who, request_id=f"kg-revert-{args.id[:13]}")
    print(f"reverted entry {entry.position} ({entry.id}): {report.removed} quad(s) removed, {report.added} "
          f"restored; the revert is journal entry {report.entry}", file=sys.stderr)
    return 0


def configure_journal(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="journal_command", required=True, metavar="ACTION")
    export = sub.add_parser("export", help="write the net effect of the journal's edits to one graph as TriG")
    add_store(export)
    export.add_argument("--graph", required=True, help="the graph (IRI), e.g. "
                        "https://w3id.org/tregua/graph/source/desk-notes")
    export.add_argument("--out", type=Path, default=None,
                        help="file to write (default: standard output); name it SLUG.trig to use it as the "
                             "source of .../graph/source/SLUG")


def run_journal(args: argparse.Namespace) -> int:
    import pyoxigraph as ox

    from kg.journal.history import export_trig, source_file_name

    try:
        ox.NamedNode(args.graph)
    except ValueError:
        raise BadRequest(f"--graph {args.graph!r} is not an absolute IRI",
                         hint="e.g. --graph https://w3id.org/tregua/graph/source/desk-notes") from None
    journal = _journal(args)
    data, added, removed = export_trig(journal, args.graph)
    if args.out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        if not args.out.parent.is_dir():
            raise BadRequest(f"cannot write {args.out}: the folder {args.out.parent} does not exist",
                             hint="create the folder first, or give another --out path")
        args.out.write_bytes(data)
    where = args.out or "standard output"
    print(f"{added} quad(s) added and {removed} removed by the journal's edits to <{args.graph}>: wrote {where}",
          file=sys.stderr)
    name = source_file_name(args.graph)
    if name is None:
        print("  note: `kg build` reads sources only for graphs .../graph/source/SLUG (from sources/SLUG.trig)",
              file=sys.stderr)
    elif args.out is not None and args.out.name != name:
        print(f"  note: as a source, the file must be named sources/{name}", file=sys.stderr)
    return 0
