"""`kg query`: a SPARQL query (or a canned one, as GET /queries/NAME answers) on the store, read-only."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from kg import media
from kg.cli.options import EXIT_OK, add_store, store_path
from kg.errors import BadRequest, ParameterError, UnsupportedFormat

#: `--format` names: those of kg.media's menus, the same as `format=` at /sparql and /queries.
FORMAT_CHOICES = list(dict.fromkeys([
    *media.RESULTS.names(),
    *(o.short for o in media.CANNED if media.Carries.PAGE not in o.format.carries),
    *media.GRAPHS.names(),
]))


def configure_query(p: argparse.ArgumentParser) -> None:
    add_store(p)
    p.add_argument("query", nargs="?", help="SPARQL query text; '-' reads it from stdin, @FILE from a file")
    p.add_argument("--format", default=None, choices=FORMAT_CHOICES,
                   help="result format (default: csv for SELECT/ASK, ttl for CONSTRUCT/DESCRIBE)")
    p.add_argument("--canned", metavar="NAME", default=None,
                   help="run the canned query queries/NAME.rq instead (as GET /queries/NAME does)")
    p.add_argument("--param", metavar="K=V", action="append", default=[],
                   help="a canned-query parameter, repeatable (--param speaker=id:person/oscar-ortiz)")


def _query_text(arg: str | None) -> str:
    if arg is None:
        raise BadRequest("no query given",
                         hint='pass it as an argument: kg query "SELECT * WHERE {?s ?p ?o} LIMIT 5"')
    if arg == "-":
        return sys.stdin.read()
    if arg.startswith("@"):
        path = Path(arg[1:])
        if not path.is_file():
            raise BadRequest(f"no query file {path}", hint="give @PATH of a .rq file")
        return path.read_text(encoding="utf-8")
    return arg


def run_query(args: argparse.Namespace) -> int:
    """Run a query on the store (read-only) and print the result in the format asked for."""
    import pyoxigraph as ox

    from kg.store import open_store
    from kg.store.engine import QueryRequest, run_query

    if args.canned:
        sys.stdout.buffer.write(run_canned(store_path(args), args.canned, args.param, args.format or "csv"))
        sys.stdout.buffer.flush()
        return EXIT_OK
    text = _query_text(args.query)
    store = open_store(store_path(args), read_only=True)
    from kg.config import get_settings

    result = run_query(store, QueryRequest(text, service_allow=get_settings().service_allow_list))
    fmt = args.format
    if isinstance(result, ox.QueryTriples):  # a CONSTRUCT/DESCRIBE result
        graph = media.GRAPHS.get(fmt or "ttl")
        if graph is None or graph.format.rdf is None:
            raise UnsupportedFormat(f"--format {fmt} does not fit a CONSTRUCT/DESCRIBE result",
                                    offered=media.GRAPHS.names())
        from kg.iris import PREFIXES

        data = ox.serialize(result, format=graph.format.rdf,
                            prefixes=PREFIXES if graph.format in (media.TURTLE, media.TRIG) else None)
    else:
        solutions = media.RESULTS.get(fmt or "csv")
        if solutions is None or solutions.format.results is None:
            raise UnsupportedFormat(f"--format {fmt} does not fit a SELECT/ASK result",
                                    offered=media.RESULTS.names())
        data = result.serialize(format=solutions.format.results)
    sys.stdout.buffer.write(data or b"")
    sys.stdout.buffer.flush()
    return EXIT_OK


def run_canned(store_path: Path, name: str, params: Sequence[str], fmt: str) -> bytes:
    """`kg query --canned NAME --param k=v --format csv`: the same answer as GET /queries/NAME.

    Raises `NotFound` for an unknown query, `ParameterError` for a bad `k=v` or value and
    `UnsupportedFormat` for a format the canned queries do not speak.
    """
    from kg import canned, paths
    from kg.store import open_store
    from kg.store.engine import InProcessEngine

    if fmt not in canned.SERIALIZERS:
        raise UnsupportedFormat(f"--format {fmt} does not fit a canned query", offered=list(canned.SERIALIZERS))
    pairs = []
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ParameterError(item, f"--param {item!r} is not of the form name=value",
                                 expected="name=value", example="--param speaker=id:person/oscar-ortiz")
        pairs.append((key, value))
    query = canned.load_queries(paths.QUERIES_DIR).get(name)
    engine = InProcessEngine(open_store(store_path, read_only=True))
    return canned.serialize(canned.run(engine, query, pairs), fmt)
