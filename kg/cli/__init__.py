"""The `kg` command: build, validate, serve, query, export (and what other modules register).

Every subcommand is one `Command` in `COMMANDS`: a name, a help line, a function adding its
options and a function running it. Adding a subcommand is adding one entry (modules may
define their own `Command` and be listed here). Every command takes `--store PATH`
(default `KG_STORE`, else ./data/store).

Errors: a `kg.errors.KgError` becomes its message (and hint) on stderr, never a traceback;
exit code 2 for bad input (`BadRequest`, `NotFound`, usage errors), 1 for any other failure
(a build stopped by bad sources, a missing store).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from kg.authoring import commands as authoring_commands
from kg.errors import BadRequest, BuildError, KgError, NotFound, UnsupportedFormat
from kg.journal import commands as journal_commands
from kg.linking import review as link_review

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


@dataclass(frozen=True)
class Command:
    """One subcommand: `configure` adds its options, `run` does the work and returns the exit code."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _settings():  # type: ignore[no-untyped-def]
    from kg.config import Settings

    return Settings()


def _add_store(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", type=Path, default=None,
                   help="Oxigraph store directory (default: $KG_STORE or ./data/store)")


def _add_dirs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--shared-dir", type=Path, default=None,
                   help="folder holding seed/ and reference/ (default: $KG_SHARED_DIR or ../shared)")
    p.add_argument("--sources-dir", type=Path, default=None, help="source files (default: sources)")
    p.add_argument("--extra-sources", type=Path, action="append", default=None, metavar="DIR",
                   help="another folder of sources built together with --sources-dir, repeatable "
                        "(default: $KG_EXTRA_SOURCES, folders separated by ':'), e.g. tests/fixtures/sources")
    p.add_argument("--ontology-dir", type=Path, default=None, help="ontology files (default: ontology/)")
    p.add_argument("--shapes-dir", type=Path, default=None, help="SHACL shapes (default: shapes/)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")


def store_path(args: argparse.Namespace) -> Path:
    return Path(args.store) if args.store else Path(_settings().store)


def shared_dir(args: argparse.Namespace) -> Path:
    return Path(args.shared_dir) if getattr(args, "shared_dir", None) else Path(_settings().shared_dir)


def _dirs(args: argparse.Namespace) -> dict:  # type: ignore[type-arg]
    return {"shared_dir": shared_dir(args), "sources_dir": args.sources_dir,
            "ontology_dir": args.ontology_dir, "shapes_dir": args.shapes_dir,
            "extra_sources_dirs": args.extra_sources}


# -- build / validate ----------------------------------------------------------

def _configure_build(p: argparse.ArgumentParser) -> None:
    _add_store(p)
    _add_dirs(p)
    _add_engines(p)


def run_build(args: argparse.Namespace) -> int:
    from kg.build.pipeline import build

    dirs = _dirs(args)
    report = build(store_path(args), progress=not args.quiet, semantics=args.semantics, engine=args.engine,
                   shared_dir=dirs["shared_dir"], sources_dir=dirs["sources_dir"],
                   ontology_dir=dirs["ontology_dir"], shapes_dir=dirs["shapes_dir"],
                   extra_sources_dirs=dirs["extra_sources_dirs"])
    replayed = report.journal
    if args.quiet and replayed is not None and replayed.quarantine:
        # refused edits are news even to a quiet build: they wait in the quarantine file
        print(f"journal: {replayed.summary()}", file=sys.stderr)
        for item in replayed.quarantine:
            print(f"  quarantined {item}", file=sys.stderr)
    return EXIT_OK


def _add_engines(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=["pyshacl", "oxigraph"], default="pyshacl",
                   help="SHACL engine: pyshacl (reference) or the shapes compiled to SPARQL in Oxigraph "
                        "(same results, scales to millions of triples)")
    p.add_argument("--semantics", choices=["owlrl", "rdfs", "oxigraph"], default="owlrl",
                   help="inference filling graph/inferred: owlrl (OWL RL), rdfs (owlrl RDFS) or oxigraph "
                        "(RDFS rules on Oxigraph's indexes; same triples as owlrl here, far faster)")


def _configure_validate(p: argparse.ArgumentParser) -> None:
    _add_store(p)
    _add_dirs(p)
    _add_engines(p)
    p.add_argument("--source", metavar="SLUG", default=None,
                   help="report only the problems found in sources/SLUG.trig (the whole graph is still validated)")


def run_validate(args: argparse.Namespace) -> int:
    """Report every problem (checks and SHACL) once, with file and line, without touching any store.

    Exit 1 when any problem (of SLUG's file, with --source) is reported.
    """
    from kg.build.pipeline import check

    compiled = check(progress=not args.quiet, engine=args.engine, semantics=args.semantics, **_dirs(args))
    problems = compiled.problems_of(args.source)
    for problem in problems:
        print(f"error: {problem.message}", file=sys.stderr)
        if problem.hint:
            print(f"  how to fix: {problem.hint}", file=sys.stderr)
    results = compiled.results_of(args.source)
    for line in compiled.result_lines(args.source):
        print(line)
    n_viol = sum(v.severity == "Violation" for v in results)
    n_warn = len(results) - n_viol
    scope = f" in source {args.source}" if args.source else ""
    print(f"{len(problems)} check problem(s), {n_viol} SHACL violation(s), {n_warn} warning(s){scope}",
          file=sys.stderr)
    return EXIT_FAILED if problems or n_viol else EXIT_OK


# -- serve ------------------------------------------------------------------------

def _configure_serve(p: argparse.ArgumentParser) -> None:
    _add_store(p)
    p.add_argument("--host", default=None, help="interface (default: $KG_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default: $KG_PORT or 8000)")
    p.add_argument("--log-level", default=None, help="uvicorn log level (default: $KG_LOG_LEVEL or info)")


def run_serve(args: argparse.Namespace) -> int:
    """Run `api.main:app` under uvicorn; options reach the app as KG_* variables (kg.config)."""
    import uvicorn

    from kg.store import open_store

    if args.store:
        os.environ["KG_STORE"] = str(Path(args.store).resolve())
    for name in ("host", "port", "log_level"):
        if getattr(args, name) is not None:
            os.environ[f"KG_{name.upper()}"] = str(getattr(args, name))
    settings = _settings()  # validates every KG_* variable before anything starts
    open_store(settings.store, read_only=True)  # fails early, with a hint, when there is no store
    from kg.config import get_settings

    get_settings.cache_clear()
    from uvicorn.importer import import_from_string

    # Named by string, as the app is: the HTTP layer stays in api/ (its unreadable-request answer
    # is JSON like every other error, not uvicorn's plain text).
    uvicorn.run("api.main:app", host=settings.host, port=settings.port, log_level=settings.log_level.lower(),
                http=import_from_string("api.protocol:JsonErrorProtocol"))
    return EXIT_OK


# -- query / export -------------------------------------------------------------

SOLUTION_FORMATS = ("csv", "tsv", "json", "xml")
GRAPH_FORMATS = ("ttl", "nt", "nq", "trig", "jsonld", "rdfxml")


def _configure_query(p: argparse.ArgumentParser) -> None:
    _add_store(p)
    p.add_argument("query", nargs="?", help="SPARQL query text; '-' reads it from stdin, @FILE from a file")
    p.add_argument("--format", default=None, choices=[*SOLUTION_FORMATS, "sparql-json", *GRAPH_FORMATS],
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
        from kg.canned import run_from_cli

        sys.stdout.buffer.write(run_from_cli(store_path(args), args.canned, args.param, args.format or "csv"))
        sys.stdout.buffer.flush()
        return EXIT_OK
    text = _query_text(args.query)
    store = open_store(store_path(args), read_only=True)
    from kg.config import get_settings

    result = run_query(store, QueryRequest(text, service_allow=get_settings().service_allow_list))
    fmt = args.format
    if isinstance(result, ox.QueryTriples):  # a CONSTRUCT/DESCRIBE result
        graph_formats = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
                         "nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG,
                         "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}
        if fmt is None:
            fmt = "ttl"
        if fmt not in graph_formats:
            raise UnsupportedFormat(f"--format {fmt} does not fit a CONSTRUCT/DESCRIBE result",
                                    offered=list(graph_formats))
        from kg.iris import PREFIXES

        data = ox.serialize(result, format=graph_formats[fmt],
                            prefixes=PREFIXES if fmt in ("ttl", "trig") else None)
    else:
        solution_formats = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV,
                            "json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML}
        if fmt is None:
            fmt = "csv"
        if fmt not in solution_formats:
            raise UnsupportedFormat(f"--format {fmt} does not fit a SELECT/ASK result",
                                    offered=list(solution_formats))
        data = result.serialize(format=solution_formats[fmt])
    sys.stdout.buffer.write(data or b"")
    sys.stdout.buffer.flush()
    return EXIT_OK


def _configure_export(p: argparse.ArgumentParser) -> None:
    from kg.store.export import FORMATS

    _add_store(p)
    p.add_argument("--format", default="nquads", choices=sorted(FORMATS),
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


# -- the table ------------------------------------------------------------------

COMMANDS: list[Command] = [
    Command("build", "build the store from ontology/, shapes/ and sources/", _configure_build, run_build),
    Command("validate", "check and SHACL-validate the sources; report only (exit 1 on problems)",
            _configure_validate, run_validate),
    Command("new-source", authoring_commands.NEW_SOURCE_HELP, authoring_commands.configure_new_source,
            authoring_commands.run_new_source),
    Command("locate", authoring_commands.LOCATE_HELP, authoring_commands.configure_locate,
            authoring_commands.run_locate),
    Command("serve", "serve the SPARQL endpoint and the site", _configure_serve, run_serve),
    Command("query", "run a SPARQL query on the store", _configure_query, run_query),
    Command("export", "dump the store (or one graph) as RDF", _configure_export, run_export),
    Command("link", link_review.LINK_HELP, link_review.configure_link, link_review.run_link),
    Command("export-links", link_review.EXPORT_HELP, link_review.configure_export_links,
            link_review.run_export_links),
    Command("history", journal_commands.HISTORY_HELP, journal_commands.configure_history,
            journal_commands.run_history),
    Command("revert", journal_commands.REVERT_HELP, journal_commands.configure_revert, journal_commands.run_revert),
    Command("journal", journal_commands.JOURNAL_HELP, journal_commands.configure_journal,
            journal_commands.run_journal),
]


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="kg", description="Tregua: build, check, query and serve the knowledge graph.")
    sub = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        p = sub.add_parser(command.name, help=command.help, description=command.help)
        command.configure(p)
        p.set_defaults(_run=command.run)
    return root


def report_error(exc: KgError, command: str = "") -> int:
    """Print a core error for a person (message, hint, details) and choose the exit code."""
    kind = "build failed" if isinstance(exc, BuildError) and command == "build" else "error"
    print(f"{kind}: {exc.message}", file=sys.stderr)
    if exc.hint:
        print(f"  how to fix: {exc.hint}", file=sys.stderr)
    suggestions = getattr(exc, "suggestions", None)
    if suggestions:
        print("  did you mean: " + ", ".join(suggestions), file=sys.stderr)
    details = getattr(exc, "details", None) or []
    for line in details[1:21]:
        print(f"  also: {line}", file=sys.stderr)
    if len(details) > 21:
        print(f"  ... and {len(details) - 21} more", file=sys.stderr)
    return EXIT_BAD_INPUT if isinstance(exc, BadRequest | NotFound) else EXIT_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args._run(args))
    except KgError as exc:
        return report_error(exc, args.command)
    except (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError) as exc:
        print(f"error: {exc.strerror}: {exc.filename}", file=sys.stderr)
        print("  how to fix: check the path and its permissions", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ValidationError as exc:
        # Each problem with the setting's name, never the value given: settings hold tokens.
        for error in exc.errors(include_input=False, include_url=False):
            field = "_".join(str(part) for part in error["loc"])
            named = f" KG_{field.upper()} ({field})" if field else ""
            print(f"error: bad setting{named}: {error['msg']}", file=sys.stderr)
        print("  how to fix: correct the KG_* environment variable or option named above", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # the reader went away (`kg export | head`): not an error; silence the flush at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
