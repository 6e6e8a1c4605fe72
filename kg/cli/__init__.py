"""The `kg` command: build, validate, serve, query, export (and what other modules register).

Every subcommand is one `Command` in `COMMANDS`: a name, a help line, a function adding its
options and a function running it, kept in one module per command group (`build`, `serve`,
`query`, `export`, `link`; `new-source` and `locate` live in `kg.authoring.commands`). Adding a
subcommand is adding one entry. Every command takes
`--store PATH` (default `KG_STORE`, else ./data/store), defined once in `options`.

Errors: a `kg.errors.KgError` becomes its message (and hint) on stderr, never a traceback;
exit code 2 for bad input (`BadRequest`, `NotFound`, usage errors), 1 for any other failure
(a build stopped by bad sources, a missing store).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from kg.authoring import commands as authoring
from kg.cli import backup, build, export, journal, link, query, serve
from kg.cli.options import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, Command, store_path
from kg.errors import BadRequest, BuildError, KgError, NotFound

__all__ = ["COMMANDS", "Command", "main", "parser", "report_error", "store_path"]

COMMANDS: list[Command] = [
    Command("build", "build the store from ontology/, shapes/ and sources/", build.configure_build, build.run_build),
    Command("validate", "check and SHACL-validate the sources; report only (exit 1 on problems)",
            build.configure_validate, build.run_validate),
    Command("new-source", authoring.NEW_SOURCE_HELP, authoring.configure_new_source, authoring.run_new_source),
    Command("locate", authoring.LOCATE_HELP, authoring.configure_locate, authoring.run_locate),
    Command("serve", "serve the SPARQL endpoint and the site", serve.configure_serve, serve.run_serve),
    Command("query", "run a SPARQL query on the store", query.configure_query, query.run_query),
    Command("export", "dump the store (or one graph) as RDF", export.configure_export, export.run_export),
    Command("link", link.LINK_HELP, link.configure_link, link.run_link),
    Command("export-links", link.EXPORT_HELP, link.configure_export_links, link.run_export_links),
    Command("history", journal.HISTORY_HELP, journal.configure_history, journal.run_history),
    Command("revert", journal.REVERT_HELP, journal.configure_revert, journal.run_revert),
    Command("journal", journal.JOURNAL_HELP, journal.configure_journal, journal.run_journal),
    Command("backup", backup.BACKUP_HELP, backup.configure_backup, backup.run_backup),
    Command("restore", backup.RESTORE_HELP, backup.configure_restore, backup.run_restore),
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
